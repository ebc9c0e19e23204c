package main

import (
	"context"
	"fmt"

	"github.com/rtrplay/rtrplay/executor"
	"github.com/rtrplay/rtrplay/playbook"
	"github.com/rtrplay/rtrplay/rtr"
)

// loadAndResolve loads the playbook, connects to Falcon with the
// environment's credentials and resolves every target. It reports
// problems to stderr and returns ok=false on any.
func (c *cli) loadAndResolve(ctx context.Context, path string, vars []string) (*playbook.Playbook, *rtr.Client, *executor.Resolution, bool) {
	pb, diags := playbook.Load(path, playbook.Options{Vars: vars, Getenv: c.getenv})
	if writeDiagnostics(c.stderr, diags) || pb == nil {
		return nil, nil, nil, false
	}
	cfg, err := rtr.ConfigFromEnv(c.getenv)
	if err != nil {
		fmt.Fprintf(c.stderr, "rtrplay: %v\n", err)
		return nil, nil, nil, false
	}
	cfg.UserAgent = "rtrplay/" + version
	cfg.Logger = c.logger()
	client, err := rtr.New(ctx, cfg)
	if err != nil {
		fmt.Fprintf(c.stderr, "rtrplay: connect to Falcon: %v\n", err)
		return nil, nil, nil, false
	}
	res, err := executor.Resolve(ctx, client, pb)
	if err != nil {
		fmt.Fprintf(c.stderr, "rtrplay: resolve targets: %v\n", err)
		_ = client.Close(ctx)
		return nil, nil, nil, false
	}
	return pb, client, res, true
}

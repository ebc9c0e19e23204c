package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

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
	if err == nil {
		err = client.Authenticate(ctx)
	}
	if err != nil {
		fmt.Fprintf(c.stderr, "rtrplay: connect to Falcon: %v\n%s", err, connectHint(err))
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

// connectHint suggests what to check after a failed connection that is not
// a credentials problem, whose error already names the variables.
func connectHint(err error) string {
	var netErr *net.OpError
	switch {
	case errors.Is(err, rtr.ErrCredentialsRejected):
		return ""
	case errors.As(err, &netErr):
		return "Check FALCON_BASE_URL or FALCON_CLOUD, and that this machine can reach that address.\n"
	case strings.Contains(err.Error(), "HTTP request to an HTTPS server"):
		return "The server speaks HTTPS: use an https:// URL in FALCON_BASE_URL.\n"
	}
	return ""
}

package main

import (
	"fmt"

	"github.com/rtrplay/rtrplay/playbook"
)

// validate checks a playbook offline: syntax, schema, references, the
// command catalog and the graph. It needs no credentials.
func (c *cli) validate(args []string) int {
	fs := c.newFlagSet("validate", "FILE")
	var vars stringsFlag
	fs.Var(&vars, "var", "set a variable, NAME=VALUE (repeatable)")
	path, code, ok := c.parseOneFile(fs, args)
	if !ok {
		return code
	}
	pb, diags := playbook.Load(path, playbook.Options{Vars: vars, Getenv: c.getenv})
	if writeDiagnostics(c.stderr, diags) || pb == nil {
		return exitError
	}
	fmt.Fprintf(c.stdout, "%s: playbook %q is valid: %s, %s.\n", path, pb.Name,
		plural(len(pb.Targets), "target"), plural(len(pb.Steps), "step"))
	return exitOK
}

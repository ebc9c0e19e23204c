package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/rtrplay/rtrplay/playbook"
)

// plan resolves the targets and prints what apply would do.
func (c *cli) plan(args []string) int {
	fs := c.newFlagSet("plan", "FILE")
	var vars stringsFlag
	fs.Var(&vars, "var", "set a variable, NAME=VALUE (repeatable)")
	path, code, ok := c.parseOneFile(fs, args)
	if !ok {
		return code
	}
	ctx := context.Background()
	pb, client, res, ok := c.loadAndResolve(ctx, path, vars)
	if !ok {
		return exitError
	}
	defer client.Close(ctx)
	writePlan(c.stdout, pb.Plan(res.HostCounts()), len(res.Hosts))
	return exitOK
}

// writePlan prints the plan in the manner of Terraform: one block per step
// with its tier, command and host count, destructive steps marked.
func writePlan(w io.Writer, plan *playbook.Plan, hosts int) {
	fmt.Fprintf(w, "Playbook %q on %s:\n\n", plan.Playbook, plural(hosts, "host"))
	for _, s := range plan.Steps {
		mark := "  "
		if s.Destructive {
			mark = "! "
		}
		fmt.Fprintf(w, "%s%s (%s)\n", mark, s.Addr, s.Tier)
		if s.Description != "" {
			fmt.Fprintf(w, "      # %s\n", s.Description)
		}
		label := "command"
		if s.Kind == playbook.KindGet {
			label = "path"
		}
		text := s.Text
		if !s.Known {
			text += "  (known after apply)"
		}
		fmt.Fprintf(w, "      %-10s %s\n", label, text)
		hostsText := fmt.Sprintf("%s (target.%s)", plural(s.Hosts, "host"), s.Target)
		switch {
		case s.Conditional && len(s.Platforms) > 0:
			hostsText = "up to " + hostsText + ", " + strings.Join(s.Platforms, " and ") + " only, where its condition holds"
		case s.Conditional:
			hostsText = "up to " + hostsText + ", where its condition holds"
		case len(s.Platforms) > 0:
			hostsText = "up to " + hostsText + ", " + strings.Join(s.Platforms, " and ") + " only"
		}
		fmt.Fprintf(w, "      %-10s %s\n", "hosts", hostsText)
		if len(s.DependsOn) > 0 {
			fmt.Fprintf(w, "      %-10s %s\n", "after", strings.Join(s.DependsOn, ", "))
		}
		fmt.Fprintln(w)
	}
	d := plan.Destructive()
	fmt.Fprintf(w, "Plan: %s, %d destructive (marked !).\n", plural(len(plan.Steps), "step"), len(d))
}

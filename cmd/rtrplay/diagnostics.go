package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// writeDiagnostics prints each diagnostic as FILE:LINE:COLUMN: SEVERITY:
// SUMMARY, then its detail indented, and returns whether any is an error.
func writeDiagnostics(w io.Writer, diags hcl.Diagnostics) bool {
	for _, d := range diags {
		severity := "error"
		if d.Severity == hcl.DiagWarning {
			severity = "warning"
		}
		where := "rtrplay"
		if d.Subject != nil {
			where = fmt.Sprintf("%s:%d:%d", d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column)
		}
		fmt.Fprintf(w, "%s: %s: %s\n", where, severity, d.Summary)
		if d.Detail != "" {
			for _, line := range strings.Split(d.Detail, "\n") {
				fmt.Fprintf(w, "    %s\n", line)
			}
		}
	}
	return diags.HasErrors()
}

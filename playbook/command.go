package playbook

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/rtrplay/rtrplay/schema"
)

// resolveCommand finds the command's base command in the catalog. The
// first word must be literal so that the tier, and with it the endpoint and
// the approval prompt, are known before any host is contacted.
func (s *Step) resolveCommand(expr hcl.Expression, ctx *hcl.EvalContext) hcl.Diagnostics {
	head, ok := literalHead(expr, ctx)
	if !ok || strings.TrimSpace(head) == "" {
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Command must start with a literal command name",
			Detail: "The first word of a command, such as ls or kill, must be written out so that its tier " +
				"and whether it is destructive are known when planning.",
			Subject: expr.Range().Ptr(),
		}}
	}
	return s.resolveWith(head, expr.Range())
}

func (s *Step) resolveLiteral(command string, rng hcl.Range) hcl.Diagnostics {
	return s.resolveWith(command, rng)
}

func (s *Step) resolveWith(head string, rng hcl.Range) hcl.Diagnostics {
	catalog, err := schema.Commands()
	if err != nil {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Broken command catalog", Detail: err.Error()}}
	}
	if first := strings.Fields(head); len(first) > 0 && first[0] != strings.ToLower(first[0]) {
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Command name must be lower case",
			Detail: fmt.Sprintf("RTR base commands are lower case; write %q instead of %q.",
				strings.ToLower(first[0]), first[0]),
			Subject: rng.Ptr(),
		}}
	}
	resolved, err := catalog.Lookup(head)
	if err != nil {
		first := strings.Fields(head)[0]
		var subcommands []string
		for _, name := range catalog.Names() {
			if strings.HasPrefix(name, first+" ") {
				subcommands = append(subcommands, name)
			}
		}
		detail := fmt.Sprintf("%q is not an RTR command.%s The known commands are: %s.",
			first, didYouMean(first, catalog.Names()), strings.Join(catalog.Names(), ", "))
		if len(subcommands) > 0 {
			detail = fmt.Sprintf("%q needs a subcommand: %s.", first, strings.Join(subcommands, ", "))
		}
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Unknown RTR command",
			Detail:   detail,
			Subject:  rng.Ptr(),
		}}
	}
	if resolved.BaseCommand == "get" && s.Kind == KindCommand {
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Use a get block to retrieve files",
			Detail:   `Files are retrieved with batch get, which a get "NAME" { path = "..." } block runs and collects as evidence.`,
			Subject:  rng.Ptr(),
		}}
	}
	s.Resolved = resolved
	return nil
}

// literalHead returns the literal text at the start of a template, up to
// its first interpolation, or the whole value of a static expression.
func literalHead(expr hcl.Expression, ctx *hcl.EvalContext) (string, bool) {
	switch e := expr.(type) {
	case *hclsyntax.TemplateExpr:
		var head strings.Builder
		for _, part := range e.Parts {
			lit, ok := part.(*hclsyntax.LiteralValueExpr)
			if !ok || lit.Val.Type() != cty.String {
				break
			}
			head.WriteString(lit.Val.AsString())
		}
		return head.String(), head.Len() > 0
	}
	v, diags := expr.Value(ctx)
	if diags.HasErrors() || !v.IsKnown() || v.IsNull() || v.Type() != cty.String {
		return "", false
	}
	return v.AsString(), true
}

func (s *Step) decodeScript(attrs hcl.Attributes, blockRange hcl.Range) hcl.Diagnostics {
	sc := &Script{}
	var set []string
	for _, name := range []string{"raw", "cloud_file", "host_path"} {
		a, ok := attrs[name]
		if !ok {
			continue
		}
		set = append(set, name)
		switch name {
		case "raw":
			sc.Raw = a.Expr
		case "cloud_file":
			sc.CloudFile = a.Expr
		case "host_path":
			sc.HostPath = a.Expr
		}
	}
	if a, ok := attrs["command_line"]; ok {
		sc.CommandLine = a.Expr
	}
	s.Script = sc
	if len(set) != 1 {
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Runscript needs exactly one script source",
			Detail: fmt.Sprintf("Runscript %q sets %d of raw, cloud_file and host_path; set exactly one.",
				s.Name, len(set)),
			Subject: blockRange.Ptr(),
		}}
	}
	flag := map[string]string{"raw": "-Raw=x", "cloud_file": "-CloudFile=x", "host_path": "-HostPath=x"}[set[0]]
	return s.resolveLiteral("runscript "+flag, blockRange)
}

// asString converts a value to text. It reports whether the value is
// known, and whether it derives from a sensitive variable.
func asString(v cty.Value) (string, bool, error) {
	text, known, _, err := asSensitiveString(v)
	return text, known, err
}

func asSensitiveString(v cty.Value) (string, bool, bool, error) {
	v, marks := v.UnmarkDeep()
	sensitive := hasSensitive(marks)
	text, known, err := plainString(v)
	return text, known, sensitive, err
}

func plainString(v cty.Value) (string, bool, error) {
	if !v.IsKnown() {
		return "", false, nil
	}
	if v.IsNull() {
		return "", false, fmt.Errorf("the value is null")
	}
	s, err := convert.Convert(v, cty.String)
	if err != nil {
		return "", false, fmt.Errorf("a %s cannot be used as text: %w", v.Type().FriendlyName(), err)
	}
	return s.AsString(), true, nil
}

func exprError(expr hcl.Expression, summary, detail string) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: expr.Range().Ptr()}
}

// scriptCommand builds the runscript command string. Inline code and
// command lines go inside triple backticks, RTR's quoting for text with
// spaces and quotes; code that itself holds ``` cannot be sent.
func (s *Step) scriptCommand(ctx *hcl.EvalContext) (Rendered, bool, hcl.Diagnostics) {
	sc := s.Script
	var b, display strings.Builder
	var secrets []string
	b.WriteString("runscript")
	display.WriteString("runscript")
	add := func(expr hcl.Expression, format func(string) (string, error)) (bool, hcl.Diagnostics) {
		v, diags := expr.Value(ctx)
		if diags.HasErrors() {
			return false, diags
		}
		text, known, sensitive, err := asSensitiveString(v)
		if err == nil {
			err = checkText(text)
		}
		if err != nil {
			return false, diags.Append(exprError(expr, "Invalid script value", err.Error()+"."))
		}
		if !known {
			return false, diags
		}
		arg, err := format(text)
		if err != nil {
			return false, diags.Append(exprError(expr, "Value cannot be quoted safely", err.Error()+"."))
		}
		b.WriteString(arg)
		if sensitive {
			secrets = append(secrets, text)
			arg, _ = format(redactedText)
		}
		display.WriteString(arg)
		return true, diags
	}
	var diags hcl.Diagnostics
	known := true
	parts := []struct {
		expr   hcl.Expression
		format func(string) (string, error)
	}{
		{sc.Raw, backtickFlag("-Raw", false)},
		{sc.CloudFile, quotedFlag("-CloudFile")},
		{sc.HostPath, quotedFlag("-HostPath")},
		{sc.CommandLine, backtickFlag("-CommandLine", true)},
	}
	for _, part := range parts {
		if part.expr == nil {
			continue
		}
		ok, partDiags := add(part.expr, part.format)
		diags = append(diags, partDiags...)
		if partDiags.HasErrors() {
			return Rendered{}, false, diags
		}
		known = known && ok
	}
	if s.Timeout != defaultStepTimeout {
		timeout := fmt.Sprintf(" -Timeout=%d", int(s.Timeout.Seconds()))
		b.WriteString(timeout)
		display.WriteString(timeout)
	}
	return Rendered{Text: b.String(), Display: display.String(), Secrets: secrets}, known, diags
}

func backtickFlag(flag string, emptyAsQuotes bool) func(string) (string, error) {
	return func(v string) (string, error) {
		if v == "" && !emptyAsQuotes {
			return "", fmt.Errorf("the %s script is empty", flag)
		}
		if strings.Contains(v, "```") {
			return "", fmt.Errorf("%s text contains ```, which would end RTR's quoted block early", flag)
		}
		if v == "" && emptyAsQuotes {
			return " " + flag + `=""`, nil
		}
		return " " + flag + "=```" + v + "```", nil
	}
}

func quotedFlag(flag string) func(string) (string, error) {
	return func(v string) (string, error) {
		if strings.TrimSpace(v) == "" {
			return "", fmt.Errorf("the %s value is empty; name the script", flag)
		}
		if strings.ContainsAny(v, "\"\r\n") {
			return "", fmt.Errorf("the %s value contains a double quote or line break, which RTR cannot escape", flag)
		}
		return " " + flag + `="` + v + `"`, nil
	}
}

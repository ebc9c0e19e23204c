package playbook

import (
	"fmt"
	"strings"
	"unicode"

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
	resolved, err := catalog.Lookup(head)
	if err != nil {
		first := strings.Fields(head)[0]
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Unknown RTR command",
			Detail: fmt.Sprintf("%q is not an RTR command.%s The known commands are: %s.",
				first, didYouMean(strings.ToLower(first), catalog.Names()), strings.Join(catalog.Names(), ", ")),
			Subject: rng.Ptr(),
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

// QuoteArg quotes one command argument by RTR's rules: a value with
// whitespace, or an empty value, is wrapped in double quotes. A value that
// holds a double quote or a line break cannot be quoted safely, because RTR
// has no escape character, and is an error.
func QuoteArg(v string) (string, error) {
	if strings.ContainsAny(v, "\r\n") {
		return "", fmt.Errorf("the value contains a line break, which cannot be passed in an RTR command argument")
	}
	if !strings.ContainsAny(v, " \t\"'`") && v != "" {
		return v, nil
	}
	if strings.Contains(v, `"`) {
		return "", fmt.Errorf("the value contains a double quote, which RTR cannot escape")
	}
	return `"` + v + `"`, nil
}

// renderTemplate evaluates a command template and quotes each argument
// that an interpolated value fills by QuoteArg's rules. An argument is a run
// of text between literal whitespace, so "rm ${dir}\\${file}" quotes the
// whole path, not its pieces. Text that the template already quotes (between
// literal quotes, or inside a triple-backtick block) is checked instead of
// quoted. Static expressions that are not templates are evaluated whole.
func renderTemplate(expr hcl.Expression, ctx *hcl.EvalContext) (Rendered, bool, hcl.Diagnostics) {
	tmpl, ok := expr.(*hclsyntax.TemplateExpr)
	if !ok {
		v, diags := expr.Value(ctx)
		if diags.HasErrors() {
			return Rendered{}, false, diags
		}
		s, known, sensitive, err := asSensitiveString(v)
		if err != nil {
			return Rendered{}, false, diags.Append(exprError(expr, "Invalid command value", err.Error()))
		}
		r := Rendered{Text: s, Display: s}
		if sensitive {
			r.Display = redactedText
		}
		return r, known, diags
	}
	var segs []segment
	var diags hcl.Diagnostics
	known := true
	for _, part := range tmpl.Parts {
		if lit, ok := part.(*hclsyntax.LiteralValueExpr); ok && lit.Val.Type() == cty.String {
			segs = append(segs, segment{text: lit.Val.AsString()})
			continue
		}
		v, partDiags := part.Value(ctx)
		diags = append(diags, partDiags...)
		if partDiags.HasErrors() {
			return Rendered{}, false, diags
		}
		s, partKnown, sensitive, err := asSensitiveString(v)
		if err != nil {
			return Rendered{}, false, diags.Append(exprError(part, "Invalid interpolated value", err.Error()))
		}
		if !partKnown {
			known = false
			continue
		}
		segs = append(segs, segment{text: s, interpolated: true, sensitive: sensitive})
	}
	if !known {
		return Rendered{}, false, diags
	}
	out, err := quoteCommand(segs)
	if err == nil {
		err = checkText(out.Text)
	}
	if err != nil {
		return Rendered{}, false, diags.Append(exprError(expr, "Value cannot be quoted safely", err.Error()+"."))
	}
	return out, true, diags
}

// renderPlain evaluates a single value, such as a path, without command
// quoting. In a template, each sensitive part shows as "(sensitive)".
func renderPlain(expr hcl.Expression, ctx *hcl.EvalContext) (Rendered, bool, hcl.Diagnostics) {
	parts := []hcl.Expression{expr}
	if tmpl, ok := expr.(*hclsyntax.TemplateExpr); ok {
		parts = parts[:0]
		for _, p := range tmpl.Parts {
			parts = append(parts, p)
		}
	}
	var text, display strings.Builder
	var diags hcl.Diagnostics
	for _, part := range parts {
		v, partDiags := part.Value(ctx)
		diags = append(diags, partDiags...)
		if partDiags.HasErrors() {
			return Rendered{}, false, diags
		}
		s, known, sensitive, err := asSensitiveString(v)
		if err != nil {
			return Rendered{}, false, diags.Append(exprError(part, "Invalid value", err.Error()+"."))
		}
		if !known {
			return Rendered{}, false, diags
		}
		if err := checkText(s); err != nil {
			return Rendered{}, false, diags.Append(exprError(part, "Invalid value", err.Error()+"."))
		}
		text.WriteString(s)
		if sensitive {
			s = redactedText
		}
		display.WriteString(s)
	}
	return Rendered{Text: text.String(), Display: display.String()}, true, diags
}

// Rendered is a command string or path in two forms: Text goes to the
// host; Display, with sensitive values replaced, goes to plans, prompts,
// reports and logs.
type Rendered struct {
	Text    string
	Display string
}

// segment is a piece of a rendered template: literal text from the
// playbook or a value from an interpolation.
type segment struct {
	text         string
	interpolated bool
	sensitive    bool
}

// quoteCommand joins segments into a command string, quoting arguments that
// interpolated whitespace would split or an interpolated empty value would
// drop, and rejecting values that no RTR quoting can carry.
func quoteCommand(segs []segment) (Rendered, error) {
	var chars []qchar
	for n, s := range segs {
		if s.interpolated && s.text == "" {
			chars = append(chars, qchar{interp: true, empty: true})
		}
		for i := 0; i < len(s.text); i++ {
			chars = append(chars, qchar{c: s.text[i], interp: s.interpolated, secret: secretID(s, n)})
		}
	}
	var out dualBuilder
	for i := 0; i < len(chars); {
		if chars[i].isSeparator() {
			out.add(chars[i])
			i++
			continue
		}
		next, err := scanArg(&out, chars, i)
		if err != nil {
			return Rendered{}, err
		}
		i = next
	}
	return Rendered{Text: out.text.String(), Display: out.display.String()}, nil
}

// secretID numbers the sensitive segments from 1, so that two adjacent
// secrets show as two redactions; 0 means not sensitive.
func secretID(s segment, n int) int {
	if !s.sensitive {
		return 0
	}
	return n + 1
}

// dualBuilder writes a command string and its display form at once. A run
// of characters from one sensitive value shows as one "(sensitive)".
type dualBuilder struct {
	text, display strings.Builder
	lastSecret    int
}

func (b *dualBuilder) add(q qchar) {
	if q.empty {
		return
	}
	b.text.WriteByte(q.c)
	switch {
	case q.secret == 0:
		b.display.WriteByte(q.c)
	case q.secret != b.lastSecret:
		b.display.WriteString(redactedText)
	}
	b.lastSecret = q.secret
}

func (b *dualBuilder) addAll(chars []qchar) {
	for _, q := range chars {
		b.add(q)
	}
}

func (b *dualBuilder) addLiteral(s string) {
	b.text.WriteString(s)
	b.display.WriteString(s)
	b.lastSecret = 0
}

// qchar is one byte of a rendered command, marked with whether it came from
// an interpolation; empty marks where an empty value was interpolated.
type qchar struct {
	c      byte
	interp bool
	empty  bool
	secret int
}

func (q qchar) isSeparator() bool { return !q.interp && (q.c == ' ' || q.c == '\t') }

func textOf(chars []qchar) string {
	b := make([]byte, 0, len(chars))
	for _, q := range chars {
		if !q.empty {
			b = append(b, q.c)
		}
	}
	return string(b)
}

// closeAt returns the index of the literal delimiter that closes a quote
// opened before from, or -1.
func closeAt(chars []qchar, from int, delim string) int {
	for j := from; j+len(delim) <= len(chars); j++ {
		if !chars[j].interp && textOf(chars[j:j+len(delim)]) == delim {
			return j
		}
	}
	return -1
}

// isControl reports ASCII control characters other than tab, line feed and
// carriage return, which have their own messages.
func isControl(c byte) bool {
	return (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f
}

// checkText rejects text that would reach a host or a terminal looking
// different from what it is: control characters, and Unicode format
// characters such as the right-to-left override.
func checkText(s string) error {
	for _, r := range s {
		if r == '\t' || r == '\n' || r == '\r' {
			continue
		}
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return fmt.Errorf("the value contains the character %U, which is invisible or changes how text displays", r)
		}
	}
	return nil
}

func hasInterpolated(chars []qchar, c byte) bool {
	for _, q := range chars {
		if q.interp && q.c == c {
			return true
		}
	}
	return false
}

// scanArg writes the argument that starts at chars[i] to out, quoted if
// needed, and returns the index after it.
func scanArg(out *dualBuilder, chars []qchar, i int) (int, error) {
	start := i
	needsQuotes, userQuoted, hadEmpty := false, false, false
	for i < len(chars) && !chars[i].isSeparator() {
		q := chars[i]
		switch {
		case q.empty:
			hadEmpty = true
			i++
		case !q.interp && i+3 <= len(chars) && textOf(chars[i:i+3]) == "```":
			end := closeAt(chars, i+3, "```")
			if end < 0 {
				return 0, fmt.Errorf("the command opens a ``` block that is never closed")
			}
			if hasInterpolated(chars[i+3:end], '`') {
				return 0, fmt.Errorf("a value contains a backtick inside a ``` block, which could end the block early")
			}
			i, userQuoted = end+3, true
		case !q.interp && (q.c == '"' || q.c == '\''):
			end := closeAt(chars, i+1, string(q.c))
			if end < 0 {
				return 0, fmt.Errorf("the command opens a %c quote that is never closed", q.c)
			}
			for _, inner := range chars[i+1 : end] {
				if inner.interp && (inner.c == q.c || inner.c == '\n' || inner.c == '\r') {
					return 0, fmt.Errorf("a value inside %c quotes contains %q", q.c, inner.c)
				}
			}
			i, userQuoted = end+1, true
		default:
			if q.interp && isControl(q.c) {
				return 0, fmt.Errorf("a value contains the control character %q, which cannot be sent in an RTR command", q.c)
			}
			if q.interp {
				switch q.c {
				case '"':
					return 0, fmt.Errorf("a value contains a double quote, which RTR cannot escape")
				case '\n', '\r':
					return 0, fmt.Errorf("a value contains a line break, which cannot be passed in an RTR command argument")
				case ' ', '\t', '\'', '`':
					needsQuotes = true
				}
			}
			i++
		}
	}
	arg := chars[start:i]
	switch {
	case needsQuotes && userQuoted:
		return 0, fmt.Errorf("an argument mixes quoted text with a value that has spaces; quote the whole argument")
	case needsQuotes, textOf(arg) == "" && hadEmpty:
		out.addLiteral(`"`)
		out.addAll(arg)
		out.addLiteral(`"`)
	default:
		out.addAll(arg)
	}
	return i, nil
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
	return Rendered{Text: b.String(), Display: display.String()}, known, diags
}

func backtickFlag(flag string, emptyAsQuotes bool) func(string) (string, error) {
	return func(v string) (string, error) {
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
		if strings.ContainsAny(v, "\"\r\n") {
			return "", fmt.Errorf("the %s value contains a double quote or line break, which RTR cannot escape", flag)
		}
		return " " + flag + `="` + v + `"`, nil
	}
}

package playbook

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

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
			r.Display, r.Secrets = redactedText, []string{s}
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
	var secrets []string
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
			secrets = append(secrets, s)
			s = redactedText
		}
		display.WriteString(s)
	}
	return Rendered{Text: text.String(), Display: display.String(), Secrets: secrets}, true, diags
}

// Rendered is a command string or path in two forms: Text goes to the
// host; Display, with sensitive values replaced, goes to plans, prompts,
// reports and logs.
type Rendered struct {
	Text    string
	Display string
	// Secrets holds the text of each sensitive value in Text, so that
	// error messages that echo it (a host's "file not found", say) can be
	// redacted too.
	Secrets []string
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
	var secrets []string
	for _, s := range segs {
		if s.sensitive && s.text != "" {
			secrets = append(secrets, s.text)
		}
	}
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
	return Rendered{Text: out.text.String(), Display: out.display.String(), Secrets: secrets}, nil
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
	if !utf8.ValidString(s) {
		return fmt.Errorf("the value is not valid UTF-8 text")
	}
	for _, r := range s {
		if r == '\t' || r == '\n' || r == '\r' {
			continue
		}
		if unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp) {
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
	if len(arg) > 0 && arg[0].interp && arg[0].c == '-' {
		// A value must not turn into a flag: quoted, RTR reads it as an
		// argument.
		needsQuotes = true
	}
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

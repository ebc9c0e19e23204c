package playbook

import (
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// redactedText replaces sensitive values wherever rtrplay shows text.
const redactedText = "(sensitive)"

// sensitiveMark is the cty mark on values that derive from a sensitive
// variable. cty carries marks through operators and functions, so a
// rendered command knows which of its characters are secret.
type sensitiveMarkType struct{}

var sensitiveMark = sensitiveMarkType{}

func hasSensitive(marks cty.ValueMarks) bool {
	_, ok := marks[sensitiveMark]
	return ok
}

// minRedactLength is the shortest secret that Redact replaces inside free
// text. Shorter values would match ordinary words and mangle the text.
// NOTE: a sensitive value shorter than this can appear in error text that
// Falcon or a host returns.
const minRedactLength = 4

// collectSecrets records the text of every sensitive variable's value, so
// that Redact can remove it from commands, paths, reasons and diagnostics.
// Longer values come first, so that a value that contains another is
// replaced whole.
func (p *Playbook) collectSecrets() {
	p.secrets = nil
	for _, v := range p.Variables {
		val, ok := p.values[v.Name]
		if !v.Sensitive || !ok || val == cty.NilVal || !val.IsWhollyKnown() || val.IsNull() {
			continue
		}
		text := ""
		if val.Type() == cty.String {
			text = val.AsString()
		} else if b, err := ctyjson.Marshal(val, val.Type()); err == nil {
			text = string(b)
		}
		if len(text) >= minRedactLength {
			p.secrets = append(p.secrets, text)
		}
	}
	slices.SortFunc(p.secrets, func(a, b string) int { return len(b) - len(a) })
}

// Redact returns s with the value of every sensitive variable replaced by
// "(sensitive)". Rendered commands and paths are redacted through cty marks
// already; Redact is for free text that may echo a value, such as an error
// from Falcon. Host output is evidence and is stored as the host printed it.
func (p *Playbook) Redact(s string) string {
	for _, secret := range p.secrets {
		s = strings.ReplaceAll(s, secret, redactedText)
	}
	return s
}

// redactDiagnostics removes sensitive values from diagnostics, such as a
// function error that quotes its argument.
func (p *Playbook) redactDiagnostics(diags hcl.Diagnostics) {
	if len(p.secrets) == 0 {
		return
	}
	for _, d := range diags {
		d.Summary = p.Redact(d.Summary)
		d.Detail = p.Redact(d.Detail)
	}
}

// RedactWith returns s with every secret in secrets, and every sensitive
// variable's value, replaced by "(sensitive)".
func (p *Playbook) RedactWith(s string, secrets []string) string {
	for _, secret := range secrets {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, redactedText)
		}
	}
	return p.Redact(s)
}

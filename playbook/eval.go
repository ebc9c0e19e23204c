package playbook

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// HostFacts describe the host a step is evaluated for; expressions read
// them as host.id, host.hostname and host.platform.
type HostFacts struct {
	ID       string
	Hostname string
	// Platform is "windows", "linux" or "mac".
	Platform string
}

// Outcome is what an earlier step left on one host, as expressions see it.
type Outcome struct {
	// State is the step's final state on the host: "succeeded", "failed",
	// "skipped", "queued" or "unknown".
	State  string
	Stdout string
	Stderr string
	// Error is Falcon's error message or the reason for the state.
	Error string
	// SHA256 and Size describe the file a get step retrieved.
	SHA256 string
	Size   int64
}

// HostScope is everything a per-host expression can read: the host and
// the outcomes of earlier steps on it, keyed by step address.
type HostScope struct {
	Host     HostFacts
	Outcomes map[string]Outcome
}

// stepAttributes are the attributes that references to a step may read.
var stepAttributes = map[string]bool{
	"stdout": true, "stderr": true, "state": true, "error": true,
	"succeeded": true, "failed": true, "skipped": true, "queued": true,
	"sha256": true, "size": true,
}

var hostAttributes = map[string]bool{"id": true, "hostname": true, "platform": true}

func (o Outcome) value() cty.Value {
	return cty.ObjectVal(map[string]cty.Value{
		"state":     cty.StringVal(o.State),
		"stdout":    cty.StringVal(o.Stdout),
		"stderr":    cty.StringVal(o.Stderr),
		"error":     cty.StringVal(o.Error),
		"succeeded": cty.BoolVal(o.State == "succeeded"),
		"failed":    cty.BoolVal(o.State == "failed"),
		"skipped":   cty.BoolVal(o.State == "skipped"),
		"queued":    cty.BoolVal(o.State == "queued"),
		"sha256":    cty.StringVal(o.SHA256),
		"size":      cty.NumberIntVal(o.Size),
	})
}

// evalContext builds the context of one host. A step with no outcome in
// scope evaluates as unknown, which is what the plan shows as "known after
// apply".
func (p *Playbook) evalContext(scope *HostScope) *hcl.EvalContext {
	vars := map[string]cty.Value{"var": p.varObject()}
	if scope == nil {
		vars["host"] = cty.UnknownVal(cty.Object(map[string]cty.Type{
			"id": cty.String, "hostname": cty.String, "platform": cty.String,
		}))
	} else {
		vars["host"] = cty.ObjectVal(map[string]cty.Value{
			"id":       cty.StringVal(scope.Host.ID),
			"hostname": cty.StringVal(scope.Host.Hostname),
			"platform": cty.StringVal(scope.Host.Platform),
		})
	}
	byKind := map[string]map[string]cty.Value{}
	unknownOutcome := cty.UnknownVal(Outcome{}.value().Type())
	for addr, s := range p.steps {
		kind := s.Kind.BlockType()
		if byKind[kind] == nil {
			byKind[kind] = map[string]cty.Value{}
		}
		val := unknownOutcome
		if scope != nil {
			if o, ok := scope.Outcomes[addr]; ok {
				val = o.value()
			}
		}
		byKind[kind][s.Name] = val
	}
	for kind, objs := range byKind {
		vars[kind] = cty.ObjectVal(objs)
	}
	return &hcl.EvalContext{Variables: vars, Functions: functions(p.Dir)}
}

// EvalWhen evaluates the step's when condition for one host. A step with
// no condition runs everywhere.
func (p *Playbook) EvalWhen(s *Step, scope HostScope) (bool, hcl.Diagnostics) {
	if s.When == nil {
		return true, nil
	}
	v, diags := s.When.Value(p.evalContext(&scope))
	if diags.HasErrors() {
		return false, diags
	}
	v, _ = v.UnmarkDeep()
	if !v.IsKnown() || v.IsNull() || v.Type() != cty.Bool {
		return false, diags.Append(exprError(s.When, "Invalid when condition",
			fmt.Sprintf("The condition of %s must be true or false on host %s; it is %s.",
				s.Addr(), scope.Host.Hostname, describe(v))))
	}
	return v.True(), diags
}

// EvalCommand returns the command string that a command or runscript step
// sends to one host.
func (p *Playbook) EvalCommand(s *Step, scope HostScope) (Rendered, hcl.Diagnostics) {
	if !s.complete() {
		return Rendered{}, incompleteStep(s)
	}
	ctx := p.evalContext(&scope)
	var (
		text  Rendered
		known bool
		diags hcl.Diagnostics
	)
	switch s.Kind {
	case KindCommand:
		text, known, diags = renderTemplate(s.Command, ctx)
	case KindRunscript:
		text, known, diags = s.scriptCommand(ctx)
	default:
		return Rendered{}, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Step has no command",
			Detail: s.Addr() + " is a " + s.Kind.BlockType() + " step, which sends no command string."}}
	}
	if diags.HasErrors() {
		return Rendered{}, diags
	}
	if !known {
		return Rendered{}, diags.Append(&hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Command not known",
			Detail: "The command of " + s.Addr() + " reads a step that has no result on host " + scope.Host.Hostname + "."})
	}
	return text, diags
}

// EvalPath returns the remote path that a get step retrieves from one host,
// unquoted.
func (p *Playbook) EvalPath(s *Step, scope HostScope) (Rendered, hcl.Diagnostics) {
	if !s.complete() {
		return Rendered{}, incompleteStep(s)
	}
	r, known, diags := renderPlain(s.Path, p.evalContext(&scope))
	if diags.HasErrors() {
		return Rendered{}, diags
	}
	if !known || r.Text == "" {
		return Rendered{}, diags.Append(exprError(s.Path, "Invalid path",
			fmt.Sprintf("The path of %s must be a non-empty string on host %s.", s.Addr(), scope.Host.Hostname)))
	}
	return r, diags
}

// PlanText returns what the plan shows as the step's command or path: the
// text itself when it can be known before running, otherwise the source
// expression, and whether it is known.
func (p *Playbook) PlanText(s *Step) (string, bool) {
	if !s.complete() {
		return "(invalid step)", false
	}
	ctx := p.evalContext(nil)
	var (
		text  Rendered
		known bool
		diags hcl.Diagnostics
		expr  hcl.Expression
	)
	switch s.Kind {
	case KindCommand:
		expr = s.Command
		text, known, diags = renderTemplate(s.Command, ctx)
	case KindRunscript:
		text, known, diags = s.scriptCommand(ctx)
	case KindGet:
		expr = s.Path
		text, known, diags = renderPlain(s.Path, ctx)
	case KindContain:
		return "network containment", true
	}
	if !diags.HasErrors() && known {
		return text.Display, true
	}
	if expr != nil {
		// The source text shows variable names, never their values.
		return string(expr.Range().SliceBytes(p.Source)), false
	}
	return "runscript (known after apply)", false
}

func describe(v cty.Value) string {
	switch {
	case !v.IsKnown():
		return "unknown"
	case v.IsNull():
		return "null"
	default:
		return "a " + v.Type().FriendlyName()
	}
}

// complete reports whether the step has the expression its kind needs; a
// step decoded with errors may lack it.
func (s *Step) complete() bool {
	switch s.Kind {
	case KindCommand:
		return s.Command != nil
	case KindGet:
		return s.Path != nil
	case KindRunscript:
		return s.Script != nil
	}
	return true
}

func incompleteStep(s *Step) hcl.Diagnostics {
	return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid step",
		Detail: s.Addr() + " has errors; run rtrplay validate.", Subject: s.DeclRange.Ptr()}}
}

package playbook

import (
	"fmt"
	"slices"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/rtrplay/rtrplay/schema"
)

// Step is one node of the playbook's graph: a command, a get, a runscript
// or a containment, run on the hosts of one target.
type Step struct {
	Kind        Kind
	Name        string
	Description string
	Target      *Target
	// When is evaluated per host; nil means always.
	When hcl.Expression
	// Timeout bounds the step on each host, polling included.
	Timeout time.Duration
	// Platforms limits the step to hosts of these platforms ("windows",
	// "linux", "mac"); empty means every platform.
	Platforms []string
	// DependsOn lists the steps this step waits for, from its references
	// and its depends_on list, sorted by address.
	DependsOn []*Step

	// Command is the command template of a "step" block, and Path the
	// remote path of a "get" block.
	Command hcl.Expression
	Path    hcl.Expression
	// Script describes a runscript block.
	Script *Script

	// Resolved is the catalog entry of the step's command, which gives the
	// tier (and so the endpoint) and whether the command is destructive.
	// It is the zero value for contain steps, which use the Hosts API.
	Resolved schema.Resolved

	DeclRange hcl.Range
	// refs are the step addresses referenced by expressions, with the
	// range of each reference, for diagnostics and graph edges.
	refs []stepRef
}

// Script is the source of a runscript step. Exactly one of Raw, CloudFile
// and HostPath is set.
type Script struct {
	Raw, CloudFile, HostPath hcl.Expression
	// CommandLine is nil when unset, which differs from an empty string:
	// an empty value still sends -CommandLine="".
	CommandLine hcl.Expression
}

type stepRef struct {
	addr string
	rng  hcl.Range
	// reads is true for a reference in an expression, which reads the
	// step's result, and false for a depends_on entry, which only orders.
	reads bool
}

// Addr returns the step's address, "BLOCKTYPE.NAME".
func (s *Step) Addr() string { return s.Kind.BlockType() + "." + s.Name }

// Destructive reports whether the step can change host state.
func (s *Step) Destructive() bool {
	if s.Kind == KindContain {
		return true
	}
	return s.Resolved.Destructive
}

// Tier returns the permission tier the step needs.
func (s *Step) Tier() schema.Tier {
	if s.Kind == KindContain {
		// Containment is a Hosts API action (devices:write), not an RTR
		// command; the plan shows it at the active-responder level.
		return schema.TierActiveResponder
	}
	return s.Resolved.Tier
}

const defaultStepTimeout = 5 * time.Minute

func stepSchema(kind Kind) *hcl.BodySchema {
	attrs := []hcl.AttributeSchema{
		{Name: "target", Required: true},
		{Name: "when"},
		{Name: "depends_on"},
		{Name: "timeout"},
		{Name: "description"},
		{Name: "platforms"},
	}
	switch kind {
	case KindCommand:
		attrs = append(attrs, hcl.AttributeSchema{Name: "command", Required: true})
	case KindGet:
		attrs = append(attrs, hcl.AttributeSchema{Name: "path", Required: true})
	case KindRunscript:
		attrs = append(attrs,
			hcl.AttributeSchema{Name: "raw"},
			hcl.AttributeSchema{Name: "cloud_file"},
			hcl.AttributeSchema{Name: "host_path"},
			hcl.AttributeSchema{Name: "command_line"},
		)
	}
	return &hcl.BodySchema{Attributes: attrs}
}

func (p *Playbook) decodeStep(kind Kind, b *hcl.Block) (*Step, hcl.Diagnostics) {
	diags := checkName(kind.BlockType(), b)
	content, moreDiags := b.Body.Content(stepSchema(kind))
	diags = append(diags, moreDiags...)
	s := &Step{Kind: kind, Name: b.Labels[0], DeclRange: b.DefRange, Timeout: defaultStepTimeout}
	if prev, dup := p.steps[s.Addr()]; dup {
		return nil, append(diags, duplicate(kind.BlockType(), s.Name, prev.DeclRange, b.DefRange))
	}
	p.steps[s.Addr()] = s
	attrs := content.Attributes
	ctx := p.staticContext()
	if a, ok := attrs["target"]; ok {
		diags = append(diags, p.decodeTargetRef(s, a)...)
	}
	if a, ok := attrs["description"]; ok {
		diags = append(diags, decodeStatic(a, cty.String, ctx, func(v cty.Value) { s.Description = v.AsString() })...)
	}
	if a, ok := attrs["timeout"]; ok {
		diags = append(diags, decodeStepTimeout(a, ctx, &s.Timeout)...)
	}
	if a, ok := attrs["when"]; ok {
		s.When = a.Expr
	}
	if a, ok := attrs["platforms"]; ok {
		diags = append(diags, decodeStatic(a, cty.List(cty.String), ctx, func(v cty.Value) { s.Platforms = stringList(v) })...)
		if len(s.Platforms) == 0 && !diags.HasErrors() {
			diags = append(diags, attrError(a, "Empty platforms",
				"platforms = [] would run the step nowhere; list windows, linux or mac, or leave platforms out to run everywhere."))
		}
		for i, p := range s.Platforms {
			if p != "windows" && p != "linux" && p != "mac" {
				diags = append(diags, attrError(a, "Invalid platform",
					fmt.Sprintf("Element %d of platforms, %q, is not a platform; use windows, linux or mac.", i+1, p)))
			}
		}
	}
	if a, ok := attrs["depends_on"]; ok {
		diags = append(diags, s.decodeDependsOn(a)...)
	}
	switch kind {
	case KindCommand:
		if a, ok := attrs["command"]; ok {
			s.Command = a.Expr
			diags = append(diags, s.resolveCommand(a.Expr, ctx)...)
		}
	case KindGet:
		if a, ok := attrs["path"]; ok {
			s.Path = a.Expr
		}
		diags = append(diags, s.resolveLiteral("get", b.DefRange)...)
	case KindRunscript:
		diags = append(diags, s.decodeScript(attrs, b.DefRange)...)
	}
	return s, diags
}

func (p *Playbook) decodeTargetRef(s *Step, a *hcl.Attribute) hcl.Diagnostics {
	trav, diags := hcl.AbsTraversalForExpr(a.Expr)
	if diags.HasErrors() || len(trav) != 2 || trav.RootName() != "target" {
		return hcl.Diagnostics{attrError(a, "Invalid target reference",
			`The target argument takes a reference such as target.suspects, without quotes.`)}
	}
	name, ok := trav[1].(hcl.TraverseAttr)
	if !ok {
		return hcl.Diagnostics{attrError(a, "Invalid target reference", `Write the target as target.NAME.`)}
	}
	t := p.targets[name.Name]
	if t == nil {
		return hcl.Diagnostics{attrError(a, "Reference to undeclared target",
			fmt.Sprintf("No target named %q is declared.%s", name.Name, didYouMean(name.Name, sortedKeys(p.targets))))}
	}
	s.Target = t
	return nil
}

func (s *Step) decodeDependsOn(a *hcl.Attribute) hcl.Diagnostics {
	exprs, diags := hcl.ExprList(a.Expr)
	for _, e := range exprs {
		trav, travDiags := hcl.AbsTraversalForExpr(e)
		if travDiags.HasErrors() || len(trav) != 2 {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid depends_on entry",
				Detail:   "Each depends_on entry is a step reference such as step.processes or get.sample.",
				Subject:  e.Range().Ptr(),
			})
			continue
		}
		attr, _ := trav[1].(hcl.TraverseAttr)
		s.refs = append(s.refs, stepRef{addr: trav.RootName() + "." + attr.Name, rng: e.Range()})
	}
	return diags
}

func decodeDuration(a *hcl.Attribute, ctx *hcl.EvalContext, dst *time.Duration) hcl.Diagnostics {
	var text string
	diags := decodeStatic(a, cty.String, ctx, func(v cty.Value) { text = v.AsString() })
	if diags.HasErrors() {
		return diags
	}
	d, err := time.ParseDuration(text)
	if err != nil || d <= 0 {
		return append(diags, attrError(a, "Invalid duration",
			fmt.Sprintf("The value %q is not a positive duration; write a number with a unit, such as \"90s\" or \"5m\".", text)))
	}
	*dst = d
	return diags
}

// maxStepTimeout bounds a step's timeout. Falcon keeps queued commands for
// seven days but a run that waits on one host for more than a day is a
// mistake more often than not.
const maxStepTimeout = 24 * time.Hour

// decodeStepTimeout reads a step's timeout, which is also sent to scripts
// as -Timeout in whole seconds, so it must be a whole number of seconds.
func decodeStepTimeout(a *hcl.Attribute, ctx *hcl.EvalContext, dst *time.Duration) hcl.Diagnostics {
	var d time.Duration
	diags := decodeDuration(a, ctx, &d)
	if diags.HasErrors() {
		return diags
	}
	if d < 2*time.Second || d > maxStepTimeout || d%time.Second != 0 {
		return append(diags, attrError(a, "Invalid timeout",
			fmt.Sprintf("The timeout %s must be a whole number of seconds from 2s to 24h, such as \"90s\" or \"5m\".", d)))
	}
	*dst = d
	return diags
}

// RunsOn reports whether the step applies to hosts of platform.
func (s *Step) RunsOn(platform string) bool {
	return len(s.Platforms) == 0 || slices.Contains(s.Platforms, platform)
}

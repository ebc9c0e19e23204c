package playbook

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// Output is a value reported at the end of a run, such as the hosts on
// which a step succeeded.
type Output struct {
	Name        string
	Description string
	Value       hcl.Expression
	Sensitive   bool
	DeclRange   hcl.Range
}

var outputSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "value", Required: true},
		{Name: "description"},
		{Name: "sensitive"},
	},
}

func (p *Playbook) addOutput(b *hcl.Block) hcl.Diagnostics {
	diags := checkName("output", b)
	content, moreDiags := b.Body.Content(outputSchema)
	diags = append(diags, moreDiags...)
	o := &Output{Name: b.Labels[0], DeclRange: b.DefRange}
	for _, prev := range p.Outputs {
		if prev.Name == o.Name {
			return append(diags, duplicate("output", o.Name, prev.DeclRange, b.DefRange))
		}
	}
	ctx := p.staticContext()
	if a, ok := content.Attributes["value"]; ok {
		o.Value = a.Expr
		diags = append(diags, p.checkOutputRefs(a.Expr)...)
	}
	if a, ok := content.Attributes["description"]; ok {
		diags = append(diags, decodeStatic(a, cty.String, ctx, func(v cty.Value) { o.Description = v.AsString() })...)
	}
	if a, ok := content.Attributes["sensitive"]; ok {
		diags = append(diags, decodeStatic(a, cty.Bool, ctx, func(v cty.Value) { o.Sensitive = v.True() })...)
	}
	p.Outputs = append(p.Outputs, o)
	return diags
}

// outputAttributes are what an output may read of a step: host lists,
// because an output describes the whole run, not one host.
var outputAttributes = map[string]bool{"hosts": true, "failed_hosts": true, "skipped_hosts": true, "queued_hosts": true}

func (p *Playbook) checkOutputRefs(expr hcl.Expression) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, trav := range expr.Variables() {
		root, rng := trav.RootName(), trav.SourceRange()
		switch {
		case root == "var":
		case isKindRoot(root):
			// Steps are decoded before outputs, so every step exists here.
			addr := root + "." + attrName(trav, 1)
			if p.steps[addr] == nil {
				diags = append(diags, refError(rng, "Reference to undeclared step",
					fmt.Sprintf("No step %s is declared.%s", addr, p.suggestStep(addr))))
			}
			if attr := attrName(trav, 2); attr != "" && !outputAttributes[attr] {
				diags = append(diags, refError(rng, "Unsupported output attribute",
					fmt.Sprintf("An output can read %s of a step, not %q.", joinKeys(outputAttributes), attr)))
			}
		default:
			diags = append(diags, refError(rng, "Unknown reference",
				fmt.Sprintf("An output can read var and step results, not %q.", root)))
		}
	}
	return diags
}

func joinKeys(m map[string]bool) string {
	return strings.Join(sortedKeys(m), ", ")
}

// HostLists are the hosts in each final state of one step, by hostname,
// which outputs read as step.NAME.hosts and so on.
type HostLists struct {
	Succeeded, Failed, Skipped, Queued []string
}

// EvalOutput evaluates an output from the per-step host lists.
func (p *Playbook) EvalOutput(o *Output, lists map[string]HostLists) (cty.Value, hcl.Diagnostics) {
	vars := map[string]cty.Value{"var": p.varObject()}
	byKind := map[string]map[string]cty.Value{}
	for addr, s := range p.steps {
		l := lists[addr]
		kind := s.Kind.BlockType()
		if byKind[kind] == nil {
			byKind[kind] = map[string]cty.Value{}
		}
		byKind[kind][s.Name] = cty.ObjectVal(map[string]cty.Value{
			"hosts":         stringListVal(l.Succeeded),
			"failed_hosts":  stringListVal(l.Failed),
			"skipped_hosts": stringListVal(l.Skipped),
			"queued_hosts":  stringListVal(l.Queued),
		})
	}
	for kind, objs := range byKind {
		vars[kind] = cty.ObjectVal(objs)
	}
	return o.Value.Value(&hcl.EvalContext{Variables: vars, Functions: functions(p.Dir)})
}

func stringListVal(items []string) cty.Value {
	if len(items) == 0 {
		return cty.ListValEmpty(cty.String)
	}
	vals := make([]cty.Value, len(items))
	for i, s := range items {
		vals[i] = cty.StringVal(s)
	}
	return cty.ListVal(vals)
}

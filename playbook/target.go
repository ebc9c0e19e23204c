package playbook

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// Target names a set of hosts: an FQL filter, agent ids or hostnames.
type Target struct {
	Name string
	// Exactly one of Filter, HostIDs and Hostnames is set.
	Filter    string
	HostIDs   []string
	Hostnames []string
	// QueueOffline asks Falcon to queue commands for hosts that are offline.
	QueueOffline bool
	// MaxHosts makes the plan fail if the target resolves to more hosts;
	// 0 means no limit.
	MaxHosts  int
	DeclRange hcl.Range
}

// Addr returns the target's address, "target.NAME".
func (t *Target) Addr() string { return "target." + t.Name }

var targetSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "filter"},
		{Name: "host_ids"},
		{Name: "hostnames"},
		{Name: "queue_offline"},
		{Name: "max_hosts"},
	},
}

var aidRE = regexp.MustCompile(`^[0-9a-fA-F]{32}$`)

func (p *Playbook) addTarget(b *hcl.Block) hcl.Diagnostics {
	diags := checkName("target", b)
	content, moreDiags := b.Body.Content(targetSchema)
	diags = append(diags, moreDiags...)
	t := &Target{Name: b.Labels[0], DeclRange: b.DefRange}
	if prev, dup := p.targets[t.Name]; dup {
		return append(diags, duplicate("target", t.Name, prev.DeclRange, b.DefRange))
	}
	ctx := p.staticContext()
	attrs := content.Attributes
	var selectors []string
	if a, ok := attrs["filter"]; ok {
		selectors = append(selectors, "filter")
		diags = append(diags, decodeStatic(a, cty.String, ctx, func(v cty.Value) { t.Filter = v.AsString() })...)
		if t.Filter == "" && !diags.HasErrors() {
			diags = append(diags, attrError(a, "Empty filter",
				"An empty FQL filter would select every host in the CID. Write the filter, or list host_ids or hostnames."))
		}
	}
	if a, ok := attrs["host_ids"]; ok {
		selectors = append(selectors, "host_ids")
		diags = append(diags, decodeStatic(a, cty.List(cty.String), ctx, func(v cty.Value) { t.HostIDs = stringList(v) })...)
		diags = append(diags, checkHostIDs(a, t.HostIDs)...)
	}
	if a, ok := attrs["hostnames"]; ok {
		selectors = append(selectors, "hostnames")
		diags = append(diags, decodeStatic(a, cty.List(cty.String), ctx, func(v cty.Value) { t.Hostnames = stringList(v) })...)
	}
	if len(selectors) != 1 {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Target needs exactly one host selector",
			Detail: fmt.Sprintf("Target %q sets %d of filter, host_ids and hostnames (%s); set exactly one.",
				t.Name, len(selectors), strings.Join(selectors, ", ")),
			Subject: b.DefRange.Ptr(),
		})
	}
	if a, ok := attrs["queue_offline"]; ok {
		diags = append(diags, decodeStatic(a, cty.Bool, ctx, func(v cty.Value) { t.QueueOffline = v.True() })...)
	}
	if a, ok := attrs["max_hosts"]; ok {
		diags = append(diags, decodeStatic(a, cty.Number, ctx, func(v cty.Value) {
			n, _ := v.AsBigFloat().Int64()
			t.MaxHosts = int(n)
		})...)
		if t.MaxHosts < 0 {
			diags = append(diags, attrError(a, "Invalid max_hosts", "max_hosts must be 0 (no limit) or a positive number of hosts."))
		}
	}
	p.targets[t.Name] = t
	p.Targets = append(p.Targets, t)
	return diags
}

func checkHostIDs(a *hcl.Attribute, ids []string) hcl.Diagnostics {
	var diags hcl.Diagnostics
	seen := map[string]bool{}
	for i, id := range ids {
		if !aidRE.MatchString(id) {
			diags = append(diags, attrError(a, "Invalid host id",
				fmt.Sprintf("Element %d of host_ids, %q, is not a host id: agent ids are 32 hexadecimal characters.", i, id)))
		}
		if seen[strings.ToLower(id)] {
			diags = append(diags, attrError(a, "Duplicate host id",
				fmt.Sprintf("Element %d of host_ids, %q, is listed twice; list each host once.", i, id)))
		}
		seen[strings.ToLower(id)] = true
	}
	return diags
}

func stringList(v cty.Value) []string {
	var out []string
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if e.IsKnown() && !e.IsNull() {
			out = append(out, e.AsString())
		}
	}
	return out
}

func attrError(a *hcl.Attribute, summary, detail string) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  summary,
		Detail:   detail,
		Subject:  a.Expr.Range().Ptr(),
	}
}

// staticContext is the evaluation context of values known before any host
// is contacted: variables and functions.
func (p *Playbook) staticContext() *hcl.EvalContext {
	return &hcl.EvalContext{
		Variables: map[string]cty.Value{"var": p.varObject()},
		Functions: functions(p.Dir),
	}
}

// varObject returns the variables as expressions see them, with sensitive
// values marked.
func (p *Playbook) varObject() cty.Value {
	vals := make(map[string]cty.Value, len(p.values))
	for name, v := range p.values {
		if decl := p.vars[name]; decl != nil && decl.Sensitive {
			v = v.Mark(sensitiveMark)
		}
		vals[name] = v
	}
	return cty.ObjectVal(vals)
}

// checkQueueOffline warns when targets disagree on queue_offline: hosts
// share one session, so queueing is on only when every target asks for it.
func (p *Playbook) checkQueueOffline() hcl.Diagnostics {
	var on, off []*Target
	for _, t := range p.Targets {
		if t.QueueOffline {
			on = append(on, t)
		} else {
			off = append(off, t)
		}
	}
	if len(on) == 0 || len(off) == 0 {
		return nil
	}
	return hcl.Diagnostics{{
		Severity: hcl.DiagWarning,
		Summary:  "queue_offline is ignored",
		Detail: fmt.Sprintf("Target %q sets queue_offline, but target %q does not. All targets share one session per host, "+
			"so commands are queued for offline hosts only when every target sets queue_offline = true.", on[0].Name, off[0].Name),
		Subject: on[0].DeclRange.Ptr(),
	}}
}

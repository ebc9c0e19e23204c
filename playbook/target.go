package playbook

import (
	"fmt"
	"math"
	"math/big"
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
	// QueueOffline requests that Falcon queue commands for hosts that are
	// offline.
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

// misplacedFields maps names that users put in a target by mistake onto
// the argument they mean. offline_queued is the field Falcon returns; the
// request sets queue_offline, and a client that sends the former gets
// no queueing at all.
var misplacedFields = map[string]string{
	"offline_queued": "queue_offline",
	"queued":         "queue_offline",
	"aids":           "host_ids",
	"device_ids":     "host_ids",
	"hosts":          "hostnames",
	"fql":            "filter",
}

func (p *Playbook) addTarget(b *hcl.Block) hcl.Diagnostics {
	diags := checkName("target", b)
	content, moreDiags := b.Body.Content(targetSchema)
	suggestMisplaced(moreDiags)
	diags = append(diags, moreDiags...)
	t := &Target{Name: b.Labels[0], DeclRange: b.DefRange}
	if prev, dup := p.targets[t.Name]; dup {
		return append(diags, duplicate("target", t.Name, prev.DeclRange, b.DefRange))
	}
	ctx := p.staticContext()
	diags = append(diags, t.decodeSelectors(content.Attributes, ctx, b.DefRange)...)
	diags = append(diags, t.decodeOptions(content.Attributes, ctx)...)
	p.targets[t.Name] = t
	p.Targets = append(p.Targets, t)
	return diags
}

// suggestMisplaced adds a suggestion to "Unsupported argument" diagnostics
// for the names in misplacedFields, which are too far from the right name
// for HCL's own suggestion.
func suggestMisplaced(diags hcl.Diagnostics) {
	for _, d := range diags {
		for wrong, right := range misplacedFields {
			if d.Summary == "Unsupported argument" && strings.Contains(d.Detail, `"`+wrong+`"`) &&
				!strings.Contains(d.Detail, "Did you mean") {
				d.Detail += fmt.Sprintf(" Did you mean %q?", right)
			}
		}
	}
}

// decodeSelectors reads filter, host_ids and hostnames, exactly one of
// which a target sets, and rejects selectors that would match every host.
func (t *Target) decodeSelectors(attrs hcl.Attributes, ctx *hcl.EvalContext, block hcl.Range) hcl.Diagnostics {
	var diags hcl.Diagnostics
	var selectors []string
	if a, ok := attrs["filter"]; ok {
		selectors = append(selectors, "filter")
		diags = append(diags, decodeStatic(a, cty.String, ctx, func(v cty.Value) { t.Filter = strings.TrimSpace(v.AsString()) })...)
		if t.Filter == "" && !diags.HasErrors() {
			diags = append(diags, attrError(a, "Empty filter",
				"An empty FQL filter would select every host in the CID. Write the filter, or list host_ids or hostnames."))
		}
	}
	if a, ok := attrs["host_ids"]; ok {
		selectors = append(selectors, "host_ids")
		diags = append(diags, decodeStatic(a, cty.List(cty.String), ctx, func(v cty.Value) { t.HostIDs = stringList(v) })...)
		var idDiags hcl.Diagnostics
		t.HostIDs, idDiags = normalizeHostIDs(a, t.HostIDs)
		diags = append(diags, idDiags...)
	}
	if a, ok := attrs["hostnames"]; ok {
		selectors = append(selectors, "hostnames")
		diags = append(diags, decodeStatic(a, cty.List(cty.String), ctx, func(v cty.Value) { t.Hostnames = stringList(v) })...)
		var nameDiags hcl.Diagnostics
		t.Hostnames, nameDiags = normalizeHostnames(a, t.Hostnames)
		diags = append(diags, nameDiags...)
	}
	if len(selectors) == 1 && !diags.HasErrors() && t.Filter == "" && len(t.HostIDs) == 0 && len(t.Hostnames) == 0 {
		// An empty list would leave no selector, and a query without a
		// filter matches every host in the CID.
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Empty host list",
			Detail:   fmt.Sprintf("Target %q sets %s to an empty list; list at least one host.", t.Name, selectors[0]),
			Subject:  block.Ptr(),
		})
	}
	if len(selectors) != 1 {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Target needs exactly one host selector",
			Detail: fmt.Sprintf("Target %q sets %d of filter, host_ids and hostnames (%s); set exactly one.",
				t.Name, len(selectors), strings.Join(selectors, ", ")),
			Subject: block.Ptr(),
		})
	}
	return diags
}

// decodeOptions reads queue_offline and max_hosts.
func (t *Target) decodeOptions(attrs hcl.Attributes, ctx *hcl.EvalContext) hcl.Diagnostics {
	var diags hcl.Diagnostics
	if a, ok := attrs["queue_offline"]; ok {
		diags = append(diags, decodeStatic(a, cty.Bool, ctx, func(v cty.Value) { t.QueueOffline = v.True() })...)
	}
	if a, ok := attrs["max_hosts"]; ok {
		valid := true
		diags = append(diags, decodeStatic(a, cty.Number, ctx, func(v cty.Value) {
			n, acc := v.AsBigFloat().Int64()
			valid = acc == big.Exact && n >= 0 && n <= math.MaxInt32
			t.MaxHosts = int(n)
		})...)
		if !valid {
			diags = append(diags, attrError(a, "Invalid max_hosts", "max_hosts must be 0 (no limit) or a whole, positive number of hosts."))
		}
	}
	return diags
}

// normalizeHostIDs trims whitespace (a CR from a file written on Windows,
// for example) and lowercases each id, as Falcon writes agent ids. It
// rejects ids that are not 32 hexadecimal characters, naming each, and
// drops duplicates with a warning that counts them.
func normalizeHostIDs(a *hcl.Attribute, ids []string) ([]string, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	seen := map[string]bool{}
	out := make([]string, 0, len(ids))
	dups := 0
	for i, raw := range ids {
		id := strings.ToLower(strings.TrimSpace(raw))
		if !aidRE.MatchString(id) {
			diags = append(diags, attrError(a, "Invalid host id",
				fmt.Sprintf("Element %d of host_ids, %q, is not a host id: agent ids are 32 hexadecimal characters.", i+1, raw)))
			continue
		}
		if seen[id] {
			dups++
			continue
		}
		seen[id] = true
		out = append(out, id)
	}
	if dups > 0 {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagWarning,
			Summary:  "Duplicate host ids",
			Detail:   fmt.Sprintf("host_ids repeats ids %d times; each host is targeted once.", dups),
			Subject:  a.Expr.Range().Ptr(),
		})
	}
	return out, diags
}

// normalizeHostnames trims each name and rejects those that an FQL filter
// cannot carry: FQL has no escape for the single quote that delimits
// values.
func normalizeHostnames(a *hcl.Attribute, names []string) ([]string, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	out := make([]string, 0, len(names))
	seen := map[string]bool{}
	for i, raw := range names {
		name := strings.TrimSpace(raw)
		switch {
		case name == "":
			diags = append(diags, attrError(a, "Invalid hostname", fmt.Sprintf("Element %d of hostnames is empty.", i+1)))
			continue
		case strings.ContainsAny(name, "'\\") || checkText(name) != nil:
			diags = append(diags, attrError(a, "Invalid hostname",
				fmt.Sprintf("Element %d of hostnames, %q, contains a quote, backslash or control character, which cannot be matched safely in an FQL filter.", i+1, raw)))
			continue
		case seen[strings.ToLower(name)]:
			continue
		}
		seen[strings.ToLower(name)] = true
		out = append(out, name)
	}
	return out, diags
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
// share one session, so queueing is on only when every target sets it.
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

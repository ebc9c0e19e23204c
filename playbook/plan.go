package playbook

import "github.com/rtrplay/rtrplay/schema"

// PlannedStep is one step as the plan shows it.
type PlannedStep struct {
	Addr        string
	Kind        Kind
	Description string
	Tier        schema.Tier
	Destructive bool
	// Text is the command string or path, or its source expression when
	// Known is false because it depends on hosts or earlier output.
	Text  string
	Known bool
	// Conditional is true when the step has a when condition, so it may
	// run on fewer than Hosts hosts.
	Conditional bool
	Target      string
	Platforms   []string
	Hosts       int
	DependsOn   []string
}

// Plan is what a run would do, before it runs.
type Plan struct {
	Playbook string
	Steps    []PlannedStep
}

// Plan describes each step given the number of hosts of each target.
func (p *Playbook) Plan(hostCounts map[string]int) *Plan {
	plan := &Plan{Playbook: p.Name}
	for _, s := range p.Steps {
		text, known := p.PlanText(s)
		ps := PlannedStep{
			Addr: s.Addr(), Kind: s.Kind, Description: s.Description, Tier: s.Tier(),
			Destructive: s.Destructive(), Text: text, Known: known, Conditional: s.When != nil,
			Target: s.Target.Name, Platforms: s.Platforms, Hosts: hostCounts[s.Target.Name],
		}
		for _, d := range s.DependsOn {
			ps.DependsOn = append(ps.DependsOn, d.Addr())
		}
		plan.Steps = append(plan.Steps, ps)
	}
	return plan
}

// Destructive returns the steps that can change host state.
func (pl *Plan) Destructive() []PlannedStep {
	var out []PlannedStep
	for _, s := range pl.Steps {
		if s.Destructive {
			out = append(out, s)
		}
	}
	return out
}

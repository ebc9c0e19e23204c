package playbook

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// link checks every reference in the steps' expressions, turns step
// references and depends_on entries into edges, and orders the steps.
func (p *Playbook) link(steps []*Step) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, s := range steps {
		for _, expr := range s.expressions() {
			diags = append(diags, p.collectRefs(s, expr)...)
		}
	}
	for _, s := range steps {
		diags = append(diags, p.resolveDeps(s)...)
	}
	order, cycleDiags := topoSort(steps)
	diags = append(diags, cycleDiags...)
	p.Steps = order
	if !diags.HasErrors() {
		for _, s := range order {
			diags = append(diags, p.checkStatic(s)...)
			diags = append(diags, s.warnQueuedInputs()...)
		}
	}
	return diags
}

// warnQueuedInputs warns when a step reads the output of a step that may
// be queued for offline hosts: a queued command's output never comes back
// to this run, so the reader is skipped on those hosts.
func (s *Step) warnQueuedInputs() hcl.Diagnostics {
	var diags hcl.Diagnostics
	warned := map[string]bool{}
	for _, ref := range s.refs {
		dep := s.dependency(ref.addr)
		if !ref.reads || dep == nil || dep.Target == nil || !dep.Target.QueueOffline || warned[ref.addr] {
			continue
		}
		warned[ref.addr] = true
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagWarning,
			Summary:  "Step reads output that may be queued",
			Detail: fmt.Sprintf("%s reads %s, whose target sets queue_offline. On a host that is offline, %s is "+
				"queued and its output never reaches this run, so %s is skipped there.", s.Addr(), ref.addr, ref.addr, s.Addr()),
			Subject: ref.rng.Ptr(),
		})
	}
	return diags
}

func (s *Step) dependency(addr string) *Step {
	for _, d := range s.DependsOn {
		if d.Addr() == addr {
			return d
		}
	}
	return nil
}

// checkStatic evaluates what can be known before any host is contacted,
// with host facts and step results unknown, so that an error certain to
// happen on every host is reported by validate instead of at apply.
func (p *Playbook) checkStatic(s *Step) hcl.Diagnostics {
	ctx := p.evalContext(nil)
	var diags hcl.Diagnostics
	if s.When != nil {
		v, whenDiags := s.When.Value(ctx)
		diags = append(diags, whenDiags...)
		if !whenDiags.HasErrors() {
			v, _ = v.UnmarkDeep()
			ty := v.Type()
			if ty != cty.Bool && ty != cty.DynamicPseudoType {
				diags = append(diags, exprError(s.When, "Invalid when condition",
					fmt.Sprintf("The condition of %s is %s; it must be true or false, such as step.stop.succeeded.",
						s.Addr(), describe(v))))
			}
		}
	}
	var renderDiags hcl.Diagnostics
	switch {
	case s.Kind == KindCommand && s.Command != nil:
		var r Rendered
		var known bool
		r, known, renderDiags = renderTemplate(s.Command, ctx)
		if known && !renderDiags.HasErrors() {
			renderDiags = append(renderDiags, s.checkArgCount(r)...)
		}
	case s.Kind == KindRunscript && s.Script != nil:
		_, _, renderDiags = s.scriptCommand(ctx)
	case s.Kind == KindGet && s.Path != nil:
		_, _, renderDiags = renderPlain(s.Path, ctx)
	}
	return append(diags, renderDiags...)
}

func (s *Step) expressions() []hcl.Expression {
	var exprs []hcl.Expression
	for _, e := range []hcl.Expression{s.When, s.Command, s.Path} {
		if e != nil {
			exprs = append(exprs, e)
		}
	}
	if sc := s.Script; sc != nil {
		for _, e := range []hcl.Expression{sc.Raw, sc.CloudFile, sc.HostPath, sc.CommandLine} {
			if e != nil {
				exprs = append(exprs, e)
			}
		}
	}
	return exprs
}

// collectRefs checks the traversals of one expression. Step references
// become edges; var and host references are checked against what exists.
func (p *Playbook) collectRefs(s *Step, expr hcl.Expression) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, trav := range expr.Variables() {
		root := trav.RootName()
		rng := trav.SourceRange()
		switch {
		case root == "var":
			name := attrName(trav, 1)
			if _, ok := p.vars[name]; !ok {
				diags = append(diags, refError(rng, "Reference to undeclared variable",
					fmt.Sprintf("No variable named %q is declared.%s", name, didYouMean(name, sortedKeys(p.vars)))))
			}
		case root == "host":
			name := attrName(trav, 1)
			if !hostAttributes[name] {
				diags = append(diags, refError(rng, "Unsupported host attribute",
					fmt.Sprintf("host.%s does not exist; a host has id, hostname and platform.%s",
						name, didYouMean(name, sortedKeys(hostAttributes)))))
			}
		case isKindRoot(root):
			name := attrName(trav, 1)
			s.refs = append(s.refs, stepRef{addr: root + "." + name, rng: rng, reads: true})
			if attr := attrName(trav, 2); attr != "" && !stepAttributes[attr] {
				diags = append(diags, refError(rng, "Unsupported step attribute",
					fmt.Sprintf("%s.%s has no attribute %q.%s A step has %s.", root, name, attr,
						didYouMean(attr, sortedKeys(stepAttributes)), strings.Join(sortedKeys(stepAttributes), ", "))))
			}
		default:
			roots := []string{"var", "host", "step", "get", "runscript", "contain"}
			diags = append(diags, refError(rng, "Unknown reference",
				fmt.Sprintf("%q is not something an expression can refer to.%s Expressions can read %s.",
					root, didYouMean(root, roots), strings.Join(roots, ", "))))
		}
	}
	return diags
}

func isKindRoot(root string) bool {
	_, ok := kindOfBlockType(root)
	return ok
}

func attrName(trav hcl.Traversal, i int) string {
	if i >= len(trav) {
		return ""
	}
	switch t := trav[i].(type) {
	case hcl.TraverseAttr:
		return t.Name
	case hcl.TraverseIndex:
		return t.Key.GoString()
	}
	return ""
}

func refError(rng hcl.Range, summary, detail string) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: rng.Ptr()}
}

func (p *Playbook) resolveDeps(s *Step) hcl.Diagnostics {
	var diags hcl.Diagnostics
	seen := map[string]bool{}
	for _, ref := range s.refs {
		if seen[ref.addr] {
			continue
		}
		seen[ref.addr] = true
		dep := p.steps[ref.addr]
		switch {
		case dep == nil:
			diags = append(diags, refError(ref.rng, "Reference to undeclared step",
				fmt.Sprintf("No step %s is declared.%s", ref.addr, p.suggestStep(ref.addr))))
		case dep == s:
			diags = append(diags, refError(ref.rng, "Step refers to itself",
				fmt.Sprintf("%s cannot read its own result; refer to an earlier step.", s.Addr())))
		default:
			s.DependsOn = append(s.DependsOn, dep)
		}
	}
	slices.SortFunc(s.DependsOn, func(a, b *Step) int { return strings.Compare(a.Addr(), b.Addr()) })
	return diags
}

// topoSort orders steps so that each comes after its dependencies, keeping
// file order between independent steps. A cycle is reported once, with its
// members in order and the range of each.
func topoSort(steps []*Step) ([]*Step, hcl.Diagnostics) {
	const (
		unvisited = iota
		visiting
		done
	)
	state := map[*Step]int{}
	var order []*Step
	var diags hcl.Diagnostics
	var stack []*Step
	var visit func(s *Step)
	visit = func(s *Step) {
		switch state[s] {
		case done:
			return
		case visiting:
			diags = append(diags, cycleDiagnostic(stack, s))
			return
		}
		state[s] = visiting
		stack = append(stack, s)
		for _, dep := range s.DependsOn {
			visit(dep)
		}
		stack = stack[:len(stack)-1]
		state[s] = done
		order = append(order, s)
	}
	for _, s := range steps {
		visit(s)
	}
	return order, diags
}

func cycleDiagnostic(stack []*Step, again *Step) *hcl.Diagnostic {
	start := slices.Index(stack, again)
	members := stack[start:]
	var names, places []string
	for _, m := range members {
		names = append(names, m.Addr())
		places = append(places, fmt.Sprintf("%s at %s", m.Addr(), m.DeclRange))
	}
	names = append(names, again.Addr())
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Dependency cycle",
		Detail: fmt.Sprintf("These steps depend on each other in a loop: %s. Declared: %s. Remove one of the references.",
			strings.Join(names, " -> "), strings.Join(places, "; ")),
		Subject: again.DeclRange.Ptr(),
	}
}

// suggestStep proposes a declared step for an unknown address: the same
// name under another block type (step.sample for get.sample), or a close
// name of the same type.
func (p *Playbook) suggestStep(addr string) string {
	kind, name, _ := strings.Cut(addr, ".")
	var sameKind []string
	for other, s := range p.steps {
		if s.Name == name && other != addr {
			return fmt.Sprintf(" Did you mean %q?", other)
		}
		if s.Kind.BlockType() == kind {
			sameKind = append(sameKind, s.Name)
		}
	}
	if n := nearest(name, sameKind); n != "" && len(name) > 2 {
		return fmt.Sprintf(" Did you mean %q?", kind+"."+n)
	}
	return ""
}

// checkArgCount rejects a command with more positional arguments than RTR
// accepts, which would fail on every host with error 40012. The usual cause
// is a path with spaces written without quotes.
func (s *Step) checkArgCount(r Rendered) hcl.Diagnostics {
	if missing := s.Resolved.MissingFlags(r.Text); len(missing) > 0 {
		return hcl.Diagnostics{exprError(s.Command, "Missing required flag",
			fmt.Sprintf("%s runs only with %s; add it to the command.", s.Resolved.Name, strings.Join(missing, " ")))}
	}
	limited := s.Resolved.HasMaxArgs()
	max := 0
	if limited {
		max = *s.Resolved.MaxArgs
	}
	args := s.Resolved.PositionalArgs(r.Text)
	if !limited || len(args) <= max {
		return nil
	}
	return hcl.Diagnostics{exprError(s.Command, "Too many arguments",
		fmt.Sprintf("%s takes at most %d positional arguments, but %q has %d, so RTR would reject it "+
			"with error 40012. Put an argument that contains spaces in double quotes.",
			s.Resolved.Name, max, r.Display, len(args)))}
}

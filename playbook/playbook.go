package playbook

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/zclconf/go-cty/cty"
)

// Playbook is a loaded and compiled runbook.
type Playbook struct {
	// Name and Description come from the playbook block.
	Name        string
	Description string
	// Path is the file the playbook was read from, and Dir its directory,
	// against which file() resolves relative paths.
	Path string
	Dir  string
	// Source is the playbook's text, kept for hashing and diagnostics.
	Source []byte

	Variables []*Variable
	Targets   []*Target
	// Steps lists every step in a deterministic topological order: each
	// step comes after every step it depends on, and ties keep the order
	// of the file.
	Steps   []*Step
	Outputs []*Output

	// Files maps the file names that diagnostics refer to onto their
	// parsed form, for rendering diagnostics with source snippets.
	Files map[string]*hcl.File

	vars    map[string]*Variable
	targets map[string]*Target
	steps   map[string]*Step
	values  varValues
	secrets []string
}

// Step returns the step with address addr ("step.stop", "get.sample"), or
// nil.
func (p *Playbook) Step(addr string) *Step { return p.steps[addr] }

// Target returns the target named name, or nil.
func (p *Playbook) Target(name string) *Target { return p.targets[name] }

// SourceHash returns the hex sha256 of the playbook's text.
func (p *Playbook) SourceHash() string {
	sum := sha256.Sum256(p.Source)
	return hex.EncodeToString(sum[:])
}

// Options are the inputs of Load beyond the file itself.
type Options struct {
	// Vars holds -var NAME=VALUE assignments in the order given; a later
	// assignment of the same name wins.
	Vars []string
	// Getenv reads RTRPLAY_VAR_name variables; nil reads none.
	Getenv func(string) string
}

var topSchema = &hcl.BodySchema{
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "playbook", LabelNames: []string{"name"}},
		{Type: "variable", LabelNames: []string{"name"}},
		{Type: "target", LabelNames: []string{"name"}},
		{Type: "step", LabelNames: []string{"name"}},
		{Type: "get", LabelNames: []string{"name"}},
		{Type: "runscript", LabelNames: []string{"name"}},
		{Type: "contain", LabelNames: []string{"name"}},
		{Type: "output", LabelNames: []string{"name"}},
	},
}

// Load reads, decodes and compiles the playbook at path. It reports every
// problem it finds in one pass; the returned Playbook is nil only when the
// file could not be read or parsed at all.
func Load(path string, opts Options) (*Playbook, hcl.Diagnostics) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Cannot read playbook",
			Detail:   "Reading " + path + " failed: " + err.Error() + ".",
		}}
	}
	return Parse(src, path, opts)
}

// Parse is Load for a playbook already in memory; filename names it in
// diagnostics and is the base for relative file() paths.
func Parse(src []byte, filename string, opts Options) (*Playbook, hcl.Diagnostics) {
	parser := hclparse.NewParser()
	file, diags := parser.ParseHCL(src, filename)
	if diags.HasErrors() {
		return nil, diags
	}
	p := &Playbook{
		Path:    filename,
		Dir:     filepath.Dir(filename),
		Source:  src,
		Files:   parser.Files(),
		vars:    map[string]*Variable{},
		targets: map[string]*Target{},
		steps:   map[string]*Step{},
	}
	content, moreDiags := file.Body.Content(topSchema)
	diags = append(diags, moreDiags...)
	diags = append(diags, p.decode(content.Blocks, opts)...)
	p.redactDiagnostics(diags)
	return p, diags
}

// decode works in dependency order: variables first (targets and steps
// read them), then targets, then steps, then the graph.
func (p *Playbook) decode(blocks hcl.Blocks, opts Options) hcl.Diagnostics {
	var diags hcl.Diagnostics
	diags = append(diags, p.decodePlaybookBlock(blocks)...)
	for _, b := range blocks.OfType("variable") {
		diags = append(diags, p.addVariable(b)...)
	}
	values, valueDiags := p.assignVariables(opts)
	p.values = values
	p.collectSecrets()
	diags = append(diags, valueDiags...)
	for _, b := range blocks.OfType("target") {
		diags = append(diags, p.addTarget(b)...)
	}
	diags = append(diags, p.checkQueueOffline()...)
	var steps []*Step
	for _, b := range blocks {
		kind, ok := kindOfBlockType(b.Type)
		if !ok {
			continue
		}
		step, stepDiags := p.decodeStep(kind, b)
		diags = append(diags, stepDiags...)
		if step != nil {
			steps = append(steps, step)
		}
	}
	for _, b := range blocks.OfType("output") {
		diags = append(diags, p.addOutput(b)...)
	}
	diags = append(diags, p.link(steps)...)
	return diags
}

func (p *Playbook) decodePlaybookBlock(blocks hcl.Blocks) hcl.Diagnostics {
	pbs := blocks.OfType("playbook")
	if len(pbs) == 0 {
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Missing playbook block",
			Detail:   `Add a block such as playbook "contain-implant" { description = "..." }; its name labels the run and its evidence.`,
			Subject:  &hcl.Range{Filename: p.Path, Start: hcl.InitialPos, End: hcl.InitialPos},
		}}
	}
	var diags hcl.Diagnostics
	for _, extra := range pbs[1:] {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Duplicate playbook block",
			Detail:   "A file holds one playbook; the first playbook block is at " + pbs[0].DefRange.String() + ".",
			Subject:  extra.DefRange.Ptr(),
		})
	}
	return append(diags, p.decodePlaybookAttrs(pbs[0])...)
}

// sortedKeys returns m's keys in order, for deterministic output.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

var playbookSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "description"}},
}

func (p *Playbook) decodePlaybookAttrs(b *hcl.Block) hcl.Diagnostics {
	diags := checkName("playbook", b)
	p.Name = b.Labels[0]
	content, moreDiags := b.Body.Content(playbookSchema)
	diags = append(diags, moreDiags...)
	if a, ok := content.Attributes["description"]; ok {
		diags = append(diags, decodeStatic(a, cty.String, nil, func(v cty.Value) { p.Description = v.AsString() })...)
	}
	return diags
}

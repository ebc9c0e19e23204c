package playbook

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// Variable is a declared input of the playbook.
type Variable struct {
	Name        string
	Description string
	Type        cty.Type
	Default     cty.Value // cty.NilVal when the variable is required
	// badDefault is set when the default did not decode, which was
	// reported already, so that the variable is not also called required.
	badDefault bool
	// Sensitive values are never shown in plans, logs or reports.
	Sensitive   bool
	Validations []*Validation
	DeclRange   hcl.Range
}

// Validation is a rule that a variable's value must satisfy.
type Validation struct {
	Condition    hcl.Expression
	ErrorMessage string
	DeclRange    hcl.Range
}

var variableSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "description"},
		{Name: "type"},
		{Name: "default"},
		{Name: "sensitive"},
	},
	Blocks: []hcl.BlockHeaderSchema{{Type: "validation"}},
}

var validationSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "condition", Required: true},
		{Name: "error_message", Required: true},
	},
}

var nameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

func checkName(kind string, b *hcl.Block) hcl.Diagnostics {
	name := b.Labels[0]
	if nameRE.MatchString(name) {
		return nil
	}
	return hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  "Invalid " + kind + " name",
		Detail: fmt.Sprintf("The name %q is not valid: a name starts with a letter or underscore "+
			"and contains only letters, digits, underscores and dashes.", name),
		Subject: b.LabelRanges[0].Ptr(),
	}}
}

func (p *Playbook) addVariable(b *hcl.Block) hcl.Diagnostics {
	diags := checkName("variable", b)
	content, moreDiags := b.Body.Content(variableSchema)
	diags = append(diags, moreDiags...)
	v := &Variable{Name: b.Labels[0], Type: cty.DynamicPseudoType, DeclRange: b.DefRange}
	if prev, dup := p.vars[v.Name]; dup {
		return append(diags, duplicate("variable", v.Name, prev.DeclRange, b.DefRange))
	}
	attrs := content.Attributes
	if a, ok := attrs["description"]; ok {
		diags = append(diags, decodeStatic(a, cty.String, nil, func(val cty.Value) { v.Description = val.AsString() })...)
	}
	if a, ok := attrs["type"]; ok {
		ty, tyDiags := typeexpr.TypeConstraint(a.Expr)
		diags = append(diags, tyDiags...)
		if !tyDiags.HasErrors() {
			v.Type = ty
		}
	}
	if a, ok := attrs["sensitive"]; ok {
		diags = append(diags, decodeStatic(a, cty.Bool, nil, func(val cty.Value) { v.Sensitive = val.True() })...)
	}
	if a, ok := attrs["default"]; ok {
		val, valDiags := a.Expr.Value(nil)
		diags = append(diags, valDiags...)
		if !valDiags.HasErrors() {
			converted, err := convert.Convert(val, v.Type)
			if err != nil {
				v.badDefault = true
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Invalid default value for variable",
					Detail:   fmt.Sprintf("The default of variable %q does not match its type: %s.", v.Name, err),
					Subject:  a.Expr.Range().Ptr(),
				})
			} else {
				v.Default = converted
			}
		}
	}
	for _, vb := range content.Blocks.OfType("validation") {
		vc, vDiags := vb.Body.Content(validationSchema)
		diags = append(diags, vDiags...)
		rule := &Validation{DeclRange: vb.DefRange}
		if a, ok := vc.Attributes["condition"]; ok {
			rule.Condition = a.Expr
		}
		if a, ok := vc.Attributes["error_message"]; ok {
			diags = append(diags, decodeStatic(a, cty.String, nil, func(val cty.Value) { rule.ErrorMessage = val.AsString() })...)
		}
		if rule.Condition != nil {
			v.Validations = append(v.Validations, rule)
		}
	}
	p.vars[v.Name] = v
	p.Variables = append(p.Variables, v)
	return diags
}

// varValues holds the final value of every variable.
type varValues map[string]cty.Value

// assignVariables applies defaults, RTRPLAY_VAR_name and -var, in rising
// order of precedence, then checks types and validation rules.
func (p *Playbook) assignVariables(opts Options) (varValues, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	raw := map[string]string{}
	if opts.Getenv != nil {
		for name := range p.vars {
			if s := opts.Getenv("RTRPLAY_VAR_" + name); s != "" {
				raw[name] = s
			}
		}
	}
	for _, assignment := range opts.Vars {
		name, value, ok := strings.Cut(assignment, "=")
		if !ok || name == "" {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid -var option",
				Detail:   fmt.Sprintf("The option -var %q is not of the form NAME=VALUE.", assignment),
			})
			continue
		}
		if _, declared := p.vars[name]; !declared {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Value for undeclared variable",
				Detail: fmt.Sprintf("The option -var sets %q, but the playbook declares no such variable.%s",
					name, didYouMean(name, sortedKeys(p.vars))),
			})
			continue
		}
		raw[name] = value
	}
	values := varValues{}
	for _, name := range sortedKeys(p.vars) {
		v := p.vars[name]
		val, valDiags := v.resolve(raw)
		diags = append(diags, valDiags...)
		values[name] = val
	}
	if diags.HasErrors() {
		return values, diags
	}
	ctx := &hcl.EvalContext{Variables: map[string]cty.Value{"var": cty.ObjectVal(values)}, Functions: functions(p.Dir)}
	for _, name := range sortedKeys(p.vars) {
		diags = append(diags, p.vars[name].validate(ctx, values[name])...)
	}
	return values, diags
}

func (v *Variable) resolve(raw map[string]string) (cty.Value, hcl.Diagnostics) {
	s, given := raw[v.Name]
	if !given {
		if v.badDefault {
			return cty.UnknownVal(v.Type), nil
		}
		if v.Default == cty.NilVal {
			return cty.UnknownVal(v.Type), hcl.Diagnostics{{
				Severity: hcl.DiagError,
				Summary:  "No value for required variable",
				Detail: fmt.Sprintf("Variable %q has no default. Set it with -var %s=VALUE or the environment variable RTRPLAY_VAR_%s.",
					v.Name, v.Name, v.Name),
				Subject: v.DeclRange.Ptr(),
			}}
		}
		return v.Default, nil
	}
	var val cty.Value
	if v.Type == cty.String || v.Type == cty.DynamicPseudoType {
		// Strings are taken literally, as Terraform does, so that Windows
		// paths need no HCL escaping on the command line.
		val = cty.StringVal(s)
	} else {
		expr, parseDiags := hclsyntax.ParseExpression([]byte(s), "-var "+v.Name, hcl.InitialPos)
		if parseDiags.HasErrors() {
			return cty.UnknownVal(v.Type), parseDiags
		}
		var valDiags hcl.Diagnostics
		val, valDiags = expr.Value(nil)
		if valDiags.HasErrors() {
			return cty.UnknownVal(v.Type), valDiags
		}
	}
	converted, err := convert.Convert(val, v.Type)
	if err != nil {
		return cty.UnknownVal(v.Type), hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Invalid value for variable",
			Detail:   fmt.Sprintf("The value given for variable %q does not match its type %s: %s.", v.Name, v.Type.FriendlyName(), err),
			Subject:  v.DeclRange.Ptr(),
		}}
	}
	return converted, nil
}

func (v *Variable) validate(ctx *hcl.EvalContext, val cty.Value) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, rule := range v.Validations {
		ok, condDiags := rule.Condition.Value(ctx)
		diags = append(diags, condDiags...)
		if condDiags.HasErrors() || !ok.IsKnown() || ok.IsNull() {
			continue
		}
		if ok.Type() != cty.Bool {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid validation condition",
				Detail:   "A validation condition must be true or false.",
				Subject:  rule.Condition.Range().Ptr(),
			})
			continue
		}
		if ok.False() {
			shown := "(sensitive)"
			if !v.Sensitive {
				shown = fmt.Sprintf("%#v", ctyDisplay(val))
			}
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid value for variable",
				Detail:   fmt.Sprintf("Variable %q = %s: %s", v.Name, shown, rule.ErrorMessage),
				Subject:  rule.DeclRange.Ptr(),
			})
		}
	}
	return diags
}

// Value returns the value the variable has in this run.
func (p *Playbook) Value(name string) cty.Value { return p.values[name] }

// RedactedVariables returns each variable's value as JSON data, with
// sensitive values replaced, for reports and for the run's input hash.
func (p *Playbook) RedactedVariables() map[string]any {
	out := make(map[string]any, len(p.vars))
	for name, v := range p.vars {
		if v.Sensitive {
			out[name] = redactedText
			continue
		}
		val := p.values[name]
		if val == cty.NilVal || !val.IsWhollyKnown() {
			out[name] = nil
			continue
		}
		data, err := ctyjson.Marshal(val, val.Type())
		if err != nil {
			out[name] = fmt.Sprint(ctyDisplay(val))
			continue
		}
		out[name] = json.RawMessage(data)
	}
	return out
}

func duplicate(kind, name string, first, again hcl.Range) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Duplicate " + kind,
		Detail:   fmt.Sprintf("A %s named %q is already declared at %s; names must be unique.", kind, name, first),
		Subject:  again.Ptr(),
	}
}

// decodeStatic evaluates an attribute that may only refer to variables,
// converts it to ty and passes it to set.
func decodeStatic(a *hcl.Attribute, ty cty.Type, ctx *hcl.EvalContext, set func(cty.Value)) hcl.Diagnostics {
	val, diags := a.Expr.Value(ctx)
	if diags.HasErrors() {
		return diags
	}
	val, _ = val.UnmarkDeep()
	converted, err := convert.Convert(val, ty)
	if err != nil || converted.IsNull() || !converted.IsKnown() {
		msg := "the value is null or unknown"
		if err != nil {
			msg = err.Error()
		}
		return append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid value for " + a.Name,
			Detail:   fmt.Sprintf("The argument %q must be a %s: %s.", a.Name, ty.FriendlyName(), msg),
			Subject:  a.Expr.Range().Ptr(),
		})
	}
	set(converted)
	return diags
}

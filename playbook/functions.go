package playbook

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/agext/levenshtein"
	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/rtrplay/rtrplay/playbook/rtrout"
)

// functions returns the functions that playbook expressions may call:
// cty's standard library under Terraform's names, plus functions that read
// RTR output. dir is the base of relative file() paths.
func functions(dir string) map[string]function.Function {
	return map[string]function.Function{
		"can":           tryfunc.CanFunc,
		"try":           tryfunc.TryFunc,
		"chomp":         stdlib.ChompFunc,
		"coalesce":      stdlib.CoalesceFunc,
		"concat":        stdlib.ConcatFunc,
		"contains":      stdlib.ContainsFunc,
		"csvdecode":     stdlib.CSVDecodeFunc,
		"distinct":      stdlib.DistinctFunc,
		"element":       stdlib.ElementFunc,
		"file":          fileFunc(dir),
		"flatten":       stdlib.FlattenFunc,
		"format":        stdlib.FormatFunc,
		"formatlist":    stdlib.FormatListFunc,
		"join":          stdlib.JoinFunc,
		"jsondecode":    stdlib.JSONDecodeFunc,
		"jsonencode":    stdlib.JSONEncodeFunc,
		"keys":          stdlib.KeysFunc,
		"length":        lengthFunc,
		"lookup":        stdlib.LookupFunc,
		"lower":         stdlib.LowerFunc,
		"max":           stdlib.MaxFunc,
		"merge":         stdlib.MergeFunc,
		"min":           stdlib.MinFunc,
		"parseint":      stdlib.ParseIntFunc,
		"regex":         stdlib.RegexFunc,
		"regexall":      stdlib.RegexAllFunc,
		"replace":       stdlib.ReplaceFunc,
		"split":         stdlib.SplitFunc,
		"strcontains":   strcontainsFunc,
		"strlen":        stdlib.StrlenFunc,
		"substr":        stdlib.SubstrFunc,
		"trim":          stdlib.TrimFunc,
		"trimprefix":    stdlib.TrimPrefixFunc,
		"trimspace":     stdlib.TrimSpaceFunc,
		"trimsuffix":    stdlib.TrimSuffixFunc,
		"upper":         stdlib.UpperFunc,
		"rtr_pid":       rtrPIDFunc,
		"rtr_pids":      rtrPIDsFunc,
		"rtr_reg_value": rtrRegValueFunc,
	}
}

// functionNames lists the callable names, for "Did you mean" hints.
func functionNames() []string { return sortedKeys(functions(".")) }

var strcontainsFunc = function.New(&function.Spec{
	Description: "Reports whether str contains substr.",
	Params: []function.Parameter{
		{Name: "str", Type: cty.String},
		{Name: "substr", Type: cty.String},
	},
	Type: function.StaticReturnType(cty.Bool),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		return cty.BoolVal(strings.Contains(args[0].AsString(), args[1].AsString())), nil
	},
})

func fileFunc(dir string) function.Function {
	return function.New(&function.Spec{
		Description: "Reads a file relative to the playbook's directory.",
		Params:      []function.Parameter{{Name: "path", Type: cty.String}},
		Type:        function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			p := args[0].AsString()
			if !filepath.IsAbs(p) {
				p = filepath.Join(dir, p)
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return cty.NilVal, fmt.Errorf("read %s: %w", p, err)
			}
			return cty.StringVal(string(data)), nil
		},
	})
}

// matchingPIDs returns the PIDs of the processes in ps output named name.
func matchingPIDs(psOutput, name string) []int {
	var pids []int
	for _, p := range rtrout.ParseProcesses(psOutput) {
		if p.MatchName(name) {
			pids = append(pids, p.PID)
		}
	}
	return pids
}

var rtrPIDFunc = function.New(&function.Spec{
	Description: "Returns the PID of the first process named name in the output of ps.",
	Params: []function.Parameter{
		{Name: "ps_output", Type: cty.String},
		{Name: "name", Type: cty.String},
	},
	Type: function.StaticReturnType(cty.Number),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		name := args[1].AsString()
		pids := matchingPIDs(args[0].AsString(), name)
		if len(pids) == 0 {
			return cty.NilVal, fmt.Errorf("no process named %q in the ps output; guard the step with when = length(rtr_pids(...)) > 0", name)
		}
		return cty.NumberIntVal(int64(pids[0])), nil
	},
})

var rtrPIDsFunc = function.New(&function.Spec{
	Description: "Returns the PIDs of every process named name in the output of ps.",
	Params: []function.Parameter{
		{Name: "ps_output", Type: cty.String},
		{Name: "name", Type: cty.String},
	},
	Type: function.StaticReturnType(cty.List(cty.Number)),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		pids := matchingPIDs(args[0].AsString(), args[1].AsString())
		if len(pids) == 0 {
			return cty.ListValEmpty(cty.Number), nil
		}
		vals := make([]cty.Value, len(pids))
		for i, pid := range pids {
			vals[i] = cty.NumberIntVal(int64(pid))
		}
		return cty.ListVal(vals), nil
	},
})

var rtrRegValueFunc = function.New(&function.Spec{
	Description: "Returns the name of the first registry value in reg query output whose data contains substr.",
	Params: []function.Parameter{
		{Name: "reg_output", Type: cty.String},
		{Name: "substr", Type: cty.String},
	},
	Type: function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		needle := strings.ToLower(args[1].AsString())
		for _, v := range rtrout.ParseRegQuery(args[0].AsString()) {
			if !strings.Contains(strings.ToLower(v.Data), needle) {
				continue
			}
			if v.Ambiguous {
				// A name that holds a type word could make a delete hit
				// another value: refuse to guess.
				return cty.NilVal, fmt.Errorf("the registry value whose data contains %q cannot be read safely: "+
					"its line splits into name and data in more than one way", args[1].AsString())
			}
			return cty.StringVal(v.Name), nil
		}
		return cty.NilVal, fmt.Errorf("no registry value whose data contains %q in the reg query output", args[1].AsString())
	},
})

// didYouMean returns a sentence suggesting the candidate nearest to name,
// with a leading space, or "" if none is close. Callers put it after a
// full stop.
func didYouMean(name string, candidates []string) string {
	if s := nearest(name, candidates); s != "" {
		return fmt.Sprintf(" Did you mean %q?", s)
	}
	return ""
}

func nearest(name string, candidates []string) string {
	best, bestDist := "", 3
	for _, c := range candidates {
		if d := levenshtein.Distance(name, c, nil); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// ctyDisplay turns a value into plain Go data for messages and reports.
func ctyDisplay(v cty.Value) any {
	if v == cty.NilVal {
		return nil
	}
	v, marks := v.UnmarkDeep()
	if hasSensitive(marks) {
		return redactedText
	}
	if v.IsNull() {
		return nil
	}
	if !v.IsKnown() {
		return "(known after apply)"
	}
	if v.Type() == cty.String {
		return v.AsString()
	}
	b, err := ctyjson.Marshal(v, v.Type())
	if err != nil {
		return v.GoString()
	}
	return string(b)
}

// lengthFunc is length as Terraform has it: the number of elements of a
// collection, or of characters of a string, which cty's own length does
// not count.
var lengthFunc = function.New(&function.Spec{
	Description: "Returns the number of elements of a collection or of characters of a string.",
	Params: []function.Parameter{
		{Name: "value", Type: cty.DynamicPseudoType, AllowDynamicType: true, AllowUnknown: true, AllowMarked: true},
	},
	Type: function.StaticReturnType(cty.Number),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		v, marks := args[0].Unmark()
		if v.Type() == cty.String {
			n, err := stdlib.Strlen(v)
			return n.WithMarks(marks), err
		}
		n, err := stdlib.Length(v)
		return n.WithMarks(marks), err
	},
})

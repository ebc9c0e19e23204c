package fleet

import (
	"fmt"
	"strconv"
	"strings"
)

// psKind is the type of a cmdlet parameter, used for binding and for
// PowerShell's conversion messages.
type psKind int

const (
	psSwitch psKind = iota
	psString
	psStrings
	psInts
	psInt
	psDouble
)

func (k psKind) typeName() string {
	switch k {
	case psStrings:
		return "System.String[]"
	case psInts:
		return "System.Int32[]"
	case psInt:
		return "System.Int32"
	case psDouble:
		return "System.Double"
	}
	return "System.String"
}

type psParam struct {
	name     string
	kind     psKind
	position int // -1 when the parameter is named only
	aliases  []string
	// remaining collects every leftover positional argument (Write-Output).
	remaining bool
}

// psCommonParams are accepted by every cmdlet, as in PowerShell, so that
// parameter prefixes are ambiguous where they are on a real host. Only
// ErrorAction has an effect: SilentlyContinue and Ignore drop the cmdlet's
// errors.
var psCommonParams = []psParam{
	{name: "ErrorAction", kind: psString, position: -1, aliases: []string{"ea"}},
	{name: "ErrorVariable", kind: psString, position: -1, aliases: []string{"ev"}},
	{name: "WarningAction", kind: psString, position: -1, aliases: []string{"wa"}},
	{name: "WarningVariable", kind: psString, position: -1, aliases: []string{"wv"}},
	{name: "InformationAction", kind: psString, position: -1, aliases: []string{"infa"}},
	{name: "InformationVariable", kind: psString, position: -1, aliases: []string{"iv"}},
	{name: "OutVariable", kind: psString, position: -1, aliases: []string{"ov"}},
	{name: "OutBuffer", kind: psInt, position: -1, aliases: []string{"ob"}},
	{name: "PipelineVariable", kind: psString, position: -1, aliases: []string{"pv"}},
	{name: "Verbose", kind: psSwitch, position: -1, aliases: []string{"vb"}},
	{name: "Debug", kind: psSwitch, position: -1, aliases: []string{"db"}},
	{name: "WhatIf", kind: psSwitch, position: -1, aliases: []string{"wi"}},
	{name: "Confirm", kind: psSwitch, position: -1, aliases: []string{"cf"}},
}

// psBound holds bound parameters by canonical name. Switches map to nil
// when given.
type psBound map[string][]string

func (b psBound) has(name string) bool { _, ok := b[name]; return ok }

func (b psBound) first(name string) string {
	if v := b[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// psBindError is a parameter-binding failure; it stops the statement.
type psBindError struct{ message string }

func (e *psBindError) Error() string { return e.message }

func bindError(format string, a ...any) error { return &psBindError{fmt.Sprintf(format, a...)} }

// bind matches words to parameters the way PowerShell does: names without
// case and by unique prefix, then positional arguments by position.
func bind(params []psParam, words []psWord) (psBound, error) {
	all := append(append([]psParam(nil), params...), psCommonParams...)
	bound := psBound{}
	var positional []psWord
	for i := 0; i < len(words); i++ {
		w := words[i]
		if w.param == "" {
			positional = append(positional, w)
			continue
		}
		p, err := findParam(all, w.param)
		if err != nil {
			return nil, err
		}
		if p.kind == psSwitch {
			if !w.attached || !strings.EqualFold(w.text(), "$false") {
				bound[p.name] = nil
			}
			continue
		}
		values := w.values
		if !w.attached {
			if i+1 >= len(words) || words[i+1].param != "" {
				return nil, bindError("Missing an argument for parameter '%s'. Specify a parameter of type '%s' and try again.",
					p.name, p.kind.typeName())
			}
			i++
			values = words[i].values
		}
		if err := checkKind(p, values); err != nil {
			return nil, err
		}
		bound[p.name] = values
	}
	return bound, bindPositional(params, bound, positional)
}

func findParam(all []psParam, name string) (psParam, error) {
	var matches []psParam
	for _, p := range all {
		names := append([]string{p.name}, p.aliases...)
		for _, n := range names {
			if strings.EqualFold(n, name) {
				return p, nil
			}
		}
		if len(name) <= len(p.name) && strings.EqualFold(p.name[:len(name)], name) {
			matches = append(matches, p)
		}
	}
	switch len(matches) {
	case 0:
		return psParam{}, bindError("A parameter cannot be found that matches parameter name '%s'.", name)
	case 1:
		return matches[0], nil
	}
	var names []string
	for _, m := range matches {
		names = append(names, "-"+m.name)
	}
	return psParam{}, bindError("Parameter cannot be processed because the parameter name '%s' is ambiguous. "+
		"Possible matches include: %s.", name, strings.Join(names, " "))
}

func bindPositional(params []psParam, bound psBound, positional []psWord) error {
	next := 0
	for _, p := range params {
		if p.position < 0 || bound.has(p.name) || next >= len(positional) {
			continue
		}
		var values []string
		if p.remaining {
			for _, w := range positional[next:] {
				values = append(values, w.values...)
			}
			next = len(positional)
		} else {
			values = positional[next].values
			next++
		}
		if err := checkKind(p, values); err != nil {
			return err
		}
		bound[p.name] = values
	}
	if next < len(positional) {
		return bindError("A positional parameter cannot be found that accepts argument '%s'.", positional[next].text())
	}
	return nil
}

func checkKind(p psParam, values []string) error {
	for _, v := range values {
		var err error
		switch p.kind {
		case psInts, psInt:
			_, err = strconv.ParseInt(v, 10, 32)
		case psDouble:
			_, err = strconv.ParseFloat(v, 64)
		default:
			continue
		}
		if err != nil {
			target := "System.Int32"
			if p.kind == psDouble {
				target = "System.Double"
			}
			return bindError("Cannot bind parameter '%s'. Cannot convert value \"%s\" to type \"%s\". "+
				"Error: \"Input string was not in a correct format.\"", p.name, v, target)
		}
	}
	if (p.kind == psInt || p.kind == psDouble || p.kind == psString) && len(values) > 1 {
		return bindError("Cannot convert 'System.Object[]' to the type '%s' required by parameter '%s'. "+
			"Specified method is not supported.", p.kind.typeName(), p.name)
	}
	return nil
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s) // values were checked by checkKind
	return n
}

package rtrout

import (
	"strings"
)

// RegValue is one value printed by reg query.
type RegValue struct {
	Key  string
	Name string
	Type string
	Data string
	// Ambiguous is set when the line splits into name, type and data in
	// more than one way, as when a value's name itself holds text such as
	// "    REG_SZ    ". Name and Data then come from the first split and
	// must not be trusted for a destructive command.
	Ambiguous bool
}

// regTypes are the value types reg.exe prints.
var regTypes = []string{
	"REG_SZ", "REG_EXPAND_SZ", "REG_MULTI_SZ", "REG_DWORD", "REG_QWORD", "REG_BINARY", "REG_NONE",
	"REG_LINK", "REG_RESOURCE_LIST", "REG_FULL_RESOURCE_DESCRIPTOR", "REG_RESOURCE_REQUIREMENTS_LIST",
	"REG_DWORD_BIG_ENDIAN",
}

// ParseRegQuery reads reg.exe-style output: a key path on its own line,
// then indented "name    REG_TYPE    data" lines. Key lines that have no
// values are skipped.
func ParseRegQuery(text string) []RegValue {
	var values []RegValue
	key := ""
	for _, line := range Lines(text) {
		if strings.TrimSpace(line) == "" {
			continue
		}
		if !strings.HasPrefix(line, " ") && !strings.HasPrefix(line, "\t") {
			key = strings.TrimSpace(line)
			continue
		}
		if v, ok := parseRegValueLine(key, strings.TrimLeft(line, " \t")); ok {
			values = append(values, v)
		}
	}
	return values
}

// parseRegValueLine splits a value line at its type word, which reg.exe
// sets off with four spaces on each side (or ends the line, for empty
// data). Names and data may contain spaces, so every such split is found,
// and more than one marks the value ambiguous.
func parseRegValueLine(key, line string) (RegValue, bool) {
	var splits []RegValue
	for _, typ := range regTypes {
		sep := "    " + typ
		for from := 0; ; {
			i := strings.Index(line[from:], sep)
			if i < 0 {
				break
			}
			at := from + i
			rest := line[at+len(sep):]
			if rest == "" || strings.HasPrefix(rest, "    ") {
				splits = append(splits, RegValue{Key: key, Name: strings.TrimSpace(line[:at]), Type: typ,
					Data: strings.TrimPrefix(rest, "    ")})
			}
			from = at + len(sep)
		}
	}
	if len(splits) == 0 {
		return RegValue{}, false
	}
	v := splits[0]
	for _, other := range splits[1:] {
		if len(other.Name) < len(v.Name) {
			v = other
		}
	}
	v.Ambiguous = len(splits) > 1
	return v, true
}

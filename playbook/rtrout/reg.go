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
		if v, ok := parseRegValueLine(key, strings.TrimSpace(line)); ok {
			values = append(values, v)
		}
	}
	return values
}

// parseRegValueLine splits at the REG_ type word, because value names and
// data may contain spaces.
func parseRegValueLine(key, line string) (RegValue, bool) {
	fields := strings.Fields(line)
	for i, f := range fields {
		if !strings.HasPrefix(f, "REG_") || i == 0 {
			continue
		}
		idx := strings.Index(line, " "+f)
		name := strings.TrimSpace(line[:idx])
		data := strings.TrimSpace(line[idx+1+len(f):])
		return RegValue{Key: key, Name: name, Type: f, Data: data}, true
	}
	return RegValue{}, false
}

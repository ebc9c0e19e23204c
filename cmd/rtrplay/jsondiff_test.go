package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// jsonDiff is one difference between two JSON documents.
type jsonDiff struct {
	kind  string // "removed", "added" or "changed"
	path  string
	value string
}

func (d jsonDiff) String() string { return fmt.Sprintf("%s %s: %s", d.kind, d.path, d.value) }

// diffJSON compares generic JSON values. Objects compare key by key; arrays
// compare as multisets, because the order of a fleet's processes or files
// carries no meaning, and an element is reported whole.
func diffJSON(path string, a, b any) []jsonDiff {
	switch av := a.(type) {
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok {
			return []jsonDiff{{"changed", path, compact(a) + " -> " + compact(b)}}
		}
		keys := map[string]bool{}
		for k := range av {
			keys[k] = true
		}
		for k := range bv {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		var out []jsonDiff
		for _, k := range sorted {
			x, inA := av[k]
			y, inB := bv[k]
			p := path + "/" + k
			switch {
			case !inB:
				out = append(out, jsonDiff{"removed", p, compact(x)})
			case !inA:
				out = append(out, jsonDiff{"added", p, compact(y)})
			default:
				out = append(out, diffJSON(p, x, y)...)
			}
		}
		return out
	case []any:
		bv, ok := b.([]any)
		if !ok {
			return []jsonDiff{{"changed", path, compact(a) + " -> " + compact(b)}}
		}
		if key := identityKey(av, bv); key != "" {
			return diffJSON(path, indexBy(av, key), indexBy(bv, key))
		}
		count := map[string]int{}
		for _, y := range bv {
			count[compact(y)]++
		}
		var out []jsonDiff
		for _, x := range av {
			k := compact(x)
			if count[k] > 0 {
				count[k]--
				continue
			}
			out = append(out, jsonDiff{"removed", path + "[]", k})
		}
		for _, y := range bv {
			if k := compact(y); count[k] > 0 {
				count[k]--
				out = append(out, jsonDiff{"added", path + "[]", k})
			}
		}
		return out
	default:
		if compact(a) != compact(b) {
			return []jsonDiff{{"changed", path, compact(a) + " -> " + compact(b)}}
		}
		return nil
	}
}

func compact(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// identityKeys are fields that identify an element of an array of
// objects, tried in order.
var identityKeys = []string{"aid", "AID", "device_id", "hostname", "Hostname", "pid", "PID", "path", "Path", "key", "Key"}

// identityKey returns the first identity field that every element of both
// arrays has, with values unique within each array, or "".
func identityKey(a, b []any) string {
	for _, k := range identityKeys {
		if uniqueField(a, k) && uniqueField(b, k) {
			return k
		}
	}
	return ""
}

func uniqueField(items []any, key string) bool {
	if len(items) == 0 {
		return false
	}
	seen := map[string]bool{}
	for _, it := range items {
		obj, ok := it.(map[string]any)
		if !ok {
			return false
		}
		v, ok := obj[key]
		if !ok {
			return false
		}
		id := compact(v)
		if seen[id] {
			return false
		}
		seen[id] = true
	}
	return true
}

func indexBy(items []any, key string) map[string]any {
	out := make(map[string]any, len(items))
	for _, it := range items {
		obj := it.(map[string]any)
		out[key+"="+strings.Trim(compact(obj[key]), `"`)] = it
	}
	return out
}

package sim

import (
	"slices"
	"strings"
	"testing"
)

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{pattern: "*web*", s: "lnx-web-01", want: true},
		{pattern: "*web*", s: "lnx-db-02", want: false},
		{pattern: "WIN-*", s: "WIN-FIN-01", want: true},
		{pattern: "WIN-*", s: "xWIN-FIN-01", want: false},
		{pattern: "*-01", s: "WIN-FIN-01", want: true},
		{pattern: "*-01", s: "WIN-FIN-012", want: false},
		{pattern: "a*a", s: "a", want: false},
		{pattern: "a*a", s: "aa", want: true},
		{pattern: "a*b*c", s: "abc", want: true},
		{pattern: "a*b*c", s: "acb", want: false},
		{pattern: "*", s: "", want: true},
		{pattern: "exact", s: "exact", want: true},
		{pattern: "exact", s: "Exact", want: false},
	}
	for _, tt := range tests {
		if got := globMatch(tt.pattern, tt.s); got != tt.want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
}

func TestParseFQLErrorPosition(t *testing.T) {
	tests := []struct {
		filter  string
		wantPos string
	}{
		{filter: "hostname:'a'+", wantPos: "character 14"},
		{filter: "bogus:'x'", wantPos: "character 1"},
		{filter: "hostname:'a',hostname:'b'+hostname:'c'", wantPos: "character 26"},
		{filter: "hostname:x", wantPos: "character 10"},
	}
	for _, tt := range tests {
		_, err := parseFQL(tt.filter)
		if err == nil {
			t.Errorf("parseFQL(%q) succeeded, want an error", tt.filter)
			continue
		}
		if !strings.Contains(err.Error(), tt.wantPos) {
			t.Errorf("parseFQL(%q) error %q does not point at %s", tt.filter, err, tt.wantPos)
		}
	}
}

func TestChunkText(t *testing.T) {
	tests := []struct {
		name string
		text string
		size int
		want []string
	}{
		{name: "empty", text: "", size: 4, want: []string{""}},
		{name: "fits", text: "abcd", size: 4, want: []string{"abcd"}},
		{name: "exact multiple", text: "abcdefgh", size: 4, want: []string{"abcd", "efgh"}},
		{name: "remainder", text: "abcdefghi", size: 4, want: []string{"abcd", "efgh", "i"}},
		{name: "keeps characters whole", text: "abcé€x", size: 4, want: []string{"abc", "é", "€x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := chunkText(tt.text, tt.size)
			if !slices.Equal(got, tt.want) {
				t.Errorf("chunkText(%q, %d) = %q, want %q", tt.text, tt.size, got, tt.want)
			}
			if strings.Join(got, "") != tt.text {
				t.Errorf("chunks do not join back to the text")
			}
		})
	}
}

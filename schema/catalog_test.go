package schema

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

func TestLookup(t *testing.T) {
	cases := []struct {
		command     string
		name        string
		base        string
		tier        Tier
		destructive bool
	}{
		{"ls C:\\Windows", "ls", "ls", TierReadOnly, false},
		{"reg query HKLM\\Software", "reg query", "reg", TierReadOnly, false},
		{"Reg Delete HKLM\\Software\\X Y", "reg delete", "reg", TierActiveResponder, true},
		{"kill 4242", "kill", "kill", TierActiveResponder, true},
		{"runscript -CloudFile=\"x\"", "runscript", "runscript", TierActiveResponder, true},
		{"runscript -Raw=```Get-Process```", "runscript", "runscript", TierAdmin, true},
		{"runscript -hostpath=\"C:\\x.ps1\"", "runscript", "runscript", TierAdmin, true},
		{"put tool.exe", "put", "put", TierAdmin, true},
	}
	c, err := Commands()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.command, func(t *testing.T) {
			r, err := c.Lookup(tc.command)
			if err != nil {
				t.Fatal(err)
			}
			if r.Name != tc.name || r.BaseCommand != tc.base || r.Tier != tc.tier || r.Destructive != tc.destructive {
				t.Errorf("Lookup = {%s %s %s %v}, want {%s %s %s %v}", r.Name, r.BaseCommand, r.Tier, r.Destructive,
					tc.name, tc.base, tc.tier, tc.destructive)
			}
		})
	}
	for _, bad := range []string{"", "   ", "lss"} {
		if _, err := c.Lookup(bad); err == nil {
			t.Errorf("Lookup(%q) succeeded, want an error", bad)
		}
	}
}

func TestCatalogEntries(t *testing.T) {
	c, err := Commands()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range c.Names() {
		cmd := c.byName[name]
		if len(cmd.Platforms) == 0 || cmd.Syntax == "" {
			t.Errorf("command %q has no platforms or no syntax", name)
		}
		for _, p := range cmd.Platforms {
			if p != "windows" && p != "linux" && p != "mac" {
				t.Errorf("command %q lists unknown platform %q", name, p)
			}
		}
	}
	if _, err := parseCatalog([]byte(`{"commands":[{"name":"ls","tier":"root"}]}`)); err == nil {
		t.Error("a catalog with an unknown tier parsed without error")
	}
}

func TestSchemasCompile(t *testing.T) {
	for name, data := range map[string][]byte{"run.schema.json": RunReportSchema, "manifest.schema.json": ManifestSchema} {
		t.Run(name, func(t *testing.T) {
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			comp := jsonschema.NewCompiler()
			if err := comp.AddResource(name, doc); err != nil {
				t.Fatal(err)
			}
			sch, err := comp.Compile(name)
			if err != nil {
				t.Fatal(err)
			}
			var empty any
			_ = json.Unmarshal([]byte(`{}`), &empty)
			if sch.Validate(empty) == nil {
				t.Error("an empty document validated; the schema requires fields")
			}
		})
	}
}

func TestPositionalArgs(t *testing.T) {
	cases := []struct {
		command string
		want    int
	}{
		{`ls`, 0},
		{`ls C:\Windows`, 1},
		{`filehash /Users/a/Quarterly Review.key`, 2},
		{`filehash "/Users/a/Quarterly Review.key"`, 1},
		{`rm 'C:\a b' -Force`, 1},
		{"reg query HKLM\\Software Value", 2},
		{"runscript -Raw=```Get-Process -Name x```", 0},
	}
	c, err := Commands()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.command, func(t *testing.T) {
			r, err := c.Lookup(tc.command)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.PositionalArgs(tc.command); len(got) != tc.want {
				t.Errorf("PositionalArgs = %q, want %d", got, tc.want)
			}
		})
	}
}

package fleet

import (
	"errors"
	"reflect"
	"testing"
)

func TestTokenize(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"plain words", "ls C:\\Windows", []string{"ls", `C:\Windows`}},
		{"extra whitespace", "  ps \t ", []string{"ps"}},
		{"double-quoted path with spaces", `cat "C:\Program Files\Vendor App\settings.ini"`,
			[]string{"cat", `C:\Program Files\Vendor App\settings.ini`}},
		{"single-quoted path with spaces", `rm 'C:\Vendor App\a b.log' -Force`,
			[]string{"rm", `C:\Vendor App\a b.log`, "-Force"}},
		{"backslashes stay literal", `cd C:\new\table`, []string{"cd", `C:\new\table`}},
		{"trailing backslash in quotes", `ls "C:\Temp\"`, []string{"ls", `C:\Temp\`}},
		{"quotes join adjacent text", `runscript -CloudFile="test1"`, []string{"runscript", "-CloudFile=test1"}},
		{"triple backtick raw script", "runscript -Raw=```Get-Process -Name 'a b'; echo \"x\"```",
			[]string{"runscript", `-Raw=Get-Process -Name 'a b'; echo "x"`}},
		{"triple backtick keeps newlines", "runscript -Raw=```a\nb```", []string{"runscript", "-Raw=a\nb"}},
		{"command line flag", "run \"C:\\Windows\\System32\\wusa.exe\" -CommandLine=```\"C:\\Temp\\update 1.msu\" /quiet```",
			[]string{"run", `C:\Windows\System32\wusa.exe`, `-CommandLine="C:\Temp\update 1.msu" /quiet`}},
		{"empty quotes are an argument", `runscript -CommandLine=""`, []string{"runscript", "-CommandLine="}},
		{"lone empty string", `cat ""`, []string{"cat", ""}},
		{"crlf separates", "ls\r\n/tmp", []string{"ls", "/tmp"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			toks, err := tokenize(tc.in)
			if err != nil {
				t.Fatalf("tokenize(%q): %v", tc.in, err)
			}
			var got []string
			for _, tk := range toks {
				got = append(got, tk.text)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("tokenize(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestTokenizeUnterminated(t *testing.T) {
	for _, in := range []string{`cat "C:\x`, `cat 'x`, "runscript -Raw=```Get-Process"} {
		if _, err := tokenize(in); !errors.Is(err, errUnterminatedQuote) {
			t.Errorf("tokenize(%q) error = %v, want errUnterminatedQuote", in, err)
		}
	}
}

func TestParseInvocation(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		wantBase  string
		wantSub   string
		wantArgs  []string
		wantFlags []flag
	}{
		{"reg sub-command", `reg query HKLM\SOFTWARE Version`, "reg", "query", []string{`HKLM\SOFTWARE`, "Version"}, nil},
		{"flag with value", "runscript -Raw=```x=1```", "runscript", "", nil, []flag{{name: "Raw", value: "x=1", set: true}}},
		{"bare flag", `rm C:\x -Force`, "rm", "", []string{`C:\x`}, []flag{{name: "Force"}}},
		{"double dash flag", `rm 'C:\x' --force`, "rm", "", []string{`C:\x`}, []flag{{name: "force"}}},
		{"quoted dash is an argument", `cat "-weird"`, "cat", "", []string{"-weird"}, nil},
		{"lone dash is an argument", "cat -", "cat", "", []string{"-"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			toks, err := tokenize(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			inv := parseInvocation(toks)
			if inv.base != tc.wantBase || inv.sub != tc.wantSub {
				t.Errorf("base, sub = %q, %q; want %q, %q", inv.base, inv.sub, tc.wantBase, tc.wantSub)
			}
			if !reflect.DeepEqual(inv.args, tc.wantArgs) {
				t.Errorf("args = %q, want %q", inv.args, tc.wantArgs)
			}
			if !reflect.DeepEqual(inv.flags, tc.wantFlags) {
				t.Errorf("flags = %+v, want %+v", inv.flags, tc.wantFlags)
			}
		})
	}
}

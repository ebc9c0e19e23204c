package main

import "testing"

func TestTerminalSafe(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"plain", "WIN-FIN-01", "WIN-FIN-01"},
		{"escape sequence", "\x1b[31mRED", `\x1b[31mRED`},
		{"right-to-left override", "a\u202eb", `a\u202eb`},
		{"delete", "a\x7fb", `a\x7fb`},
		{"invalid utf-8", "a\xffb", `a\ufffdb`},
		{"unicode letters", "é 日本", "é 日本"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := terminalSafe(tc.in); got != tc.want {
				t.Errorf("terminalSafe(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

package fleet

import (
	"errors"
	"fmt"
	"strings"
)

// token is one argument of a command string after quote removal.
type token struct {
	text string
	// quoted is true when the token starts with a quote, which keeps a
	// leading dash from being read as a flag.
	quoted bool
}

const tripleBacktick = "```"

var errUnterminatedQuote = errors.New("unterminated quote")

// tokenize splits a command string the way RTR does. Whitespace separates
// arguments. Double quotes, single quotes and triple backticks group text
// and are removed, and a quoted part joins the unquoted text next to it, so
// -CloudFile="x" is one argument. Backslashes are ordinary characters,
// because Windows paths are written with them.
func tokenize(s string) ([]token, error) {
	var (
		toks    []token
		cur     strings.Builder
		inToken bool
		quoted  bool
	)
	flush := func() {
		if inToken {
			toks = append(toks, token{text: cur.String(), quoted: quoted})
		}
		cur.Reset()
		inToken, quoted = false, false
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			flush()
			i++
		case strings.HasPrefix(s[i:], tripleBacktick):
			end := strings.Index(s[i+3:], tripleBacktick)
			if end < 0 {
				return nil, fmt.Errorf("%w: ``` at offset %d is never closed", errUnterminatedQuote, i)
			}
			if !inToken {
				quoted = true
			}
			inToken = true
			cur.WriteString(s[i+3 : i+3+end])
			i += 3 + end + 3
		case c == '"' || c == '\'':
			end := strings.IndexByte(s[i+1:], c)
			if end < 0 {
				return nil, fmt.Errorf("%w: %c at offset %d is never closed", errUnterminatedQuote, c, i)
			}
			if !inToken {
				quoted = true
			}
			inToken = true
			cur.WriteString(s[i+1 : i+1+end])
			i += 1 + end + 1
		default:
			inToken = true
			cur.WriteByte(c)
			i++
		}
	}
	flush()
	return toks, nil
}

// invocation is a tokenized command: base command, sub-command for the
// two-word commands (reg query), positional arguments and -Flag[=value]
// flags.
type invocation struct {
	base      string
	sub       string
	args      []string
	flags     []flag
	foldFlags bool // flag names ignore case (Windows)
}

type flag struct {
	name  string // as typed, without dashes
	value string
	set   bool // the flag had "=value"
}

// subCommands lists the base commands whose second word is a sub-command.
var subCommands = map[string]bool{"reg": true, "eventlog": true, "update": true}

func parseInvocation(toks []token) invocation {
	inv := invocation{base: toks[0].text}
	rest := toks[1:]
	if subCommands[inv.base] && len(rest) > 0 && !rest[0].quoted {
		inv.sub = rest[0].text
		rest = rest[1:]
	}
	for _, t := range rest {
		if t.quoted || len(t.text) < 2 || t.text[0] != '-' {
			inv.args = append(inv.args, t.text)
			continue
		}
		body := strings.TrimPrefix(strings.TrimPrefix(t.text, "-"), "-")
		name, value, set := strings.Cut(body, "=")
		inv.flags = append(inv.flags, flag{name: name, value: value, set: set})
	}
	return inv
}

func (inv invocation) sameName(a, b string) bool {
	if inv.foldFlags {
		return strings.EqualFold(a, b)
	}
	return a == b
}

// flag returns the value of the named flag and whether it was given. The
// last occurrence wins.
func (inv invocation) flag(name string) (string, bool) {
	for i := len(inv.flags) - 1; i >= 0; i-- {
		if inv.sameName(inv.flags[i].name, name) {
			return inv.flags[i].value, true
		}
	}
	return "", false
}

func (inv invocation) hasFlag(names ...string) bool {
	for _, n := range names {
		if _, ok := inv.flag(n); ok {
			return true
		}
	}
	return false
}

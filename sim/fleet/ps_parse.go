package fleet

import (
	"strings"
)

// This file parses the PowerShell subset that runscript -Raw runs on
// Windows hosts: statements separated by newlines or semicolons, pipelines
// joined by |, words with single- and double-quoted strings, backtick
// escapes and line continuation, comma-separated arrays, -Param and
// -Param:value parameters, $env:NAME expansion, and # and <# #> comments.
// Variables, script blocks and expressions are not part of the subset.

// psWord is one argument. values has more than one element for an array
// written with commas (1,2).
type psWord struct {
	values []string
	quoted bool   // the word started with a quote, so it is never a parameter
	param  string // parameter name without the dash, for -Name words
	// attached is set for -Name:value, whose value is values.
	attached bool
}

func (w psWord) text() string { return strings.Join(w.values, ",") }

type psCommand []psWord

type psPipeline []psCommand

// psParseError is a parse error that stops the whole script before it runs,
// as PowerShell does.
type psParseError struct{ message string }

func (e *psParseError) Error() string { return e.message }

type psLexer struct {
	src    string
	i      int
	env    func(string) string
	script []psPipeline
	pipe   psPipeline
	cmd    psCommand
	word   *psWordBuilder
}

type psWordBuilder struct {
	parts  []string
	cur    strings.Builder
	quoted bool
	any    bool // the word has started, even if only with an empty string
}

// parsePowerShell splits a script into pipelines. env resolves $env:NAME.
func parsePowerShell(src string, env func(string) string) ([]psPipeline, error) {
	lx := &psLexer{src: src, env: env}
	for lx.i < len(lx.src) {
		if err := lx.step(); err != nil {
			return nil, err
		}
	}
	lx.endStatement()
	return lx.script, nil
}

func (lx *psLexer) step() error {
	c := lx.src[lx.i]
	switch {
	case c == '#' && lx.word == nil:
		lx.skipLine()
	case strings.HasPrefix(lx.src[lx.i:], "<#") && lx.word == nil:
		end := strings.Index(lx.src[lx.i:], "#>")
		if end < 0 {
			return &psParseError{"Missing closing '#>' in the comment block."}
		}
		lx.i += end + 2
	case c == '\n' || c == ';':
		lx.endStatement()
		lx.i++
	case c == '|':
		lx.endCommand()
		if len(lx.pipe) == 0 || len(lx.pipe[len(lx.pipe)-1]) == 0 {
			return &psParseError{"An empty pipe element is not allowed."}
		}
		lx.i++
	case c == ' ' || c == '\t' || c == '\r':
		lx.endWord()
		lx.i++
	case c == '`':
		lx.escape()
	case c == '\'':
		return lx.singleQuoted()
	case c == '"':
		return lx.doubleQuoted()
	case c == ',' && lx.word != nil && lx.cmdHasName():
		lx.word.parts = append(lx.word.parts, lx.word.cur.String())
		lx.word.cur.Reset()
		lx.i++
	case c == '$':
		lx.start(false)
		lx.variable(&lx.word.cur)
	default:
		lx.start(false)
		lx.word.cur.WriteByte(c)
		lx.i++
	}
	return nil
}

func (lx *psLexer) cmdHasName() bool { return len(lx.cmd) > 0 }

func (lx *psLexer) start(quoted bool) {
	if lx.word == nil {
		lx.word = &psWordBuilder{quoted: quoted}
	}
	lx.word.any = true
}

func (lx *psLexer) skipLine() {
	for lx.i < len(lx.src) && lx.src[lx.i] != '\n' {
		lx.i++
	}
}

// escape handles a backtick: before a line end it continues the line,
// otherwise it escapes the next character (`n and `t are newline and tab).
func (lx *psLexer) escape() {
	lx.i++
	if lx.i >= len(lx.src) {
		return
	}
	next := lx.src[lx.i]
	if next == '\r' && lx.i+1 < len(lx.src) && lx.src[lx.i+1] == '\n' {
		lx.i += 2
		return
	}
	if next == '\n' {
		lx.i++
		return
	}
	lx.start(false)
	lx.word.cur.WriteByte(psEscaped(next))
	lx.i++
}

func psEscaped(c byte) byte {
	switch c {
	case 'n':
		return '\n'
	case 't':
		return '\t'
	case 'r':
		return '\r'
	case '0':
		return 0
	}
	return c
}

func (lx *psLexer) singleQuoted() error {
	lx.start(true)
	lx.i++
	for {
		end := strings.IndexByte(lx.src[lx.i:], '\'')
		if end < 0 {
			return &psParseError{"The string is missing the terminator: '."}
		}
		lx.word.cur.WriteString(lx.src[lx.i : lx.i+end])
		lx.i += end + 1
		if lx.i < len(lx.src) && lx.src[lx.i] == '\'' { // '' is a literal quote
			lx.word.cur.WriteByte('\'')
			lx.i++
			continue
		}
		return nil
	}
}

func (lx *psLexer) doubleQuoted() error {
	lx.start(true)
	lx.i++
	for lx.i < len(lx.src) {
		c := lx.src[lx.i]
		switch {
		case c == '"' && lx.i+1 < len(lx.src) && lx.src[lx.i+1] == '"':
			lx.word.cur.WriteByte('"')
			lx.i += 2
		case c == '"':
			lx.i++
			return nil
		case c == '`' && lx.i+1 < len(lx.src):
			lx.word.cur.WriteByte(psEscaped(lx.src[lx.i+1]))
			lx.i += 2
		case c == '$':
			lx.variable(&lx.word.cur)
		default:
			lx.word.cur.WriteByte(c)
			lx.i++
		}
	}
	return &psParseError{"The string is missing the terminator: \"."}
}

// variable expands $env:NAME and ${env:NAME}. Other variables stay as
// written, because the subset has none.
func (lx *psLexer) variable(out *strings.Builder) {
	rest := lx.src[lx.i:]
	if len(rest) > 6 && strings.EqualFold(rest[:6], "${env:") {
		if end := strings.IndexByte(rest, '}'); end > 0 {
			out.WriteString(lx.env(rest[6:end]))
			lx.i += end + 1
			return
		}
	}
	if len(rest) > 5 && strings.EqualFold(rest[:5], "$env:") {
		n := 5
		for n < len(rest) && isNameChar(rest[n]) {
			n++
		}
		out.WriteString(lx.env(rest[5:n]))
		lx.i += n
		return
	}
	out.WriteByte('$')
	lx.i++
}

func isNameChar(c byte) bool {
	return isASCIILetter(c) || (c >= '0' && c <= '9') || c == '_'
}

func (lx *psLexer) endWord() {
	if lx.word == nil {
		return
	}
	b := lx.word
	lx.word = nil
	values := append(b.parts, b.cur.String())
	w := psWord{values: values, quoted: b.quoted}
	first := values[0]
	if !b.quoted && len(b.parts) == 0 && len(first) > 1 && first[0] == '-' && isASCIILetter(first[1]) {
		name, value, attached := strings.Cut(first[1:], ":")
		w = psWord{param: name}
		if attached {
			w.attached, w.values = true, []string{value}
		}
	}
	lx.cmd = append(lx.cmd, w)
}

func (lx *psLexer) endCommand() {
	lx.endWord()
	lx.pipe = append(lx.pipe, lx.cmd)
	lx.cmd = nil
}

func (lx *psLexer) endStatement() {
	lx.endWord()
	if len(lx.cmd) > 0 {
		lx.pipe = append(lx.pipe, lx.cmd)
	}
	lx.cmd = nil
	if len(lx.pipe) > 0 {
		lx.script = append(lx.script, lx.pipe)
	}
	lx.pipe = nil
}

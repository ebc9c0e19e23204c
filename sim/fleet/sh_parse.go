package fleet

import (
	"fmt"
	"strings"
)

// This file parses the shell subset that runscript -Raw runs on Linux and
// macOS: commands separated by newlines, ; and &, joined by && and ||,
// pipelines, single and double quotes, backslash escapes, $NAME, ${NAME}
// and $? expansion, # comments, and redirections to files or /dev/null.
// Functions, loops, conditionals and command substitution are not part of
// the subset.

// shPart is a piece of a word: literal text or a variable to expand.
type shPart struct {
	text     string
	variable bool
}

type shWord []shPart

// shRedirect is one redirection: fd 1 or 2 to a file (target), or to the
// other descriptor (toFD).
type shRedirect struct {
	fd     int
	target shWord
	toFD   int // 0 unless the form is n>&m
	append bool
}

type shSimple struct {
	words     []shWord
	redirects []shRedirect
	line      int
}

type shPipeline []shSimple

// shList is a chain of pipelines joined by && or ||; ops[i] joins
// pipes[i] and pipes[i+1].
type shList struct {
	pipes []shPipeline
	ops   []string
}

type shLexer struct {
	src    string
	i      int
	line   int
	script []shList

	list   shList
	pipe   shPipeline
	simple shSimple
	word   shWord
	inWord bool
	lit    strings.Builder
	// pending is the redirection waiting for its target word.
	pending *shRedirect
}

// shSyntaxError stops the whole script before it runs.
type shSyntaxError struct{ message string }

func (e *shSyntaxError) Error() string { return e.message }

func parseShell(src string) ([]shList, error) {
	lx := &shLexer{src: src, line: 1}
	for lx.i < len(lx.src) {
		if err := lx.step(); err != nil {
			return nil, err
		}
	}
	lx.endWord()
	if lx.pending != nil {
		return nil, lx.syntaxError("newline")
	}
	lx.endList()
	return lx.script, nil
}

func (lx *shLexer) syntaxError(near string) error {
	return &shSyntaxError{fmt.Sprintf("/bin/bash: line %d: syntax error near unexpected token `%s'", lx.line, near)}
}

func (lx *shLexer) rest() string { return lx.src[lx.i:] }

func (lx *shLexer) step() error {
	c := lx.src[lx.i]
	switch {
	case c == '#' && !lx.inWord:
		for lx.i < len(lx.src) && lx.src[lx.i] != '\n' {
			lx.i++
		}
	case c == '\n':
		if !lx.awaitingOperand() {
			lx.endList()
		}
		lx.line++
		lx.i++
	case strings.HasPrefix(lx.rest(), "&&") || strings.HasPrefix(lx.rest(), "||"):
		op := lx.rest()[:2]
		if err := lx.endPipeline(op); err != nil {
			return err
		}
		lx.list.ops = append(lx.list.ops, op)
		lx.i += 2
	case c == ';' || (c == '&' && !strings.HasPrefix(lx.rest(), "&>")):
		// A trailing & would run the command in the background; the
		// subset runs it in order.
		lx.endList()
		lx.i++
	case c == '|':
		if err := lx.endSimple("|"); err != nil {
			return err
		}
		lx.pipe = append(lx.pipe, lx.simple)
		lx.simple = shSimple{}
		lx.i++
	case c == '>' || c == '<' || strings.HasPrefix(lx.rest(), "&>") || lx.fdRedirect():
		return lx.redirect()
	case c == ' ' || c == '\t' || c == '\r':
		lx.endWord()
		lx.i++
	case c == '\\':
		lx.escape()
	case c == '\'':
		return lx.singleQuoted()
	case c == '"':
		return lx.doubleQuoted()
	case c == '$':
		lx.inWord = true
		lx.variable()
	default:
		lx.inWord = true
		lx.lit.WriteByte(c)
		lx.i++
	}
	return nil
}

// awaitingOperand reports a line that ended in &&, || or |, which bash
// continues on the next line.
func (lx *shLexer) awaitingOperand() bool {
	if lx.inWord || len(lx.simple.words) > 0 {
		return false
	}
	return len(lx.pipe) > 0 || (len(lx.list.ops) > 0 && len(lx.list.ops) == len(lx.list.pipes))
}

// fdRedirect reports a 1> or 2> at the start of a word.
func (lx *shLexer) fdRedirect() bool {
	r := lx.rest()
	return !lx.inWord && len(r) > 1 && (r[0] == '1' || r[0] == '2') && r[1] == '>'
}

func (lx *shLexer) redirect() error {
	lx.endWord()
	r := lx.rest()
	red := shRedirect{fd: 1}
	switch {
	case strings.HasPrefix(r, "&>"):
		red.fd = 3 // both streams
		lx.i += 2
	case r[0] == '<':
		return lx.syntaxError("<")
	case r[0] == '1' || r[0] == '2':
		red.fd = int(r[0] - '0')
		lx.i += 2
	default:
		lx.i++
	}
	if strings.HasPrefix(lx.rest(), ">") {
		red.append = true
		lx.i++
	}
	if r := lx.rest(); len(r) > 1 && r[0] == '&' && (r[1] == '1' || r[1] == '2') {
		red.toFD = int(r[1] - '0')
		lx.i += 2
		lx.simple.redirects = append(lx.simple.redirects, red)
		return nil
	}
	lx.pending = &red
	return nil
}

func (lx *shLexer) escape() {
	lx.i++
	if lx.i >= len(lx.src) {
		return
	}
	if lx.src[lx.i] == '\n' { // line continuation
		lx.line++
		lx.i++
		return
	}
	lx.inWord = true
	lx.lit.WriteByte(lx.src[lx.i])
	lx.i++
}

func (lx *shLexer) unterminated(q byte) error {
	return &shSyntaxError{fmt.Sprintf("/bin/bash: line %d: unexpected EOF while looking for matching `%c'", lx.line, q)}
}

func (lx *shLexer) singleQuoted() error {
	end := strings.IndexByte(lx.src[lx.i+1:], '\'')
	if end < 0 {
		return lx.unterminated('\'')
	}
	lx.inWord = true
	text := lx.src[lx.i+1 : lx.i+1+end]
	lx.lit.WriteString(text)
	lx.line += strings.Count(text, "\n")
	lx.i += end + 2
	return nil
}

func (lx *shLexer) doubleQuoted() error {
	lx.inWord = true
	lx.i++
	for lx.i < len(lx.src) {
		c := lx.src[lx.i]
		switch {
		case c == '"':
			lx.i++
			return nil
		case c == '\\' && lx.i+1 < len(lx.src) && strings.IndexByte("\"\\$`", lx.src[lx.i+1]) >= 0:
			lx.lit.WriteByte(lx.src[lx.i+1])
			lx.i += 2
		case c == '$':
			lx.variable()
		default:
			if c == '\n' {
				lx.line++
			}
			lx.lit.WriteByte(c)
			lx.i++
		}
	}
	return lx.unterminated('"')
}

// variable reads $NAME, ${NAME} or $?; a lone $ is literal.
func (lx *shLexer) variable() {
	r := lx.rest()
	name, n := "", 0
	switch {
	case strings.HasPrefix(r, "${"):
		if end := strings.IndexByte(r, '}'); end > 0 {
			name, n = r[2:end], end+1
		}
	case strings.HasPrefix(r, "$?"):
		name, n = "?", 2
	default:
		n = 1
		for n < len(r) && isNameChar(r[n]) {
			n++
		}
		name = r[1:n]
	}
	if name == "" {
		lx.lit.WriteByte('$')
		lx.i++
		return
	}
	lx.flushLiteral()
	lx.word = append(lx.word, shPart{text: name, variable: true})
	lx.i += n
}

func (lx *shLexer) flushLiteral() {
	if lx.lit.Len() > 0 {
		lx.word = append(lx.word, shPart{text: lx.lit.String()})
		lx.lit.Reset()
	}
}

func (lx *shLexer) endWord() {
	if !lx.inWord {
		return
	}
	lx.flushLiteral()
	w := lx.word
	if len(w) == 0 {
		w = shWord{{text: ""}} // an empty quoted string is still a word
	}
	if lx.pending != nil {
		lx.pending.target = w
		lx.simple.redirects = append(lx.simple.redirects, *lx.pending)
		lx.pending = nil
	} else {
		if len(lx.simple.words) == 0 {
			lx.simple.line = lx.line
		}
		lx.simple.words = append(lx.simple.words, w)
	}
	lx.word, lx.inWord = nil, false
}

func (lx *shLexer) endSimple(next string) error {
	lx.endWord()
	if lx.pending != nil {
		return lx.syntaxError(next)
	}
	if len(lx.simple.words) == 0 {
		return lx.syntaxError(next)
	}
	return nil
}

func (lx *shLexer) endPipeline(next string) error {
	if err := lx.endSimple(next); err != nil {
		return err
	}
	lx.pipe = append(lx.pipe, lx.simple)
	lx.simple = shSimple{}
	lx.list.pipes = append(lx.list.pipes, lx.pipe)
	lx.pipe = nil
	return nil
}

func (lx *shLexer) endList() {
	lx.endWord()
	if len(lx.simple.words) > 0 || len(lx.simple.redirects) > 0 {
		lx.pipe = append(lx.pipe, lx.simple)
	}
	lx.simple = shSimple{}
	if len(lx.pipe) > 0 {
		lx.list.pipes = append(lx.list.pipes, lx.pipe)
	}
	lx.pipe = nil
	if len(lx.list.pipes) > 0 && len(lx.list.pipes) > len(lx.list.ops) {
		lx.script = append(lx.script, lx.list)
	}
	lx.list = shList{}
}

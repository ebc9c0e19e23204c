package sim

import (
	"fmt"
	"sort"
	"strings"

	"github.com/rtrplay/rtrplay/sim/fleet"
)

// The emulator understands a subset of the Falcon Query Language (FQL) for
// host and session filters:
//
//	field:'value'          equal
//	field:['a','b']        equal to any of the values
//	field:*'*web*'         wildcard match, * matches any run of characters
//	field:!'value'         negation; also field:!['a','b'] and field:!*'*x*'
//	field:null             the field has no value; field:!null, it has one
//	field:>'2026-01-01T00:00:00Z'  a range on a time or number field (also
//	                       >=, <, <=); see fql_range.go
//	a+b                    and
//	a,b                    or
//	(a,b)+c                grouping
//
// Anything else is rejected, so that a filter the emulator cannot read
// never silently matches every host. Two readings are deliberately strict
// because the reference does not settle them: '+' and ',' may not be mixed
// without parentheses, since FQL's precedence between them is not
// documented, and values match case-sensitively.
// NOTE: whether the live API compares FQL values case-insensitively is
// unverified.

// fqlValues returns one record's values for a filter field. The parser has
// already checked that the field is one the record type has; a field with
// no value (a null) gives an empty slice.
type fqlValues func(field string) []string

// fqlFields maps each filterable field to the host's values for it.
var fqlFields = map[string]func(fleet.HostInfo) []string{
	"hostname":      func(h fleet.HostInfo) []string { return []string{h.Hostname} },
	"platform_name": func(h fleet.HostInfo) []string { return []string{h.PlatformName} },
	"os_version":    func(h fleet.HostInfo) []string { return []string{h.OSVersion} },
	"tags":          func(h fleet.HostInfo) []string { return h.Tags },
	"status":        func(h fleet.HostInfo) []string { return []string{h.Containment} },
	"device_id":     func(h fleet.HostInfo) []string { return []string{h.AID} },
	"local_ip":      func(h fleet.HostInfo) []string { return []string{h.LocalIP} },
	"external_ip":   func(h fleet.HostInfo) []string { return []string{h.ExternalIP} },
	"first_seen":    func(h fleet.HostInfo) []string { return []string{fqlTimeValue(h.FirstSeen)} },
	"last_seen":     func(h fleet.HostInfo) []string { return []string{fqlTimeValue(h.LastSeen)} },
}

// hostFQLValues gives a host's values to a parsed filter.
func hostFQLValues(h fleet.HostInfo) fqlValues {
	return func(field string) []string { return fqlFields[field](h) }
}

// hostFQLFieldNames lists the fields a host filter may use.
func hostFQLFieldNames() []string {
	names := make([]string, 0, len(fqlFields))
	for name := range fqlFields {
		names = append(names, name)
	}
	return names
}

// fqlExpr is a parsed filter. It asks the record for the values of each
// field it tests, so one parser serves hosts, sessions and any other
// record type.
type fqlExpr interface {
	match(values fqlValues) bool
}

type fqlAnd []fqlExpr

func (a fqlAnd) match(values fqlValues) bool {
	for _, e := range a {
		if !e.match(values) {
			return false
		}
	}
	return true
}

type fqlOr []fqlExpr

func (o fqlOr) match(values fqlValues) bool {
	for _, e := range o {
		if e.match(values) {
			return true
		}
	}
	return false
}

// fqlTerm is one field comparison.
type fqlTerm struct {
	field    string
	negate   bool
	wildcard bool
	// null matches a field that has no value: field:null, or with negate
	// field:!null for one that has a value.
	null   bool
	values []string
}

func (t fqlTerm) match(values fqlValues) bool {
	have := values(t.field)
	if t.null {
		return (len(have) == 0) != t.negate
	}
	found := false
	for _, v := range have {
		for _, want := range t.values {
			if (t.wildcard && globMatch(want, v)) || (!t.wildcard && want == v) {
				found = true
			}
		}
	}
	return found != t.negate
}

// parseFQL parses a host filter. The error names the position and what
// was expected there.
func parseFQL(filter string) (fqlExpr, error) {
	return parseFQLFields(filter, hostFQLFieldNames())
}

// parseFQLFields parses a filter on a record type whose filterable fields
// are fields.
func parseFQLFields(filter string, fields []string) (fqlExpr, error) {
	known := make(map[string]bool, len(fields))
	for _, f := range fields {
		known[f] = true
	}
	p := &fqlParser{src: filter, fields: known}
	e, err := p.expr()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if !p.eof() {
		return nil, p.errorf("unexpected %q", p.src[p.pos])
	}
	return e, nil
}

type fqlParser struct {
	src    string
	pos    int
	fields map[string]bool // the fields the record type has
}

func (p *fqlParser) eof() bool { return p.pos >= len(p.src) }

func (p *fqlParser) peek() byte {
	if p.eof() {
		return 0
	}
	return p.src[p.pos]
}

func (p *fqlParser) skipSpace() {
	for !p.eof() && p.src[p.pos] == ' ' {
		p.pos++
	}
}

func (p *fqlParser) errorf(format string, args ...any) error {
	return fmt.Errorf("invalid filter at character %d: %s", p.pos+1, fmt.Sprintf(format, args...))
}

// expr parses primaries joined by one kind of operator.
func (p *fqlParser) expr() (fqlExpr, error) {
	first, err := p.primary()
	if err != nil {
		return nil, err
	}
	parts := []fqlExpr{first}
	var op byte
	for {
		spaceAt := p.pos
		p.skipSpace()
		c := p.peek()
		if c == 0 || c == ')' {
			break
		}
		if c != '+' && c != ',' {
			if p.pos > spaceAt {
				return nil, p.errorf("expected '+' or ',' between terms, found a space; " +
					"a '+' sent unencoded in a URL query arrives as a space, so encode it as %%2B")
			}
			return nil, p.errorf("expected '+' or ',' after a term, found %q", c)
		}
		if op != 0 && c != op {
			return nil, p.errorf("'+' (and) and ',' (or) are mixed without parentheses; group the terms with ( )")
		}
		op = c
		p.pos++
		next, err := p.primary()
		if err != nil {
			return nil, err
		}
		parts = append(parts, next)
	}
	switch {
	case len(parts) == 1:
		return first, nil
	case op == '+':
		return fqlAnd(parts), nil
	default:
		return fqlOr(parts), nil
	}
}

func (p *fqlParser) primary() (fqlExpr, error) {
	p.skipSpace()
	if p.peek() != '(' {
		return p.term()
	}
	p.pos++
	e, err := p.expr()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.peek() != ')' {
		return nil, p.errorf("expected ')'")
	}
	p.pos++
	return e, nil
}

func (p *fqlParser) term() (fqlExpr, error) {
	start := p.pos
	for !p.eof() && isFieldChar(p.peek()) {
		p.pos++
	}
	field := p.src[start:p.pos]
	if field == "" {
		return nil, p.errorf("expected a field name such as hostname")
	}
	if !p.fields[field] {
		p.pos = start
		return nil, p.errorf("field %q is not supported; use one of %s", field, p.supportedFields())
	}
	if p.peek() != ':' {
		return nil, p.errorf("expected ':' after %s", field)
	}
	p.pos++

	t := fqlTerm{field: field}
	if p.peek() == '!' {
		t.negate = true
		p.pos++
	}
	if c := p.peek(); c == '>' || c == '<' {
		return p.rangeTerm(field, t.negate)
	}
	if p.null() {
		t.null = true
		return t, nil
	}
	if p.peek() == '*' {
		t.wildcard = true
		p.pos++
	}

	var err error
	if p.peek() == '[' {
		if t.wildcard {
			return nil, p.errorf("a wildcard takes one quoted value, not a list")
		}
		t.values, err = p.list()
	} else {
		var v string
		v, err = p.quoted()
		t.values = []string{v}
	}
	if err != nil {
		return nil, err
	}
	return t, nil
}

// list parses ['a','b',...].
func (p *fqlParser) list() ([]string, error) {
	p.pos++ // '['
	var values []string
	for {
		p.skipSpace()
		v, err := p.quoted()
		if err != nil {
			return nil, err
		}
		values = append(values, v)
		p.skipSpace()
		switch p.peek() {
		case ',':
			p.pos++
		case ']':
			p.pos++
			return values, nil
		default:
			return nil, p.errorf("expected ',' or ']' in a value list")
		}
	}
}

// quoted parses a single-quoted value; \' stands for a quote inside it.
func (p *fqlParser) quoted() (string, error) {
	if p.peek() != '\'' {
		return "", p.errorf("expected a value in single quotes, such as 'WIN-01'")
	}
	p.pos++
	var b strings.Builder
	for !p.eof() {
		c := p.src[p.pos]
		switch {
		case c == '\\' && p.pos+1 < len(p.src) && p.src[p.pos+1] == '\'':
			b.WriteByte('\'')
			p.pos += 2
		case c == '\'':
			p.pos++
			return b.String(), nil
		default:
			b.WriteByte(c)
			p.pos++
		}
	}
	return "", p.errorf("unterminated quoted value")
}

func isFieldChar(c byte) bool {
	return c == '_' || c == '.' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

// null consumes the unquoted word null (any case) when it stands as a
// value: gofalcon lists open RTR sessions with deleted_at:NULL.
func (p *fqlParser) null() bool {
	const word = "null"
	end := p.pos + len(word)
	if end > len(p.src) || !strings.EqualFold(p.src[p.pos:end], word) {
		return false
	}
	if end < len(p.src) && isFieldChar(p.src[end]) {
		return false
	}
	p.pos = end
	return true
}

func (p *fqlParser) supportedFields() string {
	names := make([]string, 0, len(p.fields))
	for name := range p.fields {
		names = append(names, name)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// globMatch reports whether s matches pattern, in which * matches any run
// of characters and every other character matches itself.
func globMatch(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, part := range parts[1 : len(parts)-1] {
		i := strings.Index(s, part)
		if i < 0 {
			return false
		}
		s = s[i+len(part):]
	}
	return strings.HasSuffix(s, last)
}

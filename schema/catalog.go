package schema

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
)

//go:embed commands.json
var commandsJSON []byte

// Tier is the RTR permission tier whose endpoint accepts a command.
type Tier int

// The tiers, from least to most privileged.
const (
	TierReadOnly Tier = iota
	TierActiveResponder
	TierAdmin
)

var tierNames = [...]string{"read-only", "active-responder", "admin"}

// String returns the tier's name as the catalog spells it.
func (t Tier) String() string {
	if t < 0 || int(t) >= len(tierNames) {
		return fmt.Sprintf("tier(%d)", int(t))
	}
	return tierNames[t]
}

// ParseTier returns the tier named s.
func ParseTier(s string) (Tier, error) {
	for i, name := range tierNames {
		if s == name {
			return Tier(i), nil
		}
	}
	return 0, fmt.Errorf("unknown tier %q; expected one of %s", s, strings.Join(tierNames[:], ", "))
}

// UnmarshalJSON reads a tier from its name.
func (t *Tier) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	parsed, err := ParseTier(s)
	*t = parsed
	return err
}

// MarshalJSON writes a tier as its name.
func (t Tier) MarshalJSON() ([]byte, error) { return json.Marshal(t.String()) }

// Command is one entry of the catalog.
type Command struct {
	Name        string   `json:"name"`
	Tier        Tier     `json:"tier"`
	Platforms   []string `json:"platforms"`
	Destructive bool     `json:"destructive"`
	// MaxArgs is the most positional arguments the command takes, when
	// HasMaxArgs reports that the catalog sets one. RTR rejects more with error
	// 40012.
	MaxArgs *int `json:"max_args,omitempty"`
	// RequiredFlags are flags the command does not run without, such as
	// -Confirm for restart.
	RequiredFlags []string `json:"required_flags,omitempty"`
	Syntax        string   `json:"syntax"`
}

// HasPlatform reports whether the command exists on platform ("windows",
// "linux" or "mac").
func (c Command) HasPlatform(platform string) bool {
	return slices.Contains(c.Platforms, platform)
}

type adminFlag struct {
	Command string `json:"command"`
	Flag    string `json:"flag"`
	Reason  string `json:"reason"`
}

// Catalog is the RTR command catalog.
type Catalog struct {
	byName     map[string]Command
	adminFlags []adminFlag
}

var (
	loadOnce sync.Once
	loaded   *Catalog
	loadErr  error
)

// Commands returns the catalog embedded in the binary. An error means the
// embedded file is broken, which tests catch before a release.
func Commands() (*Catalog, error) {
	loadOnce.Do(func() { loaded, loadErr = parseCatalog(commandsJSON) })
	return loaded, loadErr
}

func parseCatalog(data []byte) (*Catalog, error) {
	var file struct {
		Commands   []Command   `json:"commands"`
		AdminFlags []adminFlag `json:"flags_needing_admin"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		return nil, fmt.Errorf("parse command catalog: %w", err)
	}
	c := &Catalog{byName: make(map[string]Command, len(file.Commands)), adminFlags: file.AdminFlags}
	for _, cmd := range file.Commands {
		if _, dup := c.byName[cmd.Name]; dup {
			return nil, fmt.Errorf("parse command catalog: command %q listed twice", cmd.Name)
		}
		c.byName[cmd.Name] = cmd
	}
	return c, nil
}

// Names returns every command name in the catalog, sorted.
func (c *Catalog) Names() []string {
	names := make([]string, 0, len(c.byName))
	for name := range c.byName {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// Resolved is a command string matched against the catalog.
type Resolved struct {
	Command
	// BaseCommand is the first word of the command string, which the API
	// takes as base_command (also for two-word commands such as reg query).
	BaseCommand string
	// Tier is the tier of the endpoint the command string must go to. It can
	// be above Command.Tier when a flag needs more privilege, as runscript
	// -Raw does.
	Tier Tier
	// TierReason explains why Tier is above Command.Tier, or is empty.
	TierReason string
}

// Lookup matches commandString against the catalog. A two-word entry such
// as "reg query" wins over its first word. Words are compared without case
// because RTR's base commands are lowercase and users type "Reg Query".
func (c *Catalog) Lookup(commandString string) (Resolved, error) {
	fields := strings.Fields(commandString)
	if len(fields) == 0 {
		return Resolved{}, fmt.Errorf("empty command string")
	}
	base := strings.ToLower(fields[0])
	cmd, ok := Command{}, false
	if len(fields) > 1 {
		cmd, ok = c.byName[base+" "+strings.ToLower(fields[1])]
	}
	if !ok {
		cmd, ok = c.byName[base]
	}
	if !ok {
		return Resolved{}, fmt.Errorf("unknown RTR command %q", fields[0])
	}
	r := Resolved{Command: cmd, BaseCommand: base, Tier: cmd.Tier}
	for _, f := range c.adminFlags {
		if f.Command == base && hasFlag(fields[1:], f.Flag) {
			r.Tier, r.TierReason = TierAdmin, f.Reason
		}
	}
	return r, nil
}

// hasFlag reports whether a word starts with flag followed by "=" or ends
// there, compared without case (RTR flags are case-insensitive).
func hasFlag(words []string, flag string) bool {
	for _, w := range words {
		lw, lf := strings.ToLower(w), strings.ToLower(flag)
		if lw == lf || strings.HasPrefix(lw, lf+"=") {
			return true
		}
	}
	return false
}

// Tokenize splits a command string into words as RTR does: spaces separate
// words, except inside double or single quotes and triple-backtick blocks,
// whose quote characters are removed. A flag such as -Raw=```a b``` stays
// one word.
func Tokenize(command string) []string {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(command); i++ {
		c := command[i]
		switch {
		case strings.HasPrefix(command[i:], "```"):
			end := strings.Index(command[i+3:], "```")
			if end < 0 {
				end = len(command) - i - 3
			}
			cur.WriteString(command[i+3 : i+3+end])
			i += 3 + end + 2
			inWord = true
		case c == '"' || c == '\'':
			end := strings.IndexByte(command[i+1:], c)
			if end < 0 {
				end = len(command) - i - 1
			}
			cur.WriteString(command[i+1 : i+1+end])
			i += end + 1
			inWord = true
		case c == ' ' || c == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}

// PositionalArgs returns the arguments of a resolved command string that
// are not flags: the words after the command's name that do not start
// with "-".
func (r Resolved) PositionalArgs(command string) []string {
	words := Tokenize(command)
	skip := len(strings.Fields(r.Name))
	var args []string
	for i, w := range words {
		if i < skip || strings.HasPrefix(w, "-") {
			continue
		}
		args = append(args, w)
	}
	return args
}

// MissingFlags returns the required flags that a command string lacks.
func (r Resolved) MissingFlags(command string) []string {
	words := Tokenize(command)
	var missing []string
	for _, f := range r.RequiredFlags {
		if !hasFlag(words, f) {
			missing = append(missing, f)
		}
	}
	return missing
}

// HasMaxArgs reports whether the catalog limits the command's positional
// arguments, and MaxArgs then gives the limit.
func (c Command) HasMaxArgs() bool { return c.MaxArgs != nil }

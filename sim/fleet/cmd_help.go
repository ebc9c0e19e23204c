package fleet

import (
	"fmt"
	"sort"
	"strings"
)

// help reads the command table, which names help's own run function, so
// the link is made at init to avoid an initialization cycle.
func init() { commands["help"].run = runHelp }

// runHelp lists the commands that the endpoint's tier may run on this
// platform, one per line in name order, with a command's sub-commands as
// "reg query" lines. With a command name it describes that command.
// NOTE: RTR's help text was never seen; both layouts are the emulator's
// own.
func runHelp(c *call) Result {
	if topic := c.arg(0, ""); topic != "" {
		return c.helpTopic(topic, c.arg(1, ""))
	}
	var lines []string
	for name, spec := range commands {
		if !spec.existsOn(c.h.platform) || c.tier < spec.tier {
			continue
		}
		if spec.subs == nil {
			lines = append(lines, name)
			continue
		}
		for sub, s := range spec.subs {
			if s.existsOn(c.h.platform) && c.tier >= s.tier {
				lines = append(lines, name+" "+sub)
			}
		}
	}
	sort.Strings(lines)
	return stdout(strings.Join(lines, "\n") + "\n")
}

// helpTopic describes one command: its sub-commands, flags, the most
// positional arguments and the least tier.
func (c *call) helpTopic(name, sub string) Result {
	spec, ok := commands[name]
	if ok && sub != "" && spec.subs != nil {
		spec, ok = spec.subs[sub]
		name += " " + sub
	}
	if !ok || !spec.existsOn(c.h.platform) || c.tier < spec.tier {
		return stderr(fmt.Sprintf("help: no help topic for '%s'\n", name))
	}
	var b strings.Builder
	b.WriteString(name + "\n")
	if spec.subs != nil {
		var subs []string
		for s, sp := range spec.subs {
			if sp.existsOn(c.h.platform) && c.tier >= sp.tier {
				subs = append(subs, s)
			}
		}
		sort.Strings(subs)
		fmt.Fprintf(&b, "  Sub-commands: %s\n", strings.Join(subs, ", "))
	}
	a := spec.posix
	if c.h.platform == Windows {
		a = spec.windows
	}
	flags := append(append([]string(nil), a.flags...), a.adminFlags...)
	if len(flags) > 0 {
		fmt.Fprintf(&b, "  Flags: -%s\n", strings.Join(flags, " -"))
	}
	if a.maxArgs < maxArgsUnchecked {
		fmt.Fprintf(&b, "  Arguments: at most %d\n", a.maxArgs)
	}
	fmt.Fprintf(&b, "  Tier: %s\n", spec.tier)
	return stdout(b.String())
}

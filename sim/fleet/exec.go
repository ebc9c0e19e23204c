package fleet

import (
	"fmt"
	"strings"
)

// Per-host error codes and messages that the RTR API puts in a host's
// errors array when it rejects a command before the host runs it.
const (
	codeCommandNotValid = 40006
	codeCommandNotFound = 40007
	codeMaxArgs         = 40012
	codeUnknownFlag     = 40014
	codeCloudFileAbsent = 40412
)

func apiError(code int, message string) Result {
	return Result{ErrCode: code, ErrMessage: message}
}

// call is one command being run, with the host locked.
type call struct {
	h    *Host
	sh   *Shell
	tier Tier
	inv  invocation
}

// Exec runs one command string as RTR would on this host for a command that
// arrived at the endpoint of tier, and returns its result. A nil shell runs
// the command in a fresh session at the root directory, as single-host
// sessions do. Exec is safe for concurrent use: commands on one host run
// one at a time.
func (h *Host) Exec(sh *Shell, tier Tier, commandString string) Result {
	sh = h.shellFor(sh)
	h.materialize()
	if lost, isLost := h.faultBefore(); isLost {
		lost.BaseCommand = firstWord(commandString)
		return lost
	}
	toks, err := tokenize(commandString)
	if err != nil || len(toks) == 0 {
		// NOTE: RTR's response to an unparsable command string is not
		// known. Rejecting it is the reading hardest on a client.
		res := apiError(codeCommandNotValid, "Command is not valid")
		res.BaseCommand = firstWord(commandString)
		return res
	}
	inv := parseInvocation(toks)
	res := h.dispatch(sh, tier, inv, commandString)
	res.BaseCommand = inv.base
	return h.faultAfter(res)
}

func (h *Host) dispatch(sh *Shell, tier Tier, inv invocation, commandString string) Result {
	spec, ok := commands[inv.base]
	if !ok || !spec.existsOn(h.platform) {
		return apiError(codeCommandNotFound, "Command not found")
	}
	if spec.subs != nil {
		sub, ok := spec.subs[inv.sub]
		if !ok || !sub.existsOn(h.platform) {
			return apiError(codeCommandNotValid, "Command is not valid")
		}
		spec = sub
	}
	if tier < spec.tier {
		return apiError(codeCommandNotFound, "Command not found")
	}
	args := spec.posix
	if h.platform == Windows {
		args = spec.windows
	}
	if res, ok := args.validate(h.platform, tier, &inv); !ok {
		return res
	}

	h.mu.Lock()
	defer h.mu.Unlock()
	h.settlePending()
	sh.record(commandString)
	return spec.run(&call{h: h, sh: sh, tier: tier, inv: inv})
}

func firstWord(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	return strings.Trim(f[0], "\"'`")
}

// argSpec lists what a command accepts on one platform family.
type argSpec struct {
	maxArgs int
	flags   []string // accepted flag names, matched without case
	// adminFlags are accepted only at the admin tier; below it RTR rejects
	// them as unrecognized (runscript -Raw and -HostPath).
	adminFlags []string
	// shortFlags are single letters that may be combined (rm -rf).
	shortFlags string
}

// validate checks flags and the number of positional arguments, expanding
// combined short flags in place.
func (a *argSpec) validate(p Platform, tier Tier, inv *invocation) (Result, bool) {
	// Windows flags are PowerShell-style and ignore case; Linux and macOS
	// flags are case-sensitive (ls -l is not ls -L).
	inv.foldFlags = p == Windows
	var expanded []flag
	for _, f := range inv.flags {
		switch {
		case inv.nameIn(a.flags, f.name):
		case inv.nameIn(a.adminFlags, f.name):
			if tier < Admin {
				return apiError(codeUnknownFlag, "Unrecognized flag found: "+f.name), false
			}
		case a.shortFlags != "" && !f.set && allIn(f.name, a.shortFlags):
			for _, r := range f.name {
				expanded = append(expanded, flag{name: string(r)})
			}
			continue
		default:
			return apiError(codeUnknownFlag, "Unrecognized flag found: "+f.name), false
		}
		expanded = append(expanded, f)
	}
	inv.flags = expanded
	if len(inv.args) > a.maxArgs {
		return apiError(codeMaxArgs, fmt.Sprintf("Max args is %d. %d were provided", a.maxArgs, len(inv.args))), false
	}
	return Result{}, true
}

func (inv *invocation) nameIn(list []string, s string) bool {
	for _, x := range list {
		if inv.sameName(x, s) {
			return true
		}
	}
	return false
}

func allIn(s, letters string) bool {
	for _, r := range s {
		if !strings.ContainsRune(letters, r) {
			return false
		}
	}
	return true
}

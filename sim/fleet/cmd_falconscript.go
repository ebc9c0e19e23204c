package fleet

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// FalconScript is a script of CrowdStrike's Falcon script catalogue, by
// its name and the platform it was written for.
type FalconScript struct {
	Name     string
	Platform Platform
}

// FalconScriptStore is a ContentStore that also offers the Falcon script
// catalogue. A store without it has no Falcon scripts, so falconscript
// finds none.
type FalconScriptStore interface {
	FalconScript(aid, name string) (FalconScript, bool)
}

// falconScriptRuns maps each Falcon script of the emulator's catalogue to
// its model, which reads host state and returns a value that falconscript
// prints as JSON. The caller holds h.mu.
var falconScriptRuns = map[string]func(h *Host, input map[string]any) any{
	"GetProcessTree":     fsGetProcessTree,
	"ListScheduledTasks": fsListScheduledTasks,
	"GetShellHistory":    fsGetShellHistory,
	"ListLaunchItems":    fsListLaunchItems,
}

// runFalconscript runs a Falcon script named by -Name with the JSON object
// in -JsonInput, both written as clients write them (in triple back-ticks,
// the JSON also in single quotes). Its output is one line of JSON.
// NOTE: RTR's response to an unknown Falcon script is unverified. The
// emulator returns the 40412 error that runscript -CloudFile returns.
func runFalconscript(c *call) Result {
	raw, _ := c.inv.flag("Name")
	name := unwrapFlagValue(raw)
	if name == "" {
		return stderr("falconscript: -Name is required, for example -Name=```GetProcessTree```\n")
	}
	store, ok := c.h.content.(FalconScriptStore)
	var script FalconScript
	if ok {
		script, ok = store.FalconScript(c.h.info.AID, name)
	}
	if !ok || script.Platform != c.h.platform {
		return apiError(codeCloudFileAbsent, fmt.Sprintf("The file %s could not be found", name))
	}
	input := map[string]any{}
	if rawJSON, given := c.inv.flag("JsonInput"); given {
		if err := json.Unmarshal([]byte(unwrapFlagValue(rawJSON)), &input); err != nil {
			// NOTE: the text for bad -JsonInput was never seen.
			return stderr(fmt.Sprintf("falconscript: -JsonInput is not a JSON object: %v\n", err))
		}
	}
	fn, ok := falconScriptRuns[script.Name]
	if !ok {
		return stderr(fmt.Sprintf("falconscript: %s: not simulated by the rtrplay fleet emulator\n", script.Name))
	}
	out, err := json.Marshal(fn(c.h, input))
	if err != nil {
		panic("fleet: Falcon script output does not encode: " + err.Error())
	}
	return stdout(string(out) + "\n")
}

// unwrapFlagValue strips the back-ticks and quotes that clients put around
// falconscript's flag values.
func unwrapFlagValue(v string) string {
	v = strings.TrimSpace(strings.Trim(v, "`"))
	if len(v) >= 2 && (v[0] == '\'' || v[0] == '"') && v[len(v)-1] == v[0] {
		v = v[1 : len(v)-1]
	}
	return v
}

type fsProcess struct {
	PID         int    `json:"pid"`
	PPID        int    `json:"ppid"`
	Name        string `json:"name"`
	CommandLine string `json:"command_line"`
	User        string `json:"user"`
}

// fsGetProcessTree lists processes, optionally only those whose name
// contains the input's "name".
func fsGetProcessTree(h *Host, input map[string]any) any {
	filter, _ := input["name"].(string)
	procs := []fsProcess{}
	for _, p := range h.sortedProcesses() {
		if filter != "" && !strings.Contains(strings.ToLower(p.name), strings.ToLower(filter)) {
			continue
		}
		procs = append(procs, fsProcess{PID: p.pid, PPID: p.ppid, Name: p.name, CommandLine: p.commandLine, User: p.user})
	}
	return map[string]any{"processes": procs}
}

type fsFileItem struct {
	Name     string `json:"name"`
	Path     string `json:"path"`
	Modified string `json:"modified"`
	Size     int64  `json:"size"`
}

// filesUnder lists the files below dir, or none when it is absent.
func (h *Host) filesUnder(dir string) []fsFileItem {
	items := []fsFileItem{}
	comps, _ := resolvePath(h.platform, rootPath(h.platform), dir)
	n, err := h.fs.lookup(comps)
	if err != nil || !n.dir {
		return items
	}
	h.fs.walk(h.fs.canonical(comps), n, func(sub []string, f *fsNode) {
		if !f.dir {
			items = append(items, fsFileItem{Name: f.name, Path: formatPath(h.platform, sub),
				Modified: f.modified.UTC().Format("2006-01-02T15:04:05Z"), Size: f.size})
		}
	})
	return items
}

// fsListScheduledTasks lists the task files under System32\Tasks.
func fsListScheduledTasks(h *Host, _ map[string]any) any {
	return map[string]any{"tasks": h.filesUnder(`C:\Windows\System32\Tasks`)}
}

type fsHistory struct {
	User  string   `json:"user"`
	Path  string   `json:"path"`
	Lines []string `json:"lines"`
}

// fsGetShellHistory reads every account's bash and zsh history file.
func fsGetShellHistory(h *Host, _ map[string]any) any {
	out := []fsHistory{}
	for _, u := range h.users {
		for _, name := range []string{".bash_history", ".zsh_history"} {
			comps := resolvePosixPath(nil, u.home+"/"+name)
			n, err := h.fs.lookup(comps)
			if err != nil || n.dir {
				continue
			}
			lines := strings.Split(strings.TrimRight(string(n.bytes()), "\n"), "\n")
			out = append(out, fsHistory{User: u.name, Path: formatPath(h.platform, comps), Lines: lines})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return map[string]any{"histories": out}
}

// fsListLaunchItems lists launch agents and daemons, system-wide and per
// user.
func fsListLaunchItems(h *Host, _ map[string]any) any {
	items := h.filesUnder("/Library/LaunchDaemons")
	items = append(items, h.filesUnder("/Library/LaunchAgents")...)
	for _, u := range h.users {
		if strings.HasPrefix(u.home, "/Users/") {
			items = append(items, h.filesUnder(u.home+"/Library/LaunchAgents")...)
		}
	}
	return map[string]any{"items": items}
}

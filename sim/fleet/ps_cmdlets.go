package fleet

import (
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// psCmdlets is the PowerShell subset that runscript -Raw runs on Windows.
var psCmdlets = []*psCmdlet{
	{name: "Get-Process", run: psGetProcess, params: []psParam{
		{name: "Name", kind: psStrings, position: 0, aliases: []string{"ProcessName"}},
		{name: "Id", kind: psInts, position: -1, aliases: []string{"PID"}},
	}},
	{name: "Stop-Process", run: psStopProcess, pipeline: true, params: []psParam{
		{name: "Id", kind: psInts, position: 0},
		{name: "Name", kind: psStrings, position: -1, aliases: []string{"ProcessName"}},
		{name: "Force", kind: psSwitch, position: -1},
		{name: "PassThru", kind: psSwitch, position: -1},
	}},
	{name: "Get-Content", run: psGetContent, params: []psParam{
		{name: "Path", kind: psStrings, position: 0},
		{name: "LiteralPath", kind: psStrings, position: -1, aliases: []string{"PSPath"}},
		{name: "TotalCount", kind: psInt, position: -1, aliases: []string{"First", "Head"}},
		{name: "Tail", kind: psInt, position: -1, aliases: []string{"Last"}},
		{name: "Raw", kind: psSwitch, position: -1},
	}},
	{name: "Remove-Item", run: psRemoveItem, params: []psParam{
		{name: "Path", kind: psStrings, position: 0},
		{name: "LiteralPath", kind: psStrings, position: -1, aliases: []string{"PSPath"}},
		{name: "Force", kind: psSwitch, position: -1},
		{name: "Recurse", kind: psSwitch, position: -1},
	}},
	{name: "Test-Path", run: psTestPath, params: []psParam{
		{name: "Path", kind: psStrings, position: 0},
		{name: "LiteralPath", kind: psStrings, position: -1, aliases: []string{"PSPath"}},
		{name: "PathType", kind: psString, position: -1, aliases: []string{"Type"}},
	}},
	{name: "Get-ItemProperty", run: psGetItemProperty, params: []psParam{
		{name: "Path", kind: psStrings, position: 0},
		{name: "Name", kind: psStrings, position: 1},
		{name: "LiteralPath", kind: psStrings, position: -1, aliases: []string{"PSPath"}},
	}},
	{name: "Remove-ItemProperty", run: psRemoveItemProperty, params: []psParam{
		{name: "Path", kind: psStrings, position: 0},
		{name: "Name", kind: psStrings, position: 1},
		{name: "LiteralPath", kind: psStrings, position: -1, aliases: []string{"PSPath"}},
		{name: "Force", kind: psSwitch, position: -1},
	}},
	{name: "Write-Output", run: psWriteOutput, pipeline: true, params: []psParam{
		{name: "InputObject", kind: psStrings, position: 0, remaining: true},
		{name: "NoEnumerate", kind: psSwitch, position: -1},
	}},
	{name: "Write-Host", run: psWriteHost, params: []psParam{
		{name: "Object", kind: psStrings, position: 0, remaining: true},
		{name: "NoNewline", kind: psSwitch, position: -1},
		{name: "ForegroundColor", kind: psString, position: -1},
		{name: "BackgroundColor", kind: psString, position: -1},
	}},
	{name: "Start-Sleep", run: psStartSleep, params: []psParam{
		{name: "Seconds", kind: psDouble, position: 0},
		{name: "Milliseconds", kind: psInt, position: -1},
	}},
	{name: "Out-Null", run: func(*psRun, psBound, []any) []any { return nil }, pipeline: true},
}

// psAliases are Windows PowerShell 5.1's built-in aliases for the subset.
var psAliases = map[string]string{
	"gps": "get-process", "ps": "get-process",
	"spps": "stop-process", "kill": "stop-process",
	"gc": "get-content", "cat": "get-content", "type": "get-content",
	"ri": "remove-item", "rm": "remove-item", "rmdir": "remove-item", "del": "remove-item",
	"erase": "remove-item", "rd": "remove-item",
	"gp": "get-itemproperty", "rp": "remove-itemproperty",
	"echo": "write-output", "write": "write-output",
	"sleep": "start-sleep",
}

func noProcessNamed(name string) string {
	return fmt.Sprintf("Cannot find a process with the name \"%s\". Verify the process name and call the cmdlet again.", name)
}

func hasWildcard(s string) bool { return strings.ContainsAny(s, "*?[") }

func wildcardMatch(pattern, name string) bool {
	ok, err := path.Match(strings.ToLower(pattern), strings.ToLower(name))
	if err != nil {
		return strings.EqualFold(pattern, name)
	}
	return ok
}

// selectProcesses finds processes by id or name pattern, reporting each id
// or plain name that matches nothing.
func (r *psRun) selectProcesses(b psBound) []*process {
	var out []*process
	seen := map[int]bool{}
	add := func(p *process) {
		if !seen[p.pid] {
			seen[p.pid] = true
			out = append(out, p)
		}
	}
	for _, id := range b["Id"] {
		if p, ok := r.c.h.procs[atoi(id)]; ok {
			add(p)
		} else {
			r.fail(windowsNoPID(atoi(id)))
		}
	}
	for _, name := range b["Name"] {
		found := false
		for _, p := range r.c.h.sortedProcesses() {
			if wildcardMatch(name, processName(p)) {
				add(p)
				found = true
			}
		}
		if !found && !hasWildcard(name) {
			r.fail(noProcessNamed(name))
		}
	}
	return out
}

func psGetProcess(r *psRun, b psBound, _ []any) []any {
	procs := r.c.h.sortedProcesses()
	if b.has("Id") || b.has("Name") {
		procs = r.selectProcesses(b)
	}
	sortProcesses(procs)
	out := make([]any, len(procs))
	for i, p := range procs {
		out[i] = p
	}
	return out
}

func psStopProcess(r *psRun, b psBound, input []any) []any {
	if !b.has("Id") && !b.has("Name") && len(input) == 0 {
		r.fail("Cannot process command because of one or more missing mandatory parameters: Id.")
		return nil
	}
	targets := r.selectProcesses(b)
	for _, o := range input {
		if p, ok := o.(*process); ok {
			targets = append(targets, p)
		}
	}
	var out []any
	for _, p := range targets {
		switch r.c.h.killProcess(p.pid) {
		case nil:
			if b.has("PassThru") {
				out = append(out, p)
			}
		case errNoProcess:
			r.fail(windowsNoPID(p.pid))
		default:
			r.fail(windowsAccessDenied(processName(p), p.pid))
		}
	}
	return out
}

func psPaths(b psBound) []string {
	return append(append([]string(nil), b["Path"]...), b["LiteralPath"]...)
}

func psNotFound(display string) string {
	return fmt.Sprintf("Cannot find path '%s' because it does not exist.", display)
}

func psGetContent(r *psRun, b psBound, _ []any) []any {
	var out []any
	for _, p := range psPaths(b) {
		loc, err := r.resolve(p)
		if err != nil {
			r.fail(err.Error())
			continue
		}
		if loc.registry {
			r.fail("Cannot use interface. The IContentCmdletProvider interface is not implemented by this provider.")
			continue
		}
		n, err := r.c.h.fs.lookup(loc.comps)
		if err != nil {
			r.fail(psNotFound(loc.display))
			continue
		}
		if n.dir {
			r.fail(fmt.Sprintf("Unable to get content because it is a directory: '%s'. Please use 'Get-ChildItem' instead.", loc.display))
			continue
		}
		text := string(n.bytes())
		if b.has("Raw") {
			out = append(out, strings.TrimSuffix(text, "\n"))
			continue
		}
		out = append(out, selectLines(splitLines(text), b)...)
	}
	return out
}

var lineEnd = regexp.MustCompile(`\r?\n`)

func splitLines(text string) []string {
	lines := lineEnd.Split(text, -1)
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

func selectLines(lines []string, b psBound) []any {
	if b.has("TotalCount") {
		lines = lines[:min(len(lines), max(0, atoi(b.first("TotalCount"))))]
	}
	if b.has("Tail") {
		lines = lines[max(0, len(lines)-atoi(b.first("Tail"))):]
	}
	out := make([]any, len(lines))
	for i, l := range lines {
		out[i] = l
	}
	return out
}

func psRemoveItem(r *psRun, b psBound, _ []any) []any {
	for _, p := range psPaths(b) {
		loc, err := r.resolve(p)
		if err != nil {
			r.fail(err.Error())
			continue
		}
		if loc.registry {
			r.removeKey(loc, b.has("Recurse"))
			continue
		}
		r.removeFile(loc, b.has("Recurse"))
	}
	return nil
}

func hasChildren(display string) string {
	return fmt.Sprintf("The item at %s has children and the Recurse parameter was not specified. If you continue, "+
		"all children will be removed with the item. Are you sure you want to continue?", display)
}

func (r *psRun) removeFile(loc psLocation, recurse bool) {
	fs := r.c.h.fs
	n, err := fs.lookup(loc.comps)
	if err != nil {
		r.fail(psNotFound(loc.display))
		return
	}
	if n.dir && len(n.children) > 0 && !recurse {
		r.fail(hasChildren(loc.display))
		return
	}
	switch fs.remove(loc.comps, true, r.c.h.imageInUse) {
	case nil:
	case errFileInUse:
		r.fail(fmt.Sprintf("Cannot remove item %s: The process cannot access the file '%s' because it is being "+
			"used by another process.", loc.display, loc.display))
	default:
		r.fail(fmt.Sprintf("Cannot remove item %s: Access to the path '%s' is denied.", loc.display, loc.display))
	}
}

func (r *psRun) removeKey(loc psLocation, recurse bool) {
	key, _, ok := r.c.h.reg.lookup(loc.hive, loc.subkeys)
	if !ok {
		r.fail(psNotFound(loc.display))
		return
	}
	if len(key.subkeys) > 0 && !recurse {
		r.fail(hasChildren(loc.display))
		return
	}
	if !r.c.h.reg.deleteKey(loc.hive, loc.subkeys) {
		r.fail(fmt.Sprintf("Cannot remove item %s: Requested registry access is not allowed.", loc.display))
	}
}

func psTestPath(r *psRun, b psBound, _ []any) []any {
	var out []any
	want := strings.ToLower(b.first("PathType"))
	for _, p := range psPaths(b) {
		loc, err := r.resolve(p)
		exists, container := false, false
		switch {
		case err != nil:
		case loc.registry:
			_, _, exists = r.c.h.reg.lookup(loc.hive, loc.subkeys)
			container = true
		default:
			n, err := r.c.h.fs.lookup(loc.comps)
			exists, container = err == nil, err == nil && n.dir
		}
		switch want {
		case "leaf":
			exists = exists && !container
		case "container":
			exists = exists && container
		}
		out = append(out, exists)
	}
	return out
}

func psWriteOutput(_ *psRun, b psBound, input []any) []any {
	out := append([]any(nil), input...)
	for _, v := range b["InputObject"] {
		out = append(out, v)
	}
	return out
}

func psWriteHost(_ *psRun, b psBound, _ []any) []any {
	text := strings.Join(b["Object"], " ")
	if !b.has("NoNewline") {
		text += "\n"
	}
	return []any{psHostText(text)}
}

func psStartSleep(r *psRun, b psBound, _ []any) []any {
	var d time.Duration
	switch {
	case b.has("Seconds"):
		secs, _ := strconv.ParseFloat(b.first("Seconds"), 64) // checked by bind
		d = time.Duration(secs * float64(time.Second))
	case b.has("Milliseconds"):
		d = time.Duration(atoi(b.first("Milliseconds"))) * time.Millisecond
	default:
		r.fail("Cannot process command because of one or more missing mandatory parameters: Seconds.")
		return nil
	}
	r.out.sleep(d)
	return nil
}

package fleet

import (
	"fmt"
	"strconv"
	"strings"
)

// shRun is one runscript -Raw execution of the shell subset.
type shRun struct {
	c      *call
	out    *scriptOutput
	cwd    []string // the script's own directory; cd in a script leaves the session's alone
	status int      // $?
	exited bool     // the script ran exit
}

// shResult is the output and exit status of one command.
type shResult struct {
	stdout, stderr string
	status         int
}

// shBuiltin is a command of the subset. Builtins prefix their errors with
// "/bin/bash: line N:", external programs do not.
type shBuiltin struct {
	builtin bool
	run     func(r *shRun, args []string, stdin string, line int) shResult
}

var shCommands map[string]shBuiltin

func init() {
	// Set in init because the commands refer to the table through shRun.
	shCommands = map[string]shBuiltin{
		"echo":  {builtin: true, run: shEcho},
		"kill":  {builtin: true, run: shKill},
		"exit":  {builtin: true, run: shExit},
		"true":  {builtin: true, run: func(*shRun, []string, string, int) shResult { return shResult{} }},
		"false": {builtin: true, run: func(*shRun, []string, string, int) shResult { return shResult{status: 1} }},
		":":     {builtin: true, run: func(*shRun, []string, string, int) shResult { return shResult{} }},
		"cat":   {run: shCat},
		"rm":    {run: shRm},
		"ps":    {run: shPs},
		"sleep": {run: shSleep},
		"cd":    {builtin: true, run: shCd},
		"pwd":   {builtin: true, run: shPwd},
	}
}

// runBash runs a script in the shell subset. A syntax error stops it before
// any command runs.
func (c *call) runBash(script string, out *scriptOutput) {
	lists, err := parseShell(script)
	if err != nil {
		out.stderr.WriteString(err.Error() + "\n")
		return
	}
	r := &shRun{c: c, out: out, cwd: c.sh.dir()}
	for _, l := range lists {
		if out.timedOut || r.exited {
			return
		}
		r.runList(l)
	}
}

func (r *shRun) runList(l shList) {
	r.status = r.runPipeline(l.pipes[0])
	for i, op := range l.ops {
		if r.exited || r.out.timedOut {
			return
		}
		if (op == "&&") != (r.status == 0) {
			continue
		}
		r.status = r.runPipeline(l.pipes[i+1])
	}
}

func (r *shRun) runPipeline(p shPipeline) int {
	stdin, status := "", 0
	for i, s := range p {
		res := r.runSimple(s, stdin)
		status = res.status
		if i == len(p)-1 {
			r.out.stdout.WriteString(res.stdout)
		}
		stdin = res.stdout
	}
	return status
}

func (r *shRun) expand(w shWord) string {
	var b strings.Builder
	for _, part := range w {
		switch {
		case !part.variable:
			b.WriteString(part.text)
		case part.text == "?":
			b.WriteString(strconv.Itoa(r.status))
		default:
			v, _ := r.c.h.envLookup(part.text)
			b.WriteString(v)
		}
	}
	return b.String()
}

// runSimple runs one command and applies its redirections. stderr is
// written at once; stdout is returned for the pipeline.
func (r *shRun) runSimple(s shSimple, stdin string) shResult {
	var res shResult
	if len(s.words) > 0 {
		args := make([]string, len(s.words))
		for i, w := range s.words {
			args[i] = r.expand(w)
		}
		cmd, ok := shCommands[args[0]]
		switch {
		case !ok:
			res = shResult{stderr: fmt.Sprintf("/bin/bash: line %d: %s: command not found\n", s.line, args[0]), status: 127}
		default:
			res = cmd.run(r, args[1:], stdin, s.line)
			if cmd.builtin && res.stderr != "" {
				res.stderr = prefixLines(res.stderr, fmt.Sprintf("/bin/bash: line %d: ", s.line))
			}
		}
	}
	stdout, stderr := r.redirect(s, res)
	r.out.stderr.WriteString(stderr)
	res.stdout = stdout
	return res
}

func prefixLines(text, prefix string) string {
	lines := strings.SplitAfter(text, "\n")
	var b strings.Builder
	for _, l := range lines {
		if l != "" {
			b.WriteString(prefix + l)
		}
	}
	return b.String()
}

// shSink is the destination of an output stream.
type shSink struct {
	kind   shSinkKind
	path   string // sinkFile only
	append bool
}

type shSinkKind int

const (
	sinkPipe   shSinkKind = iota // stdout of the pipeline
	sinkStderr                   // the script's stderr
	sinkNull                     // /dev/null
	sinkFile
)

// redirect routes a command's output through its redirections, left to
// right as bash applies them, writing files into the host's file system.
func (r *shRun) redirect(s shSimple, res shResult) (stdout, stderr string) {
	sinks := [3]shSink{1: {kind: sinkPipe}, 2: {kind: sinkStderr}}
	for _, red := range s.redirects {
		sink := sinks[red.toFD]
		if red.toFD == 0 {
			path := r.expand(red.target)
			sink = shSink{kind: sinkFile, path: path, append: red.append}
			if path == "/dev/null" {
				sink = shSink{kind: sinkNull}
			}
		}
		if red.fd == 3 {
			sinks[1], sinks[2] = sink, sink
		} else {
			sinks[red.fd] = sink
		}
	}
	var order []string
	files := map[string]*strings.Builder{}
	appendMode := map[string]bool{}
	route := func(sink shSink, text string) {
		switch sink.kind {
		case sinkPipe:
			stdout += text
		case sinkStderr:
			stderr += text
		case sinkFile:
			if files[sink.path] == nil {
				files[sink.path] = &strings.Builder{}
				appendMode[sink.path] = sink.append
				order = append(order, sink.path)
			}
			files[sink.path].WriteString(text)
		}
	}
	route(sinks[1], res.stdout)
	route(sinks[2], res.stderr)
	for _, path := range order {
		if msg := r.writeFile(path, files[path].String(), appendMode[path]); msg != "" {
			stderr += fmt.Sprintf("/bin/bash: line %d: %s\n", s.line, msg)
		}
	}
	return stdout, stderr
}

// writeFile creates or extends a file for a redirection and returns bash's
// message on failure.
func (r *shRun) writeFile(path, content string, appendTo bool) string {
	fs := r.c.h.fs
	comps := resolvePosixPath(r.cwd, path)
	existing, err := fs.lookup(comps)
	switch {
	case err == nil && existing.dir:
		return path + ": Is a directory"
	case err == nil && appendTo:
		content = string(existing.bytes()) + content
	}
	if _, err := fs.lookup(comps[:max(0, len(comps)-1)]); err != nil || len(comps) == 0 {
		return path + ": No such file or directory"
	}
	now := r.c.h.now()
	n := &fsNode{content: []byte(content), size: int64(len(content)), modified: now, created: now,
		mode: 0o644, owner: "root", group: "root"}
	if existing != nil {
		n.created = existing.created
	}
	if err := fs.putFile(comps, n); err != nil {
		return path + ": " + err.Error()
	}
	return ""
}

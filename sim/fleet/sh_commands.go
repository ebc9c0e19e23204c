package fleet

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// shSignals are the signal names kill accepts, with or without SIG.
var shSignals = map[string]bool{"0": true, "1": true, "2": true, "3": true, "9": true, "15": true,
	"HUP": true, "INT": true, "QUIT": true, "KILL": true, "TERM": true, "USR1": true, "USR2": true}

// shKill is bash's kill builtin. Any signal but 0 stops the process;
// signal 0 only checks that it exists.
func shKill(r *shRun, args []string, _ string, _ int) shResult {
	signal := "TERM"
	if len(args) > 0 && args[0] == "-s" && len(args) > 1 {
		signal, args = args[1], args[2:]
	} else if len(args) > 0 && len(args[0]) > 1 && args[0][0] == '-' {
		signal, args = args[0][1:], args[1:]
	}
	signal = strings.TrimPrefix(strings.ToUpper(signal), "SIG")
	if !shSignals[signal] {
		return shResult{stderr: fmt.Sprintf("kill: %s: invalid signal specification\n", signal), status: 1}
	}
	if len(args) == 0 {
		return shResult{stderr: "kill: usage: kill [-s sigspec | -n signum | -sigspec] pid | jobspec ... or kill -l [sigspec]\n", status: 2}
	}
	var res shResult
	for _, a := range args {
		pid, err := strconv.Atoi(a)
		if err != nil {
			res.stderr += fmt.Sprintf("kill: %s: arguments must be process or job IDs\n", a)
			res.status = 1
			continue
		}
		if signal == "0" {
			if _, ok := r.c.h.procs[pid]; !ok {
				res.stderr += fmt.Sprintf("kill: (%d) - No such process\n", pid)
				res.status = 1
			}
			continue
		}
		switch r.c.h.killProcess(pid) {
		case errNoProcess:
			res.stderr += fmt.Sprintf("kill: (%d) - No such process\n", pid)
			res.status = 1
		case errAccessDenied:
			res.stderr += fmt.Sprintf("kill: (%d) - Operation not permitted\n", pid)
			res.status = 1
		}
	}
	return res
}

// shCat is cat: files in order, stdin for no operand or "-".
func shCat(r *shRun, args []string, stdin string, _ int) shResult {
	var res shResult
	var files []string
	number := false
	for _, a := range args {
		if a == "-n" {
			number = true
		} else {
			files = append(files, a)
		}
	}
	if len(files) == 0 {
		files = []string{"-"}
	}
	var b strings.Builder
	for _, f := range files {
		if f == "-" {
			b.WriteString(stdin)
			continue
		}
		n, err := r.c.h.fs.lookup(resolvePosixPath(r.cwd, f))
		switch {
		case err != nil:
			res.stderr += fmt.Sprintf("cat: %s: %s\n", f, posixReason(err))
			res.status = 1
		case n.dir:
			res.stderr += fmt.Sprintf("cat: %s: Is a directory\n", f)
			res.status = 1
		default:
			b.Write(n.bytes())
		}
	}
	res.stdout = b.String()
	if number {
		res.stdout = numberLines(res.stdout)
	}
	return res
}

// shRm is coreutils rm with -r, -R, -f and -d, combined or apart.
func shRm(r *shRun, args []string, _ string, _ int) shResult {
	var recursive, force, dirs bool
	var operands []string
	options := true
	for _, a := range args {
		switch {
		case options && a == "--":
			options = false
		case options && (a == "--recursive" || a == "--force" || a == "--dir"):
			recursive = recursive || a == "--recursive"
			force = force || a == "--force"
			dirs = dirs || a == "--dir"
		case options && len(a) > 1 && a[0] == '-':
			for _, f := range a[1:] {
				switch f {
				case 'r', 'R':
					recursive = true
				case 'f':
					force = true
				case 'd':
					dirs = true
				default:
					return shResult{stderr: fmt.Sprintf("rm: invalid option -- '%c'\nTry 'rm --help' for more information.\n", f), status: 1}
				}
			}
		default:
			operands = append(operands, a)
		}
	}
	if len(operands) == 0 && !force {
		return shResult{stderr: "rm: missing operand\nTry 'rm --help' for more information.\n", status: 1}
	}
	var res shResult
	for _, op := range operands {
		if msg := r.removeOperand(op, recursive, force, dirs); msg != "" {
			res.stderr += msg
			res.status = 1
		}
	}
	return res
}

func (r *shRun) removeOperand(op string, recursive, force, dirs bool) string {
	fs := r.c.h.fs
	comps := resolvePosixPath(r.cwd, op)
	n, err := fs.lookup(comps)
	if err != nil {
		if force {
			return ""
		}
		return fmt.Sprintf("rm: cannot remove '%s': %s\n", op, posixReason(err))
	}
	if len(comps) == 0 {
		return "rm: it is dangerous to operate recursively on '/'\nrm: use --no-preserve-root to override this failsafe\n"
	}
	emptyDirOK := n.dir && dirs && len(n.children) == 0
	switch fs.remove(comps, recursive || emptyDirOK, nil) {
	case nil:
		return ""
	case errNotEmpty:
		if dirs {
			return fmt.Sprintf("rm: cannot remove '%s': Directory not empty\n", op)
		}
	}
	return fmt.Sprintf("rm: cannot remove '%s': Is a directory\n", op)
}

func shEcho(_ *shRun, args []string, _ string, _ int) shResult {
	newline, escapes := true, false
	for len(args) > 0 && (args[0] == "-n" || args[0] == "-e" || args[0] == "-E") {
		switch args[0] {
		case "-n":
			newline = false
		case "-e":
			escapes = true
		case "-E":
			escapes = false
		}
		args = args[1:]
	}
	text := strings.Join(args, " ")
	if escapes {
		text = strings.NewReplacer(`\n`, "\n", `\t`, "\t", `\\`, `\`).Replace(text)
	}
	if newline {
		text += "\n"
	}
	return shResult{stdout: text}
}

func shExit(r *shRun, args []string, _ string, _ int) shResult {
	r.exited = true
	status := r.status
	if len(args) > 0 {
		n, err := strconv.Atoi(args[0])
		if err != nil {
			return shResult{stderr: fmt.Sprintf("exit: %s: numeric argument required\n", args[0]), status: 2}
		}
		status = n & 0xff
	}
	return shResult{status: status}
}

func shPs(r *shRun, _ []string, _ string, _ int) shResult {
	// NOTE: every ps form (ps, ps aux, ps -ef) prints the ps -ef layout.
	return shResult{stdout: r.c.h.posixPs()}
}

// shSleep adds each NUMBER[smhd] operand to the script's run time.
func shSleep(r *shRun, args []string, _ string, _ int) shResult {
	if len(args) == 0 {
		return shResult{stderr: "sleep: missing operand\nTry 'sleep --help' for more information.\n", status: 1}
	}
	var total time.Duration
	for _, a := range args {
		unit := time.Second
		num := a
		if n := len(a); n > 0 {
			switch a[n-1] {
			case 's':
				num = a[:n-1]
			case 'm':
				unit, num = time.Minute, a[:n-1]
			case 'h':
				unit, num = time.Hour, a[:n-1]
			case 'd':
				unit, num = 24*time.Hour, a[:n-1]
			}
		}
		v, err := strconv.ParseFloat(num, 64)
		if err != nil || v < 0 {
			return shResult{stderr: fmt.Sprintf("sleep: invalid time interval '%s'\nTry 'sleep --help' for more information.\n", a), status: 1}
		}
		total += time.Duration(v * float64(unit))
	}
	r.out.sleep(total)
	return shResult{}
}

// shCd is the cd builtin. It changes the script's directory only, as a cd
// inside a child bash does.
func shCd(r *shRun, args []string, _ string, _ int) shResult {
	target := "/root"
	if home, ok := r.c.h.envLookup("HOME"); ok {
		target = home
	}
	if len(args) > 0 {
		target = args[0]
	}
	comps := resolvePosixPath(r.cwd, target)
	n, err := r.c.h.fs.lookup(comps)
	if err == nil && !n.dir {
		err = errNotDir
	}
	if err != nil {
		return shResult{stderr: fmt.Sprintf("cd: %s: %s\n", target, posixReason(err)), status: 1}
	}
	r.cwd = r.c.h.fs.canonical(comps)
	return shResult{}
}

func shPwd(r *shRun, _ []string, _ string, _ int) shResult {
	return shResult{stdout: formatPath(r.c.h.platform, r.cwd) + "\n"}
}

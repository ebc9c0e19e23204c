package fleet

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestShellSubset(t *testing.T) {
	tests := []struct {
		name       string
		script     string
		wantStdout string
		wantStderr string
	}{
		{"echo", "echo hello   world", "hello world\n", ""},
		{"echo -n", "echo -n x", "x", ""},
		{"quotes", `echo 'a  b' "c  d" e\ f`, "a  b c  d e f\n", ""},
		{"variables", `echo "$HOSTNAME" ${USER} '$HOME'`, "lnx-web-01 root $HOME\n", ""},
		{"status", "false; echo $?; true; echo $?", "1\n0\n", ""},
		{"and or", "false && echo no || echo yes", "yes\n", ""},
		{"and continues on next line", "true &&\necho next", "next\n", ""},
		{"comment", "# nothing\necho a # trailing", "a\n", ""},
		{"cat", "cat /etc/hostname", "lnx-web-01\n", ""},
		{"cat missing", "cat /nope", "", "cat: /nope: No such file or directory\n"},
		{"pipe into cat", "echo piped | cat", "piped\n", ""},
		{"unknown command with line", "echo a\nvendorctl status", "a\n", "/bin/bash: line 2: vendorctl: command not found\n"},
		{"kill missing", "kill 99999", "", "/bin/bash: line 1: kill: (99999) - No such process\n"},
		{"kill bad signal", "kill -FOO 1", "", "/bin/bash: line 1: kill: FOO: invalid signal specification\n"},
		{"kill bad pid", "kill -9 abc", "", "/bin/bash: line 1: kill: abc: arguments must be process or job IDs\n"},
		{"kill init", "kill -9 1", "", "/bin/bash: line 1: kill: (1) - Operation not permitted\n"},
		{"kill 0 checks only", "kill -0 1 && echo alive", "alive\n", ""},
		{"rm missing", "rm /nope", "", "rm: cannot remove '/nope': No such file or directory\n"},
		{"rm missing operand", "rm", "", "rm: missing operand\nTry 'rm --help' for more information.\n"},
		{"stderr to null", "cat /nope 2>/dev/null; echo ok", "ok\n", ""},
		{"stderr into stdout", "cat /nope 2>&1", "cat: /nope: No such file or directory\n", ""},
		{"redirect to file", "echo saved > /tmp/out.txt; cat /tmp/out.txt; echo more >> /tmp/out.txt; cat /tmp/out.txt",
			"saved\nsaved\nmore\n", ""},
		{"exit stops", "echo a; exit 3; echo b", "a\n", ""},
		{"unterminated quote", "echo 'a", "", "/bin/bash: line 1: unexpected EOF while looking for matching `''\n"},
		{"syntax error", "| cat", "", "/bin/bash: line 1: syntax error near unexpected token `|'\n"},
		{"ps", "ps -ef", "UID        PID  PPID  C STIME TTY          TIME CMD\n", ""},
		{"cd in script", "cd /etc && pwd && cat hostname", "/etc\nlnx-web-01\n", ""},
		{"cd missing", "cd /nope", "", "/bin/bash: line 1: cd: /nope: No such file or directory\n"},
		{"sleep bad", "sleep soon", "", "sleep: invalid time interval 'soon'\nTry 'sleep --help' for more information.\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, sh := demoHost(t, FleetDemo, "lnx-web-01")
			res := run(t, h, sh, raw(tc.script))
			if res.Stderr != tc.wantStderr {
				t.Errorf("stderr %q, want %q", res.Stderr, tc.wantStderr)
			}
			if tc.name == "ps" {
				if !strings.HasPrefix(res.Stdout, tc.wantStdout) {
					t.Errorf("stdout %q, want the ps -ef header first", res.Stdout)
				}
				return
			}
			if res.Stdout != tc.wantStdout {
				t.Errorf("stdout %q, want %q", res.Stdout, tc.wantStdout)
			}
			if sh.Cwd() != "/" {
				t.Errorf("the script moved the session to %q", sh.Cwd())
			}
		})
	}
}

func TestShellChangesState(t *testing.T) {
	for _, host := range []string{"lnx-web-01", "mac-ceo-02"} {
		t.Run(host, func(t *testing.T) {
			h, sh := demoHost(t, FleetOutbreak, host)
			h.mu.Lock()
			h.procs[4242] = &process{pid: 4242, ppid: 1, name: "miner", commandLine: "/tmp/miner -o pool", user: "root"}
			h.conns = append(h.conns, &connection{proto: "TCP", local: "192.0.2.99:40000", remote: ImplantC2, state: stateEstablished, pid: 4242})
			h.mu.Unlock()
			res := run(t, h, sh, raw("kill -9 4242 && rm -rf /tmp && echo cleaned; sleep 0.5 2s"))
			if res.Stdout != "cleaned\n" || res.Stderr != "" || res.Duration != 2500*time.Millisecond {
				t.Errorf("stdout %q stderr %q duration %v", res.Stdout, res.Stderr, res.Duration)
			}
			if strings.Contains(runOK(t, h, sh, "ps"), "/tmp/miner") {
				t.Error("the killed process still runs")
			}
			if strings.Contains(runOK(t, h, sh, "netstat"), "192.0.2.99:40000") {
				t.Error("the killed process's connection is still open")
			}
			if run(t, h, sh, "ls /tmp").Stderr == "" {
				t.Error("/tmp survived rm -rf")
			}
		})
	}
}

func TestShellScriptKillsByPIDFromPs(t *testing.T) {
	h, sh := demoHost(t, FleetDemo, "lnx-db-02")
	pid := posixPIDOf(runOK(t, h, sh, "ps"), "postgres: checkpointer")
	runOK(t, h, sh, raw("kill "+strconv.Itoa(pid)))
	if posixPIDOf(runOK(t, h, sh, "ps"), "postgres: checkpointer") != -1 {
		t.Errorf("checkpointer %d still runs", pid)
	}
}

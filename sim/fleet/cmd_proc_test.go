package fleet

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestWindowsPsShape(t *testing.T) {
	h, sh := demoHost(t, FleetDemo, "WIN-FIN-01")
	out := runOK(t, h, sh, "ps")
	if !strings.HasPrefix(out, "\nName ") {
		t.Errorf("ps does not start with a blank line and the Name header: %q", out[:min(len(out), 40)])
	}
	tb := parseTable(t, out)
	wantHeader := []string{"Name", "Id", "Start Time (UTC-5)", "User Time", "Kernel Time", "WorkingSet(MB)", "Path"}
	if strings.Join(tb.header, "|") != strings.Join(wantHeader, "|") {
		t.Errorf("header = %q, want %q", tb.header, wantHeader)
	}
	implant := implantPID(t, h)
	if got := windowsPIDOf(t, out, "updater64"); got != implant {
		t.Errorf("ps Id of updater64 = %d, want the implant's PID %d", got, implant)
	}
	var sawSpaceName, sawProtected bool
	for _, r := range tb.rows {
		if _, err := strconv.Atoi(r["Id"]); err != nil {
			t.Errorf("row %v: Id is not a number", r)
		}
		switch r["Name"] {
		case "Memory Compression":
			sawSpaceName = true
		case "lsass":
			sawProtected = r["Path"] == ""
		case "updater64":
			if r["Path"] != ImplantPath {
				t.Errorf("implant path = %q, want %q", r["Path"], ImplantPath)
			}
		}
	}
	if !sawSpaceName {
		t.Error("no process name with a space (Memory Compression) in ps")
	}
	if !sawProtected {
		t.Error("lsass, a protected process, shows a path")
	}
	for _, name := range []string{"System", "smss", "csrss", "wininit", "services", "lsass", "svchost", "explorer", "CSFalconService"} {
		if windowsPIDOf(t, out, name) < 0 {
			t.Errorf("ps lacks %s", name)
		}
	}
	for i := 1; i < len(tb.rows); i++ {
		if strings.ToLower(tb.rows[i-1]["Name"]) > strings.ToLower(tb.rows[i]["Name"]) {
			t.Errorf("ps not sorted by name: %s before %s", tb.rows[i-1]["Name"], tb.rows[i]["Name"])
		}
	}
}

func TestCleanHostHasNoImplant(t *testing.T) {
	h, sh := demoHost(t, FleetClean, "WIN-FIN-01")
	if pid := windowsPIDOf(t, runOK(t, h, sh, "ps"), "updater64"); pid != -1 {
		t.Errorf("clean WIN-FIN-01 runs updater64 as %d", pid)
	}
}

func TestPosixPsShape(t *testing.T) {
	for _, host := range []string{"lnx-web-01", "lnx-db-02", "mac-dev-01"} {
		t.Run(host, func(t *testing.T) {
			h, sh := demoHost(t, FleetDemo, host)
			out := runOK(t, h, sh, "ps")
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			if lines[0] != "UID        PID  PPID  C STIME TTY          TIME CMD" {
				t.Errorf("header = %q", lines[0])
			}
			row := regexp.MustCompile(`^\S+ +\d+ +\d+ +\d+ \S+ +\S+ +(\d+-)?\d\d:\d\d:\d\d .+$`)
			for _, l := range lines[1:] {
				if !row.MatchString(l) {
					t.Errorf("row does not match ps -ef layout: %q", l)
				}
			}
			if !strings.Contains(out, "falcond") {
				t.Error("ps lacks falcond")
			}
			if posixPIDOf(out, "/sbin/") != 1 && host != "lnx-db-02" {
				t.Errorf("PID 1 is not init")
			}
		})
	}
}

func TestKillThenPsAndNetstat(t *testing.T) {
	for _, fleetName := range []string{FleetDemo, FleetOutbreak} {
		h, sh := demoHost(t, fleetName, "WIN-FIN-01")
		pid := implantPID(t, h)
		if !strings.Contains(runOK(t, h, sh, "netstat"), ImplantC2) {
			t.Fatalf("netstat lacks the C2 connection before kill")
		}
		if got := runOK(t, h, sh, "kill "+strconv.Itoa(pid)); got != "" {
			t.Errorf("kill printed %q, want nothing", got)
		}
		if got := windowsPIDOf(t, runOK(t, h, sh, "ps"), "updater64"); got != -1 {
			t.Errorf("updater64 still in ps as %d after kill", got)
		}
		if strings.Contains(runOK(t, h, sh, "netstat"), ImplantC2) {
			t.Errorf("netstat still shows the C2 connection after kill")
		}
		res := run(t, h, sh, "kill "+strconv.Itoa(pid))
		if want := "Cannot find a process with the process identifier " + strconv.Itoa(pid) + "."; res.Stderr != want {
			t.Errorf("second kill: stderr %q, want %q", res.Stderr, want)
		}
	}
}

func TestKillPosixThenPs(t *testing.T) {
	h, sh := demoHost(t, FleetDemo, "lnx-web-01")
	pid := posixPIDOf(runOK(t, h, sh, "ps"), "nginx: worker process")
	runOK(t, h, sh, "kill "+strconv.Itoa(pid))
	if posixPIDOf(runOK(t, h, sh, "ps"), "nginx: worker process") == pid {
		t.Errorf("PID %d still listed after kill", pid)
	}
}

func TestKillErrors(t *testing.T) {
	tests := []struct {
		name, host, command, want string
	}{
		{"windows unknown pid", "WIN-FIN-01", "kill 7", "Cannot find a process with the process identifier 7."},
		{"windows bad pid", "WIN-FIN-01", "kill abc", `Cannot bind parameter 'Id'. Cannot convert value "abc" to type "System.Int32". Error: "Input string was not in a correct format."`},
		{"windows no pid", "WIN-FIN-01", "kill", "Cannot bind argument to parameter 'Id' because it is null."},
		{"windows protected", "WIN-FIN-01", "kill 4", `Cannot stop process "System (4)" because of the following error: Access is denied`},
		{"linux unknown pid", "lnx-db-02", "kill 99999", "kill: (99999) - No such process\n"},
		{"linux bad pid", "lnx-db-02", "kill x1", "kill: x1: arguments must be process or job IDs\n"},
		{"linux init", "lnx-db-02", "kill 1", "kill: (1) - Operation not permitted\n"},
		{"mac unknown pid", "mac-dev-01", "kill 99999", "kill: (99999) - No such process\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, sh := demoHost(t, FleetDemo, tc.host)
			res := run(t, h, sh, tc.command)
			if res.Stderr != tc.want || res.Stdout != "" {
				t.Errorf("stdout %q stderr %q, want stderr %q", res.Stdout, res.Stderr, tc.want)
			}
		})
	}
}

func TestKillSensorDenied(t *testing.T) {
	h, sh := demoHost(t, FleetDemo, "WIN-HR-02")
	pid := windowsPIDOf(t, runOK(t, h, sh, "ps"), "CSFalconService")
	res := run(t, h, sh, "kill "+strconv.Itoa(pid))
	if !strings.Contains(res.Stderr, "Access is denied") {
		t.Errorf("killing the sensor: stderr %q, want access denied", res.Stderr)
	}
	if windowsPIDOf(t, runOK(t, h, sh, "ps"), "CSFalconService") != pid {
		t.Error("the sensor stopped")
	}
}

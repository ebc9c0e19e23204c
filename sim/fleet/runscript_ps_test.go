package fleet

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func raw(script string) string { return "runscript -Raw=```" + script + "```" }

func TestPowerShellSubset(t *testing.T) {
	tests := []struct {
		name       string
		script     string
		wantStdout string // substring
		wantStderr string // exact
	}{
		{"get-process by name", "Get-Process -Name updater64", " updater64\n", ""},
		{"get-process wildcard", "Get-Process updater*", " updater64\n", ""},
		{"get-process alias and prefix", "gps -Na svchost", " svchost\n", ""},
		{"get-process missing name", "Get-Process -Name nope", "",
			"Cannot find a process with the name \"nope\". Verify the process name and call the cmdlet again.\n"},
		{"get-process missing wildcard is silent", "Get-Process nope*", "", ""},
		{"write-output", "Write-Output 'a b' c", "a b\nc\n", ""},
		{"echo array", "echo 1,2", "1\n2\n", ""},
		{"write-host joins", "Write-Host hello world", "hello world\n", ""},
		{"bare string", `"done"`, "done\n", ""},
		{"env expansion", `Write-Output "$env:COMPUTERNAME\x"`, "WIN-FIN-01\\x\n", ""},
		{"backtick escape", "Write-Output \"a`tb\"", "a\tb\n", ""},
		{"comment and semicolons", "# first\nWrite-Output 1; Write-Output 2 # trailing", "1\n2\n", ""},
		{"test-path file", `Test-Path 'C:\Program Files\CrowdStrike\CSFalconService.exe'`, "True\n", ""},
		{"test-path missing", `Test-Path C:\nope`, "False\n", ""},
		{"test-path registry", `Test-Path HKLM:\SOFTWARE\Microsoft`, "True\n", ""},
		{"test-path leaf", `Test-Path C:\Windows -PathType Leaf`, "False\n", ""},
		{"get-content lines", `Get-Content C:\Users\mhall\Documents\notes.txt -TotalCount 1`, "call vendor about renewal\n", ""},
		{"get-content missing", `Get-Content C:\nope.txt`, "", "Cannot find path 'C:\\nope.txt' because it does not exist.\n"},
		{"get-content relative", `Get-Content Users\mhall\Documents\notes.txt -Tail 1`, "VPN token expires Friday\n", ""},
		{"get-content directory", `gc C:\Windows`, "",
			"Unable to get content because it is a directory: 'C:\\Windows'. Please use 'Get-ChildItem' instead.\n"},
		{"get-itemproperty value", `Get-ItemProperty -Path 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Run' -Name VendorUpdate`,
			"VendorUpdate : " + ImplantRunCommand + "\nPSPath       : Microsoft.PowerShell.Core\\Registry::" + ImplantRunKey + "\n", ""},
		{"get-itemproperty expands", `Get-ItemProperty 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Run' SecurityHealth`,
			`SecurityHealth : C:\Windows\system32\SecurityHealthSystray.exe`, ""},
		{"get-itemproperty dword in decimal", `Get-ItemProperty Registry::HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\CSFalconService -Name Type`,
			"Type         : 16\n", ""},
		{"get-itemproperty missing name", `Get-ItemProperty 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Run' -Name Nope`, "",
			"Property Nope does not exist at path " + ImplantRunKey + ".\n"},
		{"get-itemproperty missing key", `Get-ItemProperty HKLM:\SOFTWARE\Nope`, "",
			"Cannot find path 'HKLM:\\SOFTWARE\\Nope' because it does not exist.\n"},
		{"no HKU drive", `Get-ItemProperty HKU:\.DEFAULT`, "", "Cannot find drive. A drive with the name 'HKU' does not exist.\n"},
		{"unknown cmdlet", "Get-VendorStatus", "", psNotRecognized("Get-VendorStatus") + "\n"},
		{"errors do not stop the script", "Nope-One; Write-Output after", "after\n", psNotRecognized("Nope-One") + "\n"},
		{"unknown parameter", "Get-Process -Bogus 1", "", "A parameter cannot be found that matches parameter name 'Bogus'.\n"},
		{"ambiguous parameter", "Stop-Process -P 1", "",
			"Parameter cannot be processed because the parameter name 'P' is ambiguous. Possible matches include: -PassThru -PipelineVariable.\n"},
		{"missing argument", "Stop-Process -Id", "",
			"Missing an argument for parameter 'Id'. Specify a parameter of type 'System.Int32[]' and try again.\n"},
		{"bad id", "Stop-Process -Id abc", "",
			"Cannot bind parameter 'Id'. Cannot convert value \"abc\" to type \"System.Int32\". Error: \"Input string was not in a correct format.\"\n"},
		{"stray positional", "Test-Path a b", "", "A positional parameter cannot be found that accepts argument 'b'.\n"},
		{"silently continue", "Get-Process nope -ErrorAction SilentlyContinue; 'ok'", "ok\n", ""},
		{"parse error runs nothing", "Write-Output 'a'; Write-Output 'b", "", "The string is missing the terminator: '.\n"},
		{"pipeline into non-pipeline cmdlet", "Get-Process updater64 | Test-Path", "",
			"The input object cannot be bound to any parameters for the command either because the command does not take " +
				"pipeline input or the input and its properties do not match any of the parameters that take pipeline input.\n"},
		{"out-null", "Get-Process | Out-Null; 'x'", "x\n", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, sh := demoHost(t, FleetDemo, "WIN-FIN-01")
			res := run(t, h, sh, raw(tc.script))
			if res.Stderr != tc.wantStderr {
				t.Errorf("stderr %q, want %q", res.Stderr, tc.wantStderr)
			}
			if tc.wantStdout == "" && res.Stdout != "" {
				t.Errorf("stdout %q, want none", res.Stdout)
			}
			if !strings.Contains(res.Stdout, tc.wantStdout) {
				t.Errorf("stdout %q lacks %q", res.Stdout, tc.wantStdout)
			}
		})
	}
}

func TestPowerShellGetProcessTable(t *testing.T) {
	h, sh := demoHost(t, FleetDemo, "WIN-FIN-01")
	pid := strconv.Itoa(implantPID(t, h))
	out := runOK(t, h, sh, raw("Get-Process -Id "+pid))
	lines := strings.Split(out, "\n")
	// The numeric columns are right-aligned, so rows split on whitespace.
	if lines[0] != "" || strings.Join(strings.Fields(lines[1]), "|") != "Handles|NPM(K)|PM(K)|WS(K)|CPU(s)|Id|SI|ProcessName" {
		t.Errorf("header lines %q", lines[:2])
	}
	row := strings.Fields(lines[3])
	if len(row) != 8 || row[5] != pid || row[7] != "updater64" || strings.TrimSpace(lines[4]) != "" {
		t.Errorf("rows %q, want the implant only", lines[3:])
	}
}

func TestPowerShellChangesState(t *testing.T) {
	tests := []struct {
		name    string
		script  string
		check   string // command whose output must not contain removed
		removed string
	}{
		{"stop-process by id", "Stop-Process -Id {pid} -Force", "ps", "updater64"},
		{"stop-process by name", "Stop-Process -Name updater64", "ps", "updater64"},
		{"pipeline stop", "Get-Process updater64 | Stop-Process -Force", "ps", "updater64"},
		{"kill alias closes sockets", "kill {pid}", "netstat", "203.0.113.66"},
		{"remove-itemproperty", `Remove-ItemProperty -Path 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Run' -Name VendorUpdate`,
			`reg query ` + runKeyShort, "VendorUpdate"},
		{"remove-item after stop", `Stop-Process -Name updater64 -Force; Start-Sleep -Milliseconds 500; Remove-Item 'C:\ProgramData\Vendor App' -Recurse -Force`,
			`ls C:\ProgramData`, "Vendor App"},
		{"remove-item registry key", `Remove-Item HKCU:\Software\Microsoft\Windows\CurrentVersion\Run`,
			`reg query HKCU\Software\Microsoft\Windows\CurrentVersion`, "Run"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, sh := demoHost(t, FleetDemo, "WIN-FIN-01")
			script := strings.ReplaceAll(tc.script, "{pid}", strconv.Itoa(implantPID(t, h)))
			if !strings.Contains(runOK(t, h, sh, tc.check), tc.removed) {
				t.Fatalf("%s lacks %q before the script", tc.check, tc.removed)
			}
			res := run(t, h, sh, raw(script))
			if res.Stderr != "" || res.Stdout != "" {
				t.Errorf("script printed stdout %q stderr %q, want nothing", res.Stdout, res.Stderr)
			}
			if strings.Contains(runOK(t, h, sh, tc.check), tc.removed) {
				t.Errorf("%s still shows %q after the script", tc.check, tc.removed)
			}
		})
	}
}

func TestPowerShellRefusals(t *testing.T) {
	tests := []struct {
		name, script, wantStderr string
	}{
		{"stop protected", "Stop-Process -Id 4", `Cannot stop process "System (4)" because of the following error: Access is denied` + "\n"},
		{"stop missing id", "Stop-Process -Id 3", "Cannot find a process with the process identifier 3.\n"},
		{"stop without target", "Stop-Process", "Cannot process command because of one or more missing mandatory parameters: Id.\n"},
		{"remove running image", `Remove-Item 'C:\ProgramData\Vendor App\updater64.exe' -Force`,
			`Cannot remove item C:\ProgramData\Vendor App\updater64.exe: The process cannot access the file 'C:\ProgramData\Vendor App\updater64.exe' because it is being used by another process.` + "\n"},
		{"remove without recurse", `Remove-Item 'C:\Users\mhall\Documents'`,
			`The item at C:\Users\mhall\Documents has children and the Recurse parameter was not specified. If you continue, all children will be removed with the item. Are you sure you want to continue?` + "\n"},
		{"remove missing", `Remove-Item C:\nope`, "Cannot find path 'C:\\nope' because it does not exist.\n"},
		{"remove missing property", `Remove-ItemProperty 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Run' Nope`,
			"Property Nope does not exist at path " + ImplantRunKey + ".\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, sh := demoHost(t, FleetDemo, "WIN-FIN-01")
			before := h.fleetState()
			res := run(t, h, sh, raw(tc.script))
			if res.Stderr != tc.wantStderr {
				t.Errorf("stderr %q, want %q", res.Stderr, tc.wantStderr)
			}
			if !statesEqual(before, h.fleetState()) {
				t.Errorf("a refused script changed host state")
			}
		})
	}
}

func TestScriptSleepAndTimeout(t *testing.T) {
	h, sh := demoHost(t, FleetDemo, "WIN-FIN-01")
	res := run(t, h, sh, raw("Start-Sleep -Seconds 5; Start-Sleep 1.5; 'awake'"))
	if res.Duration != 6500*time.Millisecond || res.Stdout != "awake\n" {
		t.Errorf("duration %v stdout %q, want 6.5s and awake", res.Duration, res.Stdout)
	}
	pid := implantPID(t, h)
	res = run(t, h, sh, raw("Start-Sleep 40; Stop-Process -Id "+strconv.Itoa(pid)))
	if res.Duration != 30*time.Second || !strings.Contains(res.Stderr, "timeout of 30 seconds") {
		t.Errorf("default timeout: duration %v stderr %q", res.Duration, res.Stderr)
	}
	if windowsPIDOf(t, runOK(t, h, sh, "ps"), "updater64") != pid {
		t.Error("a statement after the timeout ran")
	}
	res = run(t, h, sh, raw("Start-Sleep 40")+" -Timeout=60")
	if res.Duration != 40*time.Second || res.Stderr != "" {
		t.Errorf("-Timeout=60: duration %v stderr %q", res.Duration, res.Stderr)
	}
}

func TestRunscriptHostPath(t *testing.T) {
	h, sh := demoHost(t, FleetDemo, "lnx-web-01")
	runOK(t, h, sh, raw("echo 'echo from file' > /tmp/s.sh"))
	if got := runOK(t, h, sh, "runscript -HostPath=/tmp/s.sh"); got != "from file\n" {
		t.Errorf("runscript -HostPath = %q", got)
	}
	if res := run(t, h, sh, "runscript -HostPath=/tmp/none.sh"); res.Stderr != "/bin/bash: /tmp/none.sh: No such file or directory\n" {
		t.Errorf("missing host path: stderr %q", res.Stderr)
	}
}

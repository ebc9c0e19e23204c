package fleet

import (
	"strings"
	"testing"
)

const runKeyShort = `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run`

func TestRegQuery(t *testing.T) {
	h, sh := demoHost(t, FleetDemo, "WIN-FIN-01")
	tests := []struct {
		name, command, want string
	}{
		{"key with values", `reg query ` + runKeyShort,
			"\r\n" + ImplantRunKey + "\r\n" +
				"    SecurityHealth    REG_EXPAND_SZ    %windir%\\system32\\SecurityHealthSystray.exe\n" +
				"    VendorUpdate    REG_SZ    " + ImplantRunCommand + "\n\r\n"},
		{"long hive name and one value", `reg query "` + ImplantRunKey + `" VendorUpdate`,
			"\r\n" + ImplantRunKey + "\r\n    VendorUpdate    REG_SZ    " + ImplantRunCommand + "\n\r\n"},
		{"value name ignores case", `reg query ` + runKeyShort + ` vendorupdate`,
			"\r\n" + ImplantRunKey + "\r\n    VendorUpdate    REG_SZ    " + ImplantRunCommand + "\n\r\n"},
		{"key without values lists subkeys", `reg query HKLM`,
			"\r\nHKEY_LOCAL_MACHINE\\BCD00000000\r\nHKEY_LOCAL_MACHINE\\HARDWARE\r\nHKEY_LOCAL_MACHINE\\SAM\r\n" +
				"HKEY_LOCAL_MACHINE\\SECURITY\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\r\nHKEY_LOCAL_MACHINE\\SYSTEM\r\n"},
		{"dword and subkey", `reg query HKLM\SYSTEM\CurrentControlSet\Services\CSAgent`,
			"\r\nHKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\CSAgent\r\n" +
				"    ImagePath    REG_EXPAND_SZ    \\??\\C:\\Windows\\system32\\drivers\\CrowdStrike\\CSAgent.sys\n" +
				"    Start    REG_DWORD    0x1\n    Type    REG_DWORD    0x2\n\r\n" +
				"HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\CSAgent\\Sim\r\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := runOK(t, h, sh, tc.command); got != tc.want {
				t.Errorf("%s =\n%q\nwant\n%q", tc.command, got, tc.want)
			}
		})
	}
}

func TestRegQueryErrors(t *testing.T) {
	h, sh := demoHost(t, FleetDemo, "WIN-DC-01")
	tests := []struct {
		name, command, want string
	}{
		{"missing key", `reg query HKLM\SOFTWARE\Nope`, regNotFound},
		{"missing value", `reg query ` + runKeyShort + ` VendorUpdate`, regNotFound},
		{"bad hive", `reg query HKXX\SOFTWARE`, regInvalidKey},
		{"powershell drive form", `reg query HKLM:\SOFTWARE`, regInvalidKey},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := run(t, h, sh, tc.command)
			if res.Stderr != tc.want || res.Stdout != "" {
				t.Errorf("stdout %q stderr %q, want stderr %q", res.Stdout, res.Stderr, tc.want)
			}
		})
	}
}

func TestRegDeleteThenQuery(t *testing.T) {
	h, sh := demoHost(t, FleetOutbreak, "WIN-DC-01")
	if got := runOK(t, h, sh, `reg delete `+runKeyShort+` VendorUpdate`); got != regSuccess {
		t.Errorf("reg delete value printed %q", got)
	}
	out := runOK(t, h, sh, `reg query `+runKeyShort)
	if strings.Contains(out, "VendorUpdate") || !strings.Contains(out, "SecurityHealth") {
		t.Errorf("after deleting VendorUpdate the Run key shows:\n%s", out)
	}
	if res := run(t, h, sh, `reg delete `+runKeyShort+` VendorUpdate`); res.Stderr != regNotFound {
		t.Errorf("second delete: stderr %q, want not found", res.Stderr)
	}
	runOK(t, h, sh, `reg delete "HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\CSAgent"`)
	for _, key := range []string{`HKLM\SYSTEM\CurrentControlSet\Services\CSAgent`, `HKLM\SYSTEM\CurrentControlSet\Services\CSAgent\Sim`} {
		if res := run(t, h, sh, "reg query "+key); res.Stderr != regNotFound {
			t.Errorf("%s survives deleting its key: %q", key, res.Stdout)
		}
	}
	if res := run(t, h, sh, `reg delete HKLM`); res.Stderr != regInvalidKey {
		t.Errorf("deleting a hive: stderr %q, want invalid key", res.Stderr)
	}
}

func TestRegSet(t *testing.T) {
	h, sh := demoHost(t, FleetClean, "WIN-HR-02")
	runOK(t, h, sh, `reg set "HKLM\SOFTWARE\Vendor App" AutoUpdate -ValueType=REG_DWORD -Value=0`)
	runOK(t, h, sh, `reg set "HKLM\SOFTWARE\Vendor App" Plugins -ValueType=REG_MULTI_SZ -Value=a\0b`)
	want := "\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Vendor App\r\n    AutoUpdate    REG_DWORD    0x0\n    Plugins    REG_MULTI_SZ    a\\0b\n\r\n"
	if got := runOK(t, h, sh, `reg query "HKLM\SOFTWARE\Vendor App"`); got != want {
		t.Errorf("reg query after reg set =\n%q\nwant\n%q", got, want)
	}
	if res := run(t, h, sh, `reg set HKLM\SOFTWARE\x v -ValueType=REG_DWORD -Value=abc`); res.Stderr != regInvalidSyntax {
		t.Errorf("bad DWORD: stderr %q", res.Stderr)
	}
}

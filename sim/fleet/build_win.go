package fleet

import (
	"fmt"
	"strings"
	"time"
)

// Windows service accounts as Get-Process and Task Manager name them.
const (
	ntSystem         = `NT AUTHORITY\SYSTEM`
	ntLocalService   = `NT AUTHORITY\LOCAL SERVICE`
	ntNetworkService = `NT AUTHORITY\NETWORK SERVICE`
)

// buildWindows gives a host the files, processes, sockets, registry,
// environment and accounts of a Windows install with the Falcon sensor.
func (b *builder) buildWindows() {
	b.windowsFiles()
	b.windowsUsers()
	b.windowsProcesses()
	b.windowsRegistry()
	b.windowsEnv()
}

func (b *builder) windowsFiles() {
	installed := b.h.info.FirstSeen.AddDate(0, -2, 0)
	patched := b.now.AddDate(0, 0, -12-b.rng.IntN(20))
	for _, d := range []string{`C:\Windows\Temp`, `C:\Windows\System32\config`, `C:\Windows\System32\Tasks`,
		`C:\Windows\System32\drivers\CrowdStrike`, `C:\Program Files (x86)`, `C:\ProgramData\Microsoft\Windows Defender`,
		`C:\Users\Public\Documents`, `C:\Users\Default\AppData`, `C:\PerfLogs`} {
		b.dir(d, installed)
	}
	for path, size := range map[string]int64{
		`C:\Windows\notepad.exe`: 201216, `C:\Windows\explorer.exe`: 4841248, `C:\Windows\regedit.exe`: 358400,
		`C:\Windows\System32\cmd.exe`: 289792, `C:\Windows\System32\svchost.exe`: 55320,
		`C:\Windows\System32\lsass.exe`: 59456, `C:\Windows\System32\services.exe`: 716200,
		`C:\Windows\System32\smss.exe`: 154448, `C:\Windows\System32\csrss.exe`: 17360,
		`C:\Windows\System32\wininit.exe`: 433664, `C:\Windows\System32\winlogon.exe`: 905216,
		`C:\Windows\System32\spoolsv.exe`: 931840, `C:\Windows\System32\dwm.exe`: 94720,
		`C:\Windows\System32\taskhostw.exe`: 100720, `C:\Windows\System32\sihost.exe`: 115712,
		`C:\Windows\System32\RuntimeBroker.exe`: 140616, `C:\Windows\System32\ctfmon.exe`: 15360,
		`C:\Windows\System32\conhost.exe`: 872448, `C:\Windows\System32\fontdrvhost.exe`: 830976,
		`C:\Windows\System32\SecurityHealthSystray.exe`: 88064, `C:\Windows\System32\SearchIndexer.exe`: 1012224,
		`C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`:                      452608,
		`C:\Windows\System32\drivers\CrowdStrike\CSAgent.sys`:                            3962280,
		`C:\Program Files\CrowdStrike\CSFalconService.exe`:                               7810464,
		`C:\Program Files\CrowdStrike\CSFalconContainer.exe`:                             42160032,
		`C:\ProgramData\Microsoft\Windows Defender\Platform\4.18.24090.11-0\MsMpEng.exe`: 133048,
		`C:\Windows\System32\config\SAM`:                                                 65536, `C:\Windows\System32\config\SYSTEM`: 18087936,
		`C:\Windows\System32\config\SOFTWARE`: 92274688, `C:\Windows\System32\config\SECURITY`: 65536,
	} {
		b.sized(path, size, patched)
	}
	b.sized(`C:\pagefile.sys`, 4<<30, b.h.bootTime)
	b.text(`C:\Windows\System32\drivers\etc\hosts`, windowsHosts, installed)
	if b.spec.user != "" {
		home := `C:\Users\` + b.spec.user
		for _, d := range []string{`\Desktop`, `\Downloads`, `\AppData\Local\Temp`, `\AppData\Roaming\Microsoft\Windows`} {
			b.dir(home+d, b.h.info.FirstSeen)
		}
		recent := b.now.Add(-time.Duration(1+b.rng.IntN(72)) * time.Hour)
		b.sized(home+`\Documents\Q3 forecast.xlsx`, 48213, recent)
		b.text(home+`\Documents\notes.txt`, "call vendor about renewal\nVPN token expires Friday\n", recent)
		b.sized(home+`\Downloads\setup-7.2.1.msi`, 3407872, recent.Add(-30*time.Hour))
		b.sized(`C:\Program Files\Google\Chrome\Application\chrome.exe`, 2747928, patched)
	}
}

const windowsHosts = "# Copyright (c) 1993-2009 Microsoft Corp.\r\n#\r\n" +
	"# This is a sample HOSTS file used by Microsoft TCP/IP for Windows.\r\n#\r\n" +
	"# localhost name resolution is handled within DNS itself.\r\n" +
	"#\t127.0.0.1       localhost\r\n#\t::1             localhost\r\n"

func sys32(name string) string { return `C:\Windows\System32\` + name }

func (b *builder) windowsProcesses() {
	add := func(p process, after time.Duration) *process { return b.proc(p, after) }
	b.proc(process{pid: 0, name: "Idle", user: ntSystem, protected: true, workingSet: 8192}, 0)
	system := add(process{pid: 4, name: "System", user: ntSystem, protected: true, workingSet: 143360}, 0)
	add(process{name: "Registry", ppid: 4, user: ntSystem, protected: true, workingSet: 70 << 20}, time.Second)
	add(process{name: "Memory Compression", ppid: 4, user: ntSystem, protected: true}, 20*time.Second)
	add(process{name: "smss.exe", ppid: 4, path: sys32("smss.exe"), commandLine: `\SystemRoot\System32\smss.exe`,
		user: ntSystem, protected: true}, 2*time.Second)
	exitedSMSS := b.pid() // the smss instance that started csrss and wininit has exited
	csrss := "%SystemRoot%\\system32\\csrss.exe ObjectDirectory=\\Windows SharedSection=1024,20480,768 Windows=On SubSystemType=Windows ServerDll=basesrv,1 ServerDll=winsrv:UserServerDllInitialization,3 ServerDll=sxssrv,4 ProfileControl=Off MaxRequestThreads=16"
	add(process{name: "csrss.exe", ppid: exitedSMSS, path: sys32("csrss.exe"), commandLine: csrss, user: ntSystem, protected: true}, 3*time.Second)
	wininit := add(process{name: "wininit.exe", ppid: exitedSMSS, path: sys32("wininit.exe"), commandLine: "wininit.exe",
		user: ntSystem, protected: true}, 3*time.Second)
	services := add(process{name: "services.exe", ppid: wininit.pid, path: sys32("services.exe"),
		commandLine: `C:\Windows\system32\services.exe`, user: ntSystem, protected: true}, 4*time.Second)
	lsass := add(process{name: "lsass.exe", ppid: wininit.pid, path: sys32("lsass.exe"),
		commandLine: `C:\Windows\system32\lsass.exe`, user: ntSystem, protected: true}, 4*time.Second)
	add(process{name: "fontdrvhost.exe", ppid: wininit.pid, path: sys32("fontdrvhost.exe"),
		commandLine: `"fontdrvhost.exe"`, user: `Font Driver Host\UMFD-0`}, 5*time.Second)
	svchosts := map[string]*process{}
	for i, group := range []struct{ key, user string }{
		{"DcomLaunch -p", ntSystem}, {"RPCSS -p", ntNetworkService}, {"LocalServiceNetworkRestricted -p", ntLocalService},
		{"netsvcs -p", ntSystem}, {"LocalService -p", ntLocalService}, {"NetworkService -p", ntNetworkService},
		{"LocalSystemNetworkRestricted -p", ntSystem}, {"utcsvc -p", ntSystem},
	} {
		svchosts[group.key] = add(process{name: "svchost.exe", ppid: services.pid, path: sys32("svchost.exe"),
			commandLine: `C:\Windows\system32\svchost.exe -k ` + group.key, user: group.user},
			time.Duration(5+i)*time.Second)
	}
	add(process{name: "spoolsv.exe", ppid: services.pid, path: sys32("spoolsv.exe"),
		commandLine: `C:\Windows\System32\spoolsv.exe`, user: ntSystem}, 9*time.Second)
	falcon := add(process{name: "CSFalconService.exe", ppid: services.pid,
		path: `C:\Program Files\CrowdStrike\CSFalconService.exe`, commandLine: `"C:\Program Files\CrowdStrike\CSFalconService.exe"`,
		user: ntSystem, protected: true}, 6*time.Second)
	add(process{name: "CSFalconContainer.exe", ppid: falcon.pid, path: `C:\Program Files\CrowdStrike\CSFalconContainer.exe`,
		commandLine: `"C:\Program Files\CrowdStrike\CSFalconContainer.exe"`, user: ntSystem, protected: true}, 8*time.Second)
	mpeng := `C:\ProgramData\Microsoft\Windows Defender\Platform\4.18.24090.11-0\MsMpEng.exe`
	add(process{name: "MsMpEng.exe", ppid: services.pid, path: mpeng, commandLine: `"` + mpeng + `"`,
		user: ntSystem, protected: true, workingSet: 210 << 20}, 10*time.Second)
	add(process{name: "SearchIndexer.exe", ppid: services.pid, path: sys32("SearchIndexer.exe"),
		commandLine: `C:\Windows\system32\SearchIndexer.exe /Embedding`, user: ntSystem}, 40*time.Second)

	b.windowsRoleProcesses(services.pid)
	b.windowsSessionProcesses(exitedSMSS)

	ip := b.spec.localIP
	b.listen("TCP", "0.0.0.0:135", svchosts["RPCSS -p"].pid)
	b.listen("TCP", "0.0.0.0:445", system.pid)
	b.listen("TCP", "0.0.0.0:5985", system.pid)
	b.listen("TCP", "0.0.0.0:49664", lsass.pid)
	b.listen("TCP", "0.0.0.0:49665", wininit.pid)
	b.listen("TCP", "0.0.0.0:49666", svchosts["netsvcs -p"].pid)
	b.listen("TCP", ip+":139", system.pid)
	b.listen("TCP", "[::]:135", svchosts["RPCSS -p"].pid)
	b.listen("TCP", "[::]:445", system.pid)
	b.connect("198.51.100.10:443", stateEstablished, falcon.pid)
	b.connect("192.0.2.10:445", stateTimeWait, 0)
	b.listen("UDP", "0.0.0.0:123", svchosts["LocalService -p"].pid)
	b.listen("UDP", "0.0.0.0:5353", svchosts["NetworkService -p"].pid)
	b.listen("UDP", "0.0.0.0:5355", svchosts["NetworkService -p"].pid)
	b.listen("UDP", ip+":137", system.pid)
}

// windowsRoleProcesses adds the services of a domain controller.
func (b *builder) windowsRoleProcesses(servicesPID int) {
	if b.spec.role != "dc" {
		return
	}
	var lsass int
	for _, p := range b.h.procs {
		if p.name == "lsass.exe" {
			lsass = p.pid
		}
	}
	dns := b.proc(process{name: "dns.exe", ppid: servicesPID, path: sys32("dns.exe"),
		commandLine: `C:\Windows\system32\dns.exe`, user: ntSystem}, 30*time.Second)
	b.proc(process{name: "dfsrs.exe", ppid: servicesPID, path: sys32("dfsrs.exe"),
		commandLine: `C:\Windows\system32\DFSRs.exe`, user: ntSystem}, 31*time.Second)
	b.proc(process{name: "ismserv.exe", ppid: servicesPID, path: sys32("ismserv.exe"),
		commandLine: `C:\Windows\System32\ismserv.exe`, user: ntSystem}, 32*time.Second)
	adws := `C:\Windows\ADWS\Microsoft.ActiveDirectory.WebServices.exe`
	b.sized(adws, 421376, b.h.info.FirstSeen)
	b.proc(process{name: "Microsoft.ActiveDirectory.WebServices.exe", ppid: servicesPID, path: adws,
		commandLine: adws, user: ntSystem}, 33*time.Second)
	for _, port := range []string{"53", "88", "389", "464", "636", "3268", "3269", "9389"} {
		owner := lsass
		if port == "53" {
			owner = dns.pid
		}
		b.listen("TCP", "0.0.0.0:"+port, owner)
	}
	b.listen("UDP", "0.0.0.0:53", dns.pid)
	b.listen("UDP", "0.0.0.0:88", lsass)
	b.listen("UDP", "0.0.0.0:389", lsass)
}

// windowsSessionProcesses adds an interactive user's logon session.
func (b *builder) windowsSessionProcesses(exitedSMSS int) {
	if b.spec.user == "" {
		return
	}
	account := strings.Split(b.spec.hostname, "-")[0] + `\` + b.spec.user
	logon := time.Duration(2+b.rng.IntN(30)) * time.Minute
	winlogon := b.proc(process{name: "winlogon.exe", ppid: exitedSMSS, path: sys32("winlogon.exe"), commandLine: "winlogon.exe",
		user: ntSystem, session: 1}, 3*time.Second)
	b.proc(process{name: "csrss.exe", ppid: exitedSMSS, path: sys32("csrss.exe"), user: ntSystem, session: 1, protected: true}, 3*time.Second)
	b.proc(process{name: "dwm.exe", ppid: winlogon.pid, path: sys32("dwm.exe"), commandLine: `"dwm.exe"`,
		user: `Window Manager\DWM-1`, session: 1}, 6*time.Second)
	userinit := b.pid() // userinit.exe started explorer and exited
	explorer := b.proc(process{name: "explorer.exe", ppid: userinit, path: `C:\Windows\explorer.exe`,
		commandLine: `C:\Windows\Explorer.EXE`, user: account, session: 1, workingSet: 180 << 20}, logon)
	for _, name := range []string{"sihost.exe", "taskhostw.exe", "RuntimeBroker.exe", "ctfmon.exe", "SecurityHealthSystray.exe"} {
		b.proc(process{name: name, ppid: explorer.pid, path: sys32(name), commandLine: sys32(name),
			user: account, session: 1}, logon+5*time.Second)
	}
	chromePath := `C:\Program Files\Google\Chrome\Application\chrome.exe`
	chrome := b.proc(process{name: "chrome.exe", ppid: explorer.pid, path: chromePath, commandLine: `"` + chromePath + `"`,
		user: account, session: 1, workingSet: 240 << 20}, logon+time.Hour)
	for i := 0; i < 2; i++ {
		b.proc(process{name: "chrome.exe", ppid: chrome.pid, path: chromePath,
			commandLine: fmt.Sprintf(`"%s" --type=renderer --renderer-client-id=%d`, chromePath, 5+i),
			user:        account, session: 1}, logon+time.Hour+time.Duration(i+1)*time.Second)
	}
	b.connect("198.51.100.20:443", stateEstablished, chrome.pid)
	b.connect("198.51.100.21:443", stateCloseWait, chrome.pid)
}

func (b *builder) windowsRegistry() {
	const run = `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run`
	b.reg(run, "SecurityHealth", regExpandSZ, `%windir%\system32\SecurityHealthSystray.exe`)
	b.regKey(`HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\RunOnce`)
	nt := `HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion`
	b.reg(nt, "ProductName", regSZ, windowsProductName(b.spec.osVersion))
	b.reg(nt, "EditionID", regSZ, "Enterprise")
	b.reg(nt, "CurrentBuild", regSZ, windowsBuild(b.spec.osVersion))
	b.reg(nt, "InstallDate", regDWORD, int(b.h.info.FirstSeen.Unix()))
	b.reg(nt, "SystemRoot", regSZ, `C:\Windows`)
	b.reg(`HKLM\SYSTEM\CurrentControlSet\Control\ComputerName\ComputerName`, "ComputerName", regSZ, b.spec.hostname)
	agent := `HKLM\SYSTEM\CurrentControlSet\Services\CSAgent`
	b.reg(agent, "ImagePath", regExpandSZ, `\??\C:\Windows\system32\drivers\CrowdStrike\CSAgent.sys`)
	b.reg(agent, "Start", regDWORD, 1)
	b.reg(agent, "Type", regDWORD, 2)
	svc := `HKLM\SYSTEM\CurrentControlSet\Services\CSFalconService`
	b.reg(svc, "ImagePath", regExpandSZ, `"C:\Program Files\CrowdStrike\CSFalconService.exe"`)
	b.reg(svc, "Start", regDWORD, 2)
	b.reg(svc, "Type", regDWORD, 16)
	b.reg(`HKLM\SYSTEM\CurrentControlSet\Services\CSAgent\Sim`, "AG", regBinary, []byte{0x01, 0x00, 0x2a, 0xff})
	b.reg(`HKLM\HARDWARE\DESCRIPTION\System\CentralProcessor\0`, "ProcessorNameString", regSZ,
		"Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz")
	for _, k := range []string{`HKLM\BCD00000000`, `HKLM\SAM\SAM`, `HKLM\SECURITY\Policy`, `HKU\.DEFAULT\Software`,
		`HKU\S-1-5-18\Software`, `HKCU\Software\Microsoft\Windows\CurrentVersion\Run`, `HKCC\System`} {
		b.regKey(k)
	}
	b.reg(`HKCR\.exe`, "", regSZ, "exefile")
	for _, u := range b.h.users {
		if strings.HasSuffix(u.sid, "-1001") {
			b.reg(`HKU\`+u.sid+`\Software\Microsoft\Windows\CurrentVersion\Run`, "OneDrive", regSZ,
				`"C:\Users\`+u.name+`\AppData\Local\Microsoft\OneDrive\OneDrive.exe" /background`)
		}
	}
}

func windowsProductName(osVersion string) string {
	switch {
	case strings.Contains(osVersion, "Server 2022"):
		return "Windows Server 2022 Datacenter"
	case strings.Contains(osVersion, "11"):
		return "Windows 10 Enterprise" // Windows 11 still reports this name
	}
	return "Windows 10 Enterprise"
}

func windowsBuild(osVersion string) string {
	switch {
	case strings.Contains(osVersion, "Server 2022"):
		return "20348"
	case strings.Contains(osVersion, "11"):
		return "22631"
	}
	return "19045"
}

func (b *builder) windowsEnv() {
	for _, v := range [][2]string{
		{"ComSpec", `C:\Windows\system32\cmd.exe`}, {"DriverData", `C:\Windows\System32\Drivers\DriverData`},
		{"NUMBER_OF_PROCESSORS", "4"}, {"OS", "Windows_NT"},
		{"Path", `C:\Windows\system32;C:\Windows;C:\Windows\System32\Wbem;C:\Windows\System32\WindowsPowerShell\v1.0\`},
		{"PATHEXT", ".COM;.EXE;.BAT;.CMD;.VBS;.VBE;.JS;.JSE;.WSF;.WSH;.MSC"},
		{"PROCESSOR_ARCHITECTURE", "AMD64"}, {"TEMP", `C:\Windows\TEMP`}, {"TMP", `C:\Windows\TEMP`},
		{"USERNAME", "SYSTEM"}, {"windir", `C:\Windows`},
	} {
		b.env(scopeMachine, v[0], v[1])
	}
	profile := `C:\Windows\system32\config\systemprofile`
	b.env(scopeUser, "TEMP", profile+`\AppData\Local\Temp`)
	b.env(scopeUser, "TMP", profile+`\AppData\Local\Temp`)
	for _, v := range [][2]string{
		{"ALLUSERSPROFILE", `C:\ProgramData`}, {"APPDATA", profile + `\AppData\Roaming`},
		{"COMPUTERNAME", b.spec.hostname}, {"ProgramData", `C:\ProgramData`}, {"ProgramFiles", `C:\Program Files`},
		{"ProgramFiles(x86)", `C:\Program Files (x86)`}, {"SystemDrive", "C:"}, {"SystemRoot", `C:\Windows`},
		{"TEMP", `C:\Windows\TEMP`}, {"USERDOMAIN", "WORKGROUP"}, {"USERNAME", b.spec.hostname + "$"},
		{"USERPROFILE", profile}, {"windir", `C:\Windows`},
	} {
		b.env(scopeProcess, v[0], v[1])
	}
}

// windowsUsers adds the built-in accounts and the interactive user.
func (b *builder) windowsUsers() {
	domain := fmt.Sprintf("S-1-5-21-%d-%d-%d", 1000000000+b.rng.IntN(999999999),
		1000000000+b.rng.IntN(999999999), 1000000000+b.rng.IntN(999999999))
	accounts := []struct {
		name string
		rid  int
	}{{"Administrator", 500}, {"Guest", 501}, {"DefaultAccount", 503}, {"WDAGUtilityAccount", 504}}
	if b.spec.role == "dc" {
		accounts = append(accounts, struct {
			name string
			rid  int
		}{"krbtgt", 502})
	}
	for _, a := range accounts {
		b.h.users = append(b.h.users, user{name: a.name, sid: fmt.Sprintf("%s-%d", domain, a.rid),
			home: `C:\Users\` + a.name})
	}
	if b.spec.user != "" {
		b.h.users = append(b.h.users, user{name: b.spec.user, sid: domain + "-1001", home: `C:\Users\` + b.spec.user})
	}
}

package fleet

import (
	"fmt"
	"strings"
	"time"
)

// The standard implant that compromised hosts carry. On Windows it matches
// the scenario that the project's playbooks and tests use; Linux and macOS
// hosts get the same program in their own form.
const (
	ImplantImage      = "updater64.exe"
	ImplantPath       = `C:\ProgramData\Vendor App\updater64.exe`
	ImplantC2         = "203.0.113.66:443"
	ImplantRunKey     = `HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Run`
	ImplantRunValue   = "VendorUpdate"
	ImplantRunCommand = `"C:\ProgramData\Vendor App\updater64.exe" --silent`

	implantLinuxPath = "/var/tmp/.vendor-app/updater64"
	implantMacPath   = "/Users/Shared/.vendor-app/updater64"
	implantCronFile  = "/etc/cron.d/vendor-update"
	implantPlist     = "/Library/LaunchDaemons/com.vendor.updater.plist"
	implantSize      = 184832
)

// compromise installs the implant: its file, a running process with an
// established connection to the C2 server, and persistence (the Run key
// on Windows, a cron file on Linux, a launch daemon on macOS).
func (b *builder) compromise() {
	dropped := b.now.Add(-time.Duration(3+b.rng.IntN(20)) * time.Hour)
	started := dropped.Add(time.Duration(1+b.rng.IntN(50)) * time.Minute)
	switch b.h.platform {
	case Windows:
		b.sized(ImplantPath, implantSize, dropped)
		// The user's implant runs under explorer; on a server without a
		// logon it runs from the Task Scheduler's svchost.
		parent := b.parentFor(func(p *process) bool { return p.name == "explorer.exe" })
		if parent == nil {
			parent = b.parentFor(func(p *process) bool { return strings.HasSuffix(p.commandLine, "netsvcs -p") })
		}
		account := `NT AUTHORITY\SYSTEM`
		if parent != nil {
			account = parent.user
		}
		p := b.proc(process{name: ImplantImage, ppid: pidOf(parent), path: ImplantPath, commandLine: ImplantRunCommand,
			user: account, session: sessionOf(parent), start: started, workingSet: 14 << 20}, 0)
		b.connect(ImplantC2, stateEstablished, p.pid)
		b.reg(ImplantRunKey, ImplantRunValue, regSZ, ImplantRunCommand)
	case Linux, Mac:
		path, owner := implantLinuxPath, "root"
		if b.h.platform == Mac {
			path = implantMacPath
		}
		if b.spec.user != "" {
			owner = b.spec.user
		}
		b.sized(path, implantSize, dropped).owner = owner
		p := b.proc(process{ppid: 1, name: "updater64", path: path, commandLine: path + " --silent",
			user: owner, start: started}, 0)
		b.connect(ImplantC2, stateEstablished, p.pid)
		if b.h.platform == Linux {
			b.text(implantCronFile, fmt.Sprintf("@reboot %s %s --silent\n", owner, path), dropped)
		} else {
			b.text(implantPlist, launchDaemonPlist(path), dropped)
		}
	}
}

func (b *builder) parentFor(match func(*process) bool) *process {
	for _, p := range b.h.sortedProcesses() {
		if match(p) {
			return p
		}
	}
	return nil
}

func pidOf(p *process) int {
	if p == nil {
		return 0
	}
	return p.pid
}

func sessionOf(p *process) int {
	if p == nil {
		return 0
	}
	return p.session
}

func launchDaemonPlist(path string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>Label</key>
	<string>com.vendor.updater</string>
	<key>ProgramArguments</key>
	<array>
		<string>` + path + `</string>
		<string>--silent</string>
	</array>
	<key>RunAtLoad</key>
	<true/>
</dict>
</plist>
`
}

package fleet

import (
	"fmt"
	"strings"
	"time"
)

// buildLinux gives a host the files, processes, sockets, environment and
// accounts of an Ubuntu or RHEL server with the Falcon sensor.
func (b *builder) buildLinux() {
	rhel := strings.HasPrefix(b.spec.osVersion, "RHEL")
	b.linuxUsers(rhel)
	b.linuxFiles(rhel)
	b.linuxProcesses(rhel)
	b.posixEnv("/root", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
}

func (b *builder) linuxUsers(rhel bool) {
	add := func(name string, uid int, home, shell string) {
		b.h.users = append(b.h.users, user{name: name, uid: uid, gid: uid, home: home, shell: shell})
	}
	add("root", 0, "/root", "/bin/bash")
	add("daemon", 1, "/usr/sbin", "/usr/sbin/nologin")
	add("nobody", 65534, "/nonexistent", "/usr/sbin/nologin")
	if rhel {
		add("postgres", 26, "/var/lib/pgsql", "/bin/bash")
	} else {
		add("www-data", 33, "/var/www", "/usr/sbin/nologin")
		add("systemd-resolve", 101, "/run/systemd", "/usr/sbin/nologin")
		add("syslog", 104, "/home/syslog", "/usr/sbin/nologin")
	}
	if b.spec.user != "" {
		add(b.spec.user, 1000, "/home/"+b.spec.user, "/bin/bash")
	}
}

func (b *builder) linuxFiles(rhel bool) {
	installed := b.h.info.FirstSeen
	patched := b.now.AddDate(0, 0, -5-b.rng.IntN(20))
	for _, d := range []string{"/bin", "/boot", "/dev", "/etc/cron.d", "/home", "/lib", "/sbin", "/etc/ssh", "/mnt", "/opt", "/proc", "/root",
		"/run", "/srv", "/sys", "/tmp", "/var/tmp", "/var/log", "/usr/local/bin"} {
		b.dir(d, installed)
	}
	for path, size := range map[string]int64{
		"/usr/bin/bash": 1396520, "/usr/bin/ls": 138208, "/usr/bin/ps": 137688, "/usr/bin/cat": 35280,
		"/usr/bin/curl": 260328, "/usr/bin/python3": 5904904, "/usr/sbin/sshd": 921480,
		"/opt/CrowdStrike/falcond": 3240032, "/opt/CrowdStrike/falcon-sensor": 12318720,
		"/opt/CrowdStrike/falconctl": 2718432, "/boot/vmlinuz": 11711368, "/bin/sh": 125688,
		"/sbin/init": 1849992, "/lib/libc.so.6": 2216304,
	} {
		b.sized(path, size, patched)
	}
	var passwd strings.Builder
	for _, u := range b.h.users {
		fmt.Fprintf(&passwd, "%s:x:%d:%d::%s:%s\n", u.name, u.uid, u.gid, u.home, u.shell)
		if u.uid >= 1000 && u.uid < 65534 {
			b.dir(u.home+"/.ssh", installed)
			b.text(u.home+"/.bashrc", "# ~/.bashrc: executed by bash(1) for non-login shells.\n", installed)
			b.text(u.home+"/.ssh/authorized_keys", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleKeyOnlyForTests "+u.name+"@admin\n", installed)
		}
	}
	b.text("/etc/passwd", passwd.String(), installed)
	b.text("/etc/hostname", b.spec.hostname+"\n", installed)
	b.text("/etc/hosts", "127.0.0.1 localhost\n127.0.1.1 "+b.spec.hostname+"\n::1 localhost ip6-localhost ip6-loopback\n", installed)
	b.text("/etc/ssh/sshd_config", "PermitRootLogin no\nPasswordAuthentication no\n", installed)
	b.text("/etc/crontab", "SHELL=/bin/sh\n17 * * * * root cd / && run-parts --report /etc/cron.hourly\n", installed)
	if rhel {
		b.text("/etc/os-release", "NAME=\"Red Hat Enterprise Linux\"\nVERSION=\"9.4 (Plow)\"\nID=\"rhel\"\n", installed)
		b.sized("/var/log/messages", 1843221, b.now)
		b.sized("/var/log/secure", 212934, b.now)
	} else {
		b.text("/etc/os-release", "PRETTY_NAME=\"Ubuntu 22.04.4 LTS\"\nNAME=\"Ubuntu\"\nVERSION_ID=\"22.04\"\nID=ubuntu\n", installed)
		b.sized("/var/log/syslog", 2291034, b.now)
		b.sized("/var/log/auth.log", 318227, b.now)
	}
	switch b.spec.role {
	case "web":
		b.sized("/usr/sbin/nginx", 1214200, patched)
		b.text("/var/www/html/index.html", "<!DOCTYPE html>\n<title>Welcome</title>\n", installed)
		b.text("/etc/nginx/nginx.conf", "user www-data;\nworker_processes auto;\n", installed)
	case "db":
		b.sized("/usr/pgsql-15/bin/postgres", 9083240, patched)
		b.dir("/var/lib/pgsql/15/data/base", installed)
		b.sized("/var/lib/pgsql/15/data/base/16384.dat", 73400320, b.now)
	}
}

func (b *builder) linuxProcesses(rhel bool) {
	systemdCmd := "/sbin/init"
	if rhel {
		systemdCmd = "/usr/lib/systemd/systemd --switched-root --system --deserialize 31"
	}
	b.h.nextPID = 0
	init := b.proc(process{pid: 1, name: "systemd", commandLine: systemdCmd, user: "root", protected: true}, 0)
	b.h.nextPID = 1
	kthreadd := b.proc(process{pid: 2, name: "kthreadd", user: "root", protected: true}, 0)
	b.h.nextPID = 2
	for _, k := range []string{"rcu_gp", "kworker/0:1-events", "ksoftirqd/0", "migration/0"} {
		b.proc(process{ppid: kthreadd.pid, name: k, user: "root", protected: true}, 0)
	}
	daemon := func(name, user, cmd string, after time.Duration) *process {
		return b.proc(process{ppid: init.pid, name: name, user: user, commandLine: cmd}, after)
	}
	daemon("systemd-journal", "root", "/lib/systemd/systemd-journald", 2*time.Second)
	daemon("systemd-udevd", "root", "/lib/systemd/systemd-udevd", 3*time.Second)
	if !rhel {
		resolved := daemon("systemd-resolve", "systemd-resolve", "/lib/systemd/systemd-resolved", 4*time.Second)
		b.listen("UDP", "127.0.0.53:53", resolved.pid)
		b.listen("TCP", "127.0.0.53:53", resolved.pid)
		daemon("rsyslogd", "syslog", "/usr/sbin/rsyslogd -n -iNONE", 5*time.Second)
		daemon("cron", "root", "/usr/sbin/cron -f -P", 5*time.Second)
	} else {
		daemon("rsyslogd", "root", "/usr/sbin/rsyslogd -n", 5*time.Second)
		daemon("crond", "root", "/usr/sbin/crond -n", 5*time.Second)
	}
	daemon("systemd-logind", "root", "/lib/systemd/systemd-logind", 5*time.Second)
	daemon("agetty", "root", "/sbin/agetty -o -p -- \\u --noclear tty1 linux", 6*time.Second).tty = "tty1"
	sshd := daemon("sshd", "root", "sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups", 6*time.Second)
	falcond := daemon("falcond", "root", "/opt/CrowdStrike/falcond", 4*time.Second)
	falcond.protected = true
	sensor := b.proc(process{ppid: falcond.pid, name: "falcon-sensor", user: "root", protected: true,
		commandLine: "falcon-sensor"}, 5*time.Second)
	b.listen("TCP", "0.0.0.0:22", sshd.pid)
	b.listen("TCP", "[::]:22", sshd.pid)
	b.connect("198.51.100.10:443", stateEstablished, sensor.pid)
	b.linuxRoleProcesses(init.pid)
	if b.spec.user != "" {
		b.linuxLogin(sshd.pid)
	}
}

func (b *builder) linuxRoleProcesses(initPID int) {
	switch b.spec.role {
	case "web":
		master := b.proc(process{ppid: initPID, name: "nginx", user: "root",
			commandLine: "nginx: master process /usr/sbin/nginx -g daemon on; master_process on;"}, 9*time.Second)
		var worker *process
		for i := 0; i < 2; i++ {
			worker = b.proc(process{ppid: master.pid, name: "nginx", user: "www-data", commandLine: "nginx: worker process"}, 9*time.Second)
		}
		b.listen("TCP", "0.0.0.0:80", master.pid)
		b.listen("TCP", "0.0.0.0:443", master.pid)
		b.h.conns = append(b.h.conns, &connection{proto: "TCP", local: b.spec.localIP + ":443",
			remote: fmt.Sprintf("198.51.100.%d:%d", 30+b.rng.IntN(50), 49152+b.rng.IntN(16000)), state: stateEstablished, pid: worker.pid})
	case "db":
		pg := b.proc(process{ppid: initPID, name: "postgres", user: "postgres",
			commandLine: "/usr/pgsql-15/bin/postgres -D /var/lib/pgsql/15/data/"}, 10*time.Second)
		for _, role := range []string{"logger", "checkpointer", "background writer", "walwriter", "autovacuum launcher"} {
			b.proc(process{ppid: pg.pid, name: "postgres", user: "postgres", commandLine: "postgres: " + role}, 10*time.Second)
		}
		b.listen("TCP", "0.0.0.0:5432", pg.pid)
		b.listen("TCP", "[::]:5432", pg.pid)
		backend := b.proc(process{ppid: pg.pid, name: "postgres", user: "postgres",
			commandLine: "postgres: app appdb 192.0.2.21(51022) idle"}, 2*time.Hour)
		b.h.conns = append(b.h.conns, &connection{proto: "TCP", local: b.spec.localIP + ":5432",
			remote: "192.0.2.21:51022", state: stateEstablished, pid: backend.pid})
	}
}

// linuxLogin adds an administrator's SSH session.
func (b *builder) linuxLogin(sshdPID int) {
	u := b.spec.user
	login := b.now.Add(-time.Duration(10+b.rng.IntN(300)) * time.Minute)
	priv := b.proc(process{ppid: sshdPID, name: "sshd", user: "root", commandLine: "sshd: " + u + " [priv]", start: login}, 0)
	sess := b.proc(process{ppid: priv.pid, name: "sshd", user: u, commandLine: "sshd: " + u + "@pts/0", start: login}, 0)
	b.proc(process{ppid: sess.pid, name: "bash", user: u, commandLine: "-bash", tty: "pts/0", start: login}, 0)
	b.h.conns = append(b.h.conns, &connection{proto: "TCP", local: b.spec.localIP + ":22",
		remote: fmt.Sprintf("198.51.100.9:%d", 49152+b.rng.IntN(16000)), state: stateEstablished, pid: sess.pid})
}

func (b *builder) posixEnv(home, path string) {
	for _, v := range [][2]string{{"HOME", home}, {"HOSTNAME", b.spec.hostname}, {"LANG", "C.UTF-8"},
		{"LOGNAME", "root"}, {"PATH", path}, {"PWD", "/"}, {"SHELL", "/bin/bash"}, {"USER", "root"}} {
		b.env(scopeProcess, v[0], v[1])
	}
}

// buildMac gives a host the files, processes, sockets, environment and
// accounts of a macOS laptop with the Falcon sensor.
func (b *builder) buildMac() {
	b.macUsers()
	b.macFiles()
	b.macProcesses()
	b.posixEnv("/var/root", "/usr/bin:/bin:/usr/sbin:/sbin")
}

func (b *builder) macUsers() {
	domain := fmt.Sprintf("S-1-5-21-%d-%d-%d", 1000000000+b.rng.IntN(999999999),
		1000000000+b.rng.IntN(999999999), 1000000000+b.rng.IntN(999999999))
	add := func(name string, uid int, home, shell string) {
		b.h.users = append(b.h.users, user{name: name, uid: uid, gid: 20, home: home, shell: shell,
			sid: fmt.Sprintf("%s-%d", domain, 1000+uid)})
	}
	add("root", 0, "/var/root", "/bin/sh")
	add("daemon", 1, "/var/root", "/usr/bin/false")
	add("_www", 70, "/Library/WebServer", "/usr/bin/false")
	if b.spec.user != "" {
		add(b.spec.user, 501, "/Users/"+b.spec.user, "/bin/zsh")
	}
}

func (b *builder) macFiles() {
	installed := b.h.info.FirstSeen
	patched := b.now.AddDate(0, 0, -3-b.rng.IntN(20))
	for _, d := range []string{"/Applications/Safari.app/Contents", "/Library/LaunchDaemons", "/Library/LaunchAgents",
		"/System/Library/CoreServices", "/Users/Shared", "/private/tmp", "/private/var/log", "/tmp", "/var/tmp"} {
		b.dir(d, installed)
	}
	for path, size := range map[string]int64{
		"/sbin/launchd": 1051248, "/bin/bash": 1310224, "/bin/zsh": 1361200, "/bin/ls": 154352, "/bin/ps": 277136,
		"/usr/bin/curl": 208656, "/Library/CS/falcond": 11837120,
		"/Applications/Falcon.app/Contents/Resources/falconctl":         3046240,
		"/Applications/Google Chrome.app/Contents/MacOS/Google Chrome":  313744,
		"/System/Library/CoreServices/Finder.app/Contents/MacOS/Finder": 4890416,
	} {
		b.sized(path, size, patched)
	}
	b.text("/etc/hosts", "##\n# Host Database\n##\n127.0.0.1\tlocalhost\n255.255.255.255\tbroadcasthost\n::1             localhost\n", installed)
	var passwd strings.Builder
	for _, u := range b.h.users {
		fmt.Fprintf(&passwd, "%s:*:%d:%d::0:0:%s:%s:%s\n", u.name, u.uid, u.gid, u.name, u.home, u.shell)
	}
	b.text("/etc/passwd", passwd.String(), installed)
	if u := b.spec.user; u != "" {
		for _, d := range []string{"/Desktop", "/Documents", "/Downloads", "/Library/Preferences"} {
			b.dir("/Users/"+u+d, installed)
		}
		b.text("/Users/"+u+"/.zshrc", "export PATH=\"$HOME/bin:$PATH\"\n", installed)
		b.sized("/Users/"+u+"/Downloads/Quarterly Review.key", 7340032, b.now.Add(-26*time.Hour))
		b.text("/Users/"+u+"/Documents/todo.md", "- board deck\n- renew domain\n", b.now.Add(-5*time.Hour))
	}
}

func (b *builder) macProcesses() {
	b.h.nextPID = 0
	launchd := b.proc(process{pid: 1, name: "launchd", path: "/sbin/launchd", commandLine: "/sbin/launchd",
		user: "root", protected: true}, 0)
	b.h.nextPID = 80
	daemon := func(name, user, path string, after time.Duration) *process {
		return b.proc(process{ppid: launchd.pid, name: name, user: user, path: path, commandLine: path}, after)
	}
	daemon("logd", "root", "/usr/libexec/logd", time.Second)
	daemon("UserEventAgent", "root", "/usr/libexec/UserEventAgent (System)", time.Second)
	daemon("fseventsd", "root", "/System/Library/Frameworks/CoreServices.framework/Versions/A/Frameworks/FSEvents.framework/Versions/A/Support/fseventsd", 2*time.Second)
	daemon("opendirectoryd", "root", "/usr/libexec/opendirectoryd", 2*time.Second)
	mdns := daemon("mDNSResponder", "_mdnsresponder", "/usr/sbin/mDNSResponder", 3*time.Second)
	falcond := daemon("falcond", "root", "/Library/CS/falcond", 3*time.Second)
	falcond.protected = true
	daemon("WindowServer", "_windowserver", "/System/Library/PrivateFrameworks/SkyLight.framework/Resources/WindowServer -daemon", 5*time.Second)
	b.listen("UDP", "0.0.0.0:5353", mdns.pid)
	b.connect("198.51.100.10:443", stateEstablished, falcond.pid)
	u := b.spec.user
	if u == "" {
		return
	}
	logon := time.Duration(1+b.rng.IntN(20)) * time.Minute
	app := func(name, path string) *process {
		return b.proc(process{ppid: launchd.pid, name: name, user: u, path: path, commandLine: path}, logon)
	}
	b.proc(process{ppid: launchd.pid, name: "loginwindow", user: u,
		path:        "/System/Library/CoreServices/loginwindow.app/Contents/MacOS/loginwindow",
		commandLine: "/System/Library/CoreServices/loginwindow.app/Contents/MacOS/loginwindow console"}, logon)
	app("Dock", "/System/Library/CoreServices/Dock.app/Contents/MacOS/Dock")
	app("Finder", "/System/Library/CoreServices/Finder.app/Contents/MacOS/Finder")
	rapport := app("rapportd", "/usr/libexec/rapportd")
	cc := app("ControlCenter", "/System/Library/CoreServices/ControlCenter.app/Contents/MacOS/ControlCenter")
	chrome := app("Google Chrome", "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome")
	term := app("Terminal", "/System/Applications/Utilities/Terminal.app/Contents/MacOS/Terminal")
	b.proc(process{ppid: term.pid, name: "zsh", user: u, path: "/bin/zsh", commandLine: "-zsh", tty: "ttys000"}, logon+time.Hour)
	b.listen("TCP", "[::]:49152", rapport.pid)
	b.listen("TCP", "0.0.0.0:5000", cc.pid)
	b.listen("TCP", "0.0.0.0:7000", cc.pid)
	b.connect("198.51.100.20:443", stateEstablished, chrome.pid)
}

package fleet

import (
	"fmt"
	"net/netip"
	"strings"
)

func runClear(*call) Result { return Result{} }

// runHistory lists the commands run in this session, oldest first, the
// history command itself included.
func runHistory(c *call) Result {
	var b strings.Builder
	for _, cmd := range c.sh.commands() {
		b.WriteString(cmd + "\n")
	}
	return stdout(b.String())
}

// runUsers prints one block of Key: value lines per local account,
// optionally only those whose name starts with the argument.
func runUsers(c *call) Result {
	filter := c.arg(0, "")
	var blocks []string
	for _, u := range c.h.users {
		if !strings.HasPrefix(u.name, filter) {
			continue
		}
		blocks = append(blocks, fmt.Sprintf("Name: %s\nUID: %d\nGID: %d\nHome: %s\nShell: %s\n",
			u.name, u.uid, u.gid, u.home, u.shell))
	}
	if len(blocks) == 0 {
		return stderr(fmt.Sprintf("users: no user matches '%s'\n", filter))
	}
	return stdout(strings.Join(blocks, "\n"))
}

// runGetsid prints user names and SIDs under the header RTR uses, with the
// name column 15 characters wide.
func runGetsid(c *call) Result {
	filter := strings.ToLower(c.arg(0, ""))
	var b strings.Builder
	b.WriteString(padRight("UserName", 15) + "SID\n")
	for _, u := range c.h.users {
		if u.sid == "" || !strings.Contains(strings.ToLower(u.name), filter) {
			continue
		}
		name := u.name
		if len(name) >= 15 {
			name += " "
		}
		b.WriteString(padRight(name, 15) + u.sid + "\n")
	}
	return stdout(b.String())
}

// runIpconfig prints the host's adapter like ipconfig /all.
func runIpconfig(c *call) Result {
	info := c.h.info
	gateway, mask := gatewayOf(info.LocalIP)
	var b strings.Builder
	b.WriteString("\nWindows IP Configuration\n\n")
	fmt.Fprintf(&b, "   Host Name . . . . . . . . . . . . : %s\n\n", info.Hostname)
	b.WriteString("Ethernet adapter Ethernet0:\n\n")
	fmt.Fprintf(&b, "   Physical Address. . . . . . . . . : %s\n", info.MACAddress)
	fmt.Fprintf(&b, "   IPv4 Address. . . . . . . . . . . : %s(Preferred)\n", info.LocalIP)
	fmt.Fprintf(&b, "   Subnet Mask . . . . . . . . . . . : %s\n", mask)
	fmt.Fprintf(&b, "   Default Gateway . . . . . . . . . : %s\n", gateway)
	return stdout(withCRLF(b.String()))
}

// runIfconfig prints the host's interface like ifconfig.
func runIfconfig(c *call) Result {
	info := c.h.info
	_, mask := gatewayOf(info.LocalIP)
	iface := "eth0"
	if c.h.platform == Mac {
		iface = "en0"
	}
	mac := strings.ToLower(strings.ReplaceAll(info.MACAddress, "-", ":"))
	return stdout(fmt.Sprintf("%s: flags=4163<UP,BROADCAST,RUNNING,MULTICAST>  mtu 1500\n"+
		"        inet %s  netmask %s\n        ether %s  txqueuelen 1000  (Ethernet)\n",
		iface, info.LocalIP, mask, mac))
}

// gatewayOf assumes a /24 with the gateway at .1.
func gatewayOf(ip string) (gateway, mask string) {
	addr, err := netip.ParseAddr(ip)
	if err != nil || !addr.Is4() {
		return "", ""
	}
	a := addr.As4()
	return fmt.Sprintf("%d.%d.%d.1", a[0], a[1], a[2]), "255.255.255.0"
}

func runCsrutil(c *call) Result {
	if c.arg(0, "status") != "status" {
		return stderr("csrutil: This tool needs to be executed from Recovery OS.\n")
	}
	return stdout("System Integrity Protection status: enabled.\n")
}

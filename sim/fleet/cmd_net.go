package fleet

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"
)

func runNetstat(c *call) Result {
	if c.h.platform == Windows {
		return stdout(c.h.windowsNetstat())
	}
	if c.inv.hasFlag("r") {
		return stdout(c.h.routingTable())
	}
	return stdout(c.h.posixNetstat())
}

// sortedConnections orders sockets as netstat does: TCP before UDP, IPv4
// before IPv6, then by local address and port.
func (h *Host) sortedConnections() []*connection {
	out := append([]*connection(nil), h.conns...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.proto != b.proto {
			return a.proto == "TCP"
		}
		ka, kb := addrKey(a.local), addrKey(b.local)
		if ka.Addr().Is4() != kb.Addr().Is4() {
			return ka.Addr().Is4()
		}
		if c := ka.Addr().Compare(kb.Addr()); c != 0 {
			return c < 0
		}
		return ka.Port() < kb.Port()
	})
	return out
}

func addrKey(s string) netip.AddrPort {
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		return netip.AddrPort{}
	}
	return ap
}

func isIPv6(local string) bool { return strings.HasPrefix(local, "[") }

// windowsNetstat renders netstat -ano: a title, two-space indented rows
// with the PID last, CRLF line ends like the native tool.
func (h *Host) windowsNetstat() string {
	var b strings.Builder
	b.WriteString("\nActive Connections\n\n")
	row := func(proto, local, remote, state, pid string) {
		line := "  " + padRight(proto, 7) + padRight(local, 23) + padRight(remote, 23) + padRight(state, 16) + pid
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	row("Proto", "Local Address", "Foreign Address", "State", "PID")
	for _, c := range h.sortedConnections() {
		remote := c.remote
		if c.proto == "UDP" {
			remote = "*:*"
		} else if remote == "" {
			remote = "0.0.0.0:0"
			if isIPv6(c.local) {
				remote = "[::]:0"
			}
		}
		row(c.proto, padField(c.local, 23), padField(remote, 23), padField(c.state.windowsName(), 16), fmt.Sprint(c.pid))
	}
	return withCRLF(b.String())
}

// padField keeps at least one space after a value that fills its column.
func padField(s string, width int) string {
	if len(s) >= width {
		return s + " "
	}
	return s
}

// posixNetstat renders net-tools netstat -tunap rows.
func (h *Host) posixNetstat() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-5s %6s %6s %-23s %-23s %-11s %s\n", "Proto", "Recv-Q", "Send-Q",
		"Local Address", "Foreign Address", "State", "PID/Program name")
	for _, c := range h.sortedConnections() {
		proto := strings.ToLower(c.proto)
		v6 := isIPv6(c.local)
		if v6 {
			proto += "6"
		}
		remote := posixAddr(c.remote)
		if remote == "" {
			remote = "0.0.0.0:*"
			if v6 {
				remote = ":::*"
			}
		}
		program := "-"
		if p, ok := h.procs[c.pid]; ok {
			program = fmt.Sprintf("%d/%s", p.pid, p.name)
		}
		line := fmt.Sprintf("%-5s %6d %6d %-23s %-23s %-11s %s", proto, 0, 0,
			posixAddr(c.local), remote, string(c.state), program)
		b.WriteString(line + "\n")
	}
	return b.String()
}

// posixAddr prints IPv6 addresses without brackets, as net-tools does.
func posixAddr(s string) string {
	if !strings.HasPrefix(s, "[") {
		return s
	}
	return strings.Replace(strings.TrimPrefix(s, "["), "]", "", 1)
}

// routingTable renders netstat -nr for a host on a /24 with the gateway at
// .1 of its subnet.
func (h *Host) routingTable() string {
	iface := "eth0"
	if h.platform == Mac {
		iface = "en0"
	}
	ip, err := netip.ParseAddr(h.info.LocalIP)
	network, gateway := "0.0.0.0", "0.0.0.0"
	if err == nil && ip.Is4() {
		a := ip.As4()
		network = fmt.Sprintf("%d.%d.%d.0", a[0], a[1], a[2])
		gateway = fmt.Sprintf("%d.%d.%d.1", a[0], a[1], a[2])
	}
	var b strings.Builder
	b.WriteString("Kernel IP routing table\n")
	line := "%-15s %-15s %-15s %-5s %5s %-6s %4s %s\n"
	fmt.Fprintf(&b, line, "Destination", "Gateway", "Genmask", "Flags", "MSS", "Window", "irtt", "Iface")
	fmt.Fprintf(&b, line, "0.0.0.0", gateway, "0.0.0.0", "UG", "0", "0", "0", iface)
	fmt.Fprintf(&b, line, network, "0.0.0.0", "255.255.255.0", "U", "0", "0", "0", iface)
	return b.String()
}

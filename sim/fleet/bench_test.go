package fleet

import "testing"

func BenchmarkNamedDemo(b *testing.B) {
	for b.Loop() {
		if _, err := Named(FleetDemo); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkExec(b *testing.B) {
	f, err := Named(FleetDemo)
	if err != nil {
		b.Fatal(err)
	}
	win := f.HostByName("WIN-FIN-01")
	for _, command := range []string{"ps", `ls C:\Windows\System32`, "netstat", raw("Get-Process -Name svchost")} {
		b.Run(command, func(b *testing.B) {
			sh := win.NewShell()
			for b.Loop() {
				if res := win.Exec(sh, Admin, command); res.ErrCode != 0 {
					b.Fatal(res.ErrMessage)
				}
			}
		})
	}
}

func BenchmarkSnapshot(b *testing.B) {
	f, err := Named(FleetDemo)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		f.Snapshot()
	}
}

// BenchmarkGeneratedFirstUse measures what a generated host costs on its
// first command, when it builds its base system: one operation generates
// 1,000 hosts and runs pwd on each.
func BenchmarkGeneratedFirstUse(b *testing.B) {
	const n = 1000
	for b.Loop() {
		f, err := Generate(GenerateOptions{Hosts: n, Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		for _, h := range f.Hosts() {
			if res := h.Exec(nil, Admin, "pwd"); res.ErrCode != 0 {
				b.Fatal(res.ErrMessage)
			}
		}
	}
}

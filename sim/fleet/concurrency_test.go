package fleet

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// TestConcurrentExec runs commands on every host of several fleets at once,
// with snapshots taken in parallel; run it with -race.
func TestConcurrentExec(t *testing.T) {
	var hosts []*Host
	var fleets []*Fleet
	for _, name := range Names() {
		f, err := Named(name)
		if err != nil {
			t.Fatal(err)
		}
		fleets = append(fleets, f)
		hosts = append(hosts, f.Hosts()...)
	}
	commands := map[Platform][]string{
		Windows: {"ps", "netstat", `ls C:\Windows`, "mkdir C:\\Temp\\case-%d", `cd C:\Temp`, "ls",
			raw("Get-Process | Out-Null; Test-Path C:\\Temp\\case-%d"), `reg query ` + runKeyShort, "env"},
		Linux: {"ps", "netstat", "ls -l /etc", "mkdir /tmp/case-%d", "cd /tmp", "ls",
			raw("ps | cat > /dev/null; echo %d"), "filehash /etc/hosts", "env"},
	}
	commands[Mac] = commands[Linux]
	var wg sync.WaitGroup
	errs := make(chan string, 1000)
	for i, h := range hosts {
		for worker := 0; worker < 3; worker++ {
			wg.Add(1)
			go func(h *Host, id int) {
				defer wg.Done()
				sh := h.NewShell()
				for _, c := range commands[h.Platform()] {
					if strings.Contains(c, "%d") {
						c = fmt.Sprintf(c, id)
					}
					if res := h.Exec(sh, Admin, c); res.ErrCode != 0 || res.Stderr != "" {
						errs <- fmt.Sprintf("%s %q: %d %q", h.Hostname(), c, res.ErrCode, res.Stderr)
					}
				}
				h.Get(sh, "hosts")
				h.Info()
			}(h, i*10+worker)
		}
	}
	for _, f := range fleets {
		wg.Add(1)
		go func(f *Fleet) {
			defer wg.Done()
			for i := 0; i < 5; i++ {
				f.Snapshot()
			}
		}(f)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	for _, h := range hosts {
		dir := `C:\Temp`
		if h.Platform() != Windows {
			dir = "/tmp"
		}
		out := runOK(t, h, h.NewShell(), "ls "+dir)
		if got := strings.Count(out, "case-"); got != 3 {
			t.Errorf("%s: %d case directories, want 3 (one per worker)", h.Hostname(), got)
		}
	}
}

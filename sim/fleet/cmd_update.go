package fleet

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"time"
)

// winUpdate is one Windows update: installed ones have an install time.
type winUpdate struct {
	kb, title string
	released  time.Time
	installed time.Time // zero while the update is only available
}

// updateTitles are the kinds of monthly updates a host gets; %s is the
// month ("2026-11") and the product the host's Windows edition.
var updateTitles = []string{
	"%s Cumulative Update for %s for x64-based Systems",
	"%s Security Update for Vendor App Runtime for %s",
	"%s Cumulative Update for .NET Framework 4.8.1 for %s",
	"%s Servicing Stack Update for %s",
}

// buildUpdates gives the host a history of monthly updates, installed a
// few days after each release, with two of the newest release's updates
// still available.
func buildUpdates(h *Host, rng *rand.Rand) []*winUpdate {
	// The product in update titles follows the host's OS version, so a
	// Windows 10 host is not offered Windows 11 updates.
	product := "Windows 11"
	switch version := h.info.OSVersion; {
	case strings.Contains(version, "Server") && strings.Contains(version, "2019"):
		product = "Windows Server 2019"
	case strings.Contains(version, "Server") && strings.Contains(version, "2016"):
		product = "Windows Server 2016"
	case strings.Contains(version, "Server"):
		product = "Windows Server 2022"
	case strings.Contains(version, "Windows 10"):
		product = "Windows 10"
	}
	now := h.now()
	var out []*winUpdate
	kb := 5040000 + rng.IntN(9000)
	for months := 6; months >= 0; months-- {
		month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -months, 0)
		// Patch Tuesday: the second Tuesday of the month.
		release := month.AddDate(0, 0, (9-int(month.Weekday()))%7+7)
		if release.After(now) {
			continue
		}
		for _, tpl := range updateTitles[:2+rng.IntN(len(updateTitles)-1)] {
			kb += 1 + rng.IntN(40)
			out = append(out, &winUpdate{kb: fmt.Sprintf("KB%d", kb),
				title: fmt.Sprintf(tpl, release.Format("2006-01"), product), released: release,
				installed: release.Add(time.Duration(24+rng.IntN(24*6)) * time.Hour)})
		}
	}
	// The newest release's first two updates are not installed yet.
	latest := out[len(out)-1].released
	available := 0
	for _, u := range out {
		if u.released.Equal(latest) && available < 2 {
			u.installed = time.Time{}
			available++
		}
	}
	return out
}

// kbPattern is a KB article id.
var kbPattern = regexp.MustCompile(`^(?i)KB[0-9]{4,8}$`)

func (s *systemState) findUpdate(kb string) *winUpdate {
	for _, u := range s.updates {
		if strings.EqualFold(u.kb, kb) {
			return u
		}
	}
	return nil
}

// updateTable prints updates in a PowerShell-style table of KB id, title
// and a date: the release date for available updates, the install date
// for installed ones. Long titles end in "...".
func (c *call) updateTable(installed bool) Result {
	var rows [][]string
	for _, u := range c.h.system().updates {
		if u.installed.IsZero() == installed {
			continue
		}
		date := u.released
		if installed {
			date = u.installed
		}
		rows = append(rows, []string{u.kb, truncateCell(u.title, 60), c.h.local(date).Format("1/2/2006")})
	}
	if len(rows) == 0 {
		return Result{}
	}
	var b strings.Builder
	b.WriteString("\n")
	writeTable(&b, []column{{header: "KB"}, {header: "Title"}, {header: "Date"}}, rows, 2, false)
	return stdout(b.String())
}

// runUpdateList prints the updates available but not installed; none
// prints nothing.
func runUpdateList(c *call) Result { return c.updateTable(false) }

// runUpdateHistory prints the installed updates.
func runUpdateHistory(c *call) Result { return c.updateTable(true) }

// lookupUpdate checks a KB argument and finds the update.
// NOTE: the text for a bad or unknown KB id was never seen; both messages
// are the emulator's own.
func (c *call) lookupUpdate(sub string) (*winUpdate, Result) {
	kb := c.arg(0, "")
	if !kbPattern.MatchString(kb) {
		return nil, stderr(fmt.Sprintf("update %s: '%s' is not a KB article id, for example KB5046633\n", sub, kb))
	}
	u := c.h.system().findUpdate(kb)
	if u == nil {
		return nil, stderr(fmt.Sprintf("update %s: %s was not found for this host\n", sub, strings.ToUpper(kb)))
	}
	return u, Result{}
}

// runUpdateQuery prints one update as Key: value lines.
func runUpdateQuery(c *call) Result {
	u, problem := c.lookupUpdate("query")
	if u == nil {
		return problem
	}
	status, date := "Available", u.released
	if !u.installed.IsZero() {
		status, date = "Installed", u.installed
	}
	return stdout(fmt.Sprintf("KB: %s\nTitle: %s\nStatus: %s\nDate: %s\n",
		u.kb, u.title, status, c.h.local(date).Format(windowsTimeLayout)))
}

// runUpdateInstall installs an available update at once and prints one
// line. A restart is not modelled as a requirement.
func runUpdateInstall(c *call) Result {
	u, problem := c.lookupUpdate("install")
	if u == nil {
		return problem
	}
	if !u.installed.IsZero() {
		return stderr(fmt.Sprintf("update install: %s is already installed\n", u.kb))
	}
	u.installed = c.h.now()
	return stdout(fmt.Sprintf("Installed %s", u.kb))
}

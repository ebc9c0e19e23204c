package fleet

import (
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// eventLog is one classic Windows event log with its entries, oldest
// first.
type eventLog struct {
	name     string
	maxKB    int
	overflow string
	entries  []eventEntry
}

// eventEntry is one record, with the fields Get-EventLog shows.
type eventEntry struct {
	index      int
	time       time.Time
	entryType  string
	source     string
	instanceID int64
	message    string
}

// eventTemplate is a kind of record that the built logs repeat.
type eventTemplate struct {
	entryType, source string
	instanceID        int64
	message           string
}

// eventTemplates are the records of each built log. They are the
// emulator's own, in the style of the records those sources write.
var eventTemplates = []struct {
	log       string
	count     int
	templates []eventTemplate
}{
	{"Application", 60, []eventTemplate{
		{"Information", "Vendor App Service", 1000, "Service started."},
		{"Information", "Microsoft-Windows-Security-SPP", 16384, "Successfully scheduled Software Protection service for re-start at 2099-01-01T00:00:00Z. Reason: RulesEngine."},
		{"Error", "Application Error", 1000, "Faulting application name: vendorapp.exe, version: 4.2.0.1, faulting module name: ntdll.dll"},
		{"Information", "MsiInstaller", 11707, "Product: Vendor App Runtime -- Installation completed successfully."},
	}},
	{"Security", 120, []eventTemplate{
		{"SuccessAudit", "Microsoft-Windows-Security-Auditing", 4624, "An account was successfully logged on."},
		{"SuccessAudit", "Microsoft-Windows-Security-Auditing", 4672, "Special privileges assigned to new logon."},
		{"SuccessAudit", "Microsoft-Windows-Security-Auditing", 4688, "A new process has been created."},
		{"FailureAudit", "Microsoft-Windows-Security-Auditing", 4625, "An account failed to log on."},
	}},
	{"System", 80, []eventTemplate{
		{"Information", "Service Control Manager", 7036, "The Windows Update service entered the running state."},
		{"Warning", "Microsoft-Windows-DNS-Client", 1014, "Name resolution for the name wpad timed out after none of the configured DNS servers responded."},
		{"Information", "Microsoft-Windows-Time-Service", 37, "The time provider NtpClient is currently receiving valid time data from time.windows.com."},
		{"Information", "EventLog", 6013, "The system uptime is 86400 seconds."},
	}},
	{"Windows PowerShell", 20, []eventTemplate{
		{"Information", "PowerShell", 400, "Engine state is changed from None to Available."},
		{"Information", "PowerShell", 403, "Engine state is changed from Available to Stopped."},
	}},
}

// buildEventLogs makes each log's records, spread over the days before
// the host's current time, newest last.
func buildEventLogs(h *Host, rng *rand.Rand) []*eventLog {
	now := h.now()
	var logs []*eventLog
	for _, spec := range eventTemplates {
		l := &eventLog{name: spec.log, maxKB: 20480, overflow: "OverwriteAsNeeded"}
		index := 1000 + rng.IntN(90000)
		at := now.Add(-time.Duration(spec.count) * 37 * time.Minute)
		for i := 0; i < spec.count; i++ {
			tpl := spec.templates[rng.IntN(len(spec.templates))]
			at = at.Add(time.Duration(5+rng.IntN(60)) * time.Minute)
			if at.After(now) {
				at = now
			}
			l.entries = append(l.entries, eventEntry{index: index + i, time: at, entryType: tpl.entryType,
				source: tpl.source, instanceID: tpl.instanceID, message: tpl.message})
		}
		logs = append(logs, l)
	}
	return logs
}

// findLog looks a log up by name without case, as Get-EventLog does.
func (s *systemState) findLog(name string) *eventLog {
	for _, l := range s.eventLogs {
		if strings.EqualFold(l.name, name) {
			return l
		}
	}
	return nil
}

// missingLog is Get-EventLog's message for a log that does not exist.
func missingLog(name string) Result {
	return stderr(fmt.Sprintf("The event log '%s' on computer '.' does not exist.", name))
}

// runEventlogList prints the logs in Get-EventLog -List's table.
func runEventlogList(c *call) Result {
	var b strings.Builder
	row := "%8s %6s %-22s%7s %s\n"
	b.WriteString("\n")
	fmt.Fprintf(&b, row, "Max(K)", "Retain", "OverflowAction", "Entries", "Log")
	fmt.Fprintf(&b, row, "------", "------", "--------------", "-------", "---")
	for _, l := range c.h.system().eventLogs {
		fmt.Fprintf(&b, row, withThousands(l.maxKB), "0", l.overflow, withThousands(len(l.entries)), l.name)
	}
	return stdout(b.String())
}

// Limits of eventlog view's Count argument, from RTR's help data.
const (
	eventViewDefault = 100
	eventViewMax     = 500
)

// runEventlogView prints the newest Count records of a log, optionally of
// one source only, in Get-EventLog's table. Cells wider than their column
// end in "...", as PowerShell prints them.
func runEventlogView(c *call) Result {
	name := c.arg(0, "")
	if name == "" {
		return stderr("eventlog view: missing log name, for example: eventlog view System 20\n")
	}
	l := c.h.system().findLog(name)
	if l == nil {
		return missingLog(name)
	}
	count, err := strconv.Atoi(c.arg(1, strconv.Itoa(eventViewDefault)))
	if err != nil || count < 1 || count > eventViewMax {
		// NOTE: the text for a bad Count was never seen; this wording is
		// the emulator's own.
		return stderr(fmt.Sprintf("eventlog view: Count must be a whole number from 1 to %d, got '%s'\n", eventViewMax, c.arg(1, "")))
	}
	source := c.arg(2, "")
	var b strings.Builder
	row := "%8s %-13s %-11s %-22s %10s %s\n"
	b.WriteString("\n")
	fmt.Fprintf(&b, row, "Index", "Time", "EntryType", "Source", "InstanceID", "Message")
	fmt.Fprintf(&b, row, "-----", "----", "---------", "------", "----------", "-------")
	shown := 0
	for i := len(l.entries) - 1; i >= 0 && shown < count; i-- {
		e := l.entries[i]
		if source != "" && !strings.EqualFold(e.source, source) {
			continue
		}
		fmt.Fprintf(&b, row, strconv.Itoa(e.index), c.h.local(e.time).Format("Jan 02 15:04"), e.entryType,
			truncateCell(e.source, 21), strconv.FormatInt(e.instanceID, 10), truncateCell(e.message, 46))
		shown++
	}
	if shown == 0 {
		// Get-EventLog reports an empty match as an error.
		return stderr("No matches found")
	}
	return stdout(b.String())
}

// runEventlogExport writes a log's records to a CSV file, as Export-Csv
// writes Get-EventLog's objects, and prints the file's path.
func runEventlogExport(c *call) Result {
	l, dst, problem := c.eventlogTarget("export")
	if problem.Stderr != "" {
		return problem
	}
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	// Writes to a strings.Builder never fail.
	_ = w.Write([]string{"Index", "TimeGenerated", "EntryType", "Source", "InstanceID", "Message"})
	for _, e := range l.entries {
		_ = w.Write([]string{strconv.Itoa(e.index), c.h.local(e.time).Format(windowsTimeLayout), e.entryType,
			e.source, strconv.FormatInt(e.instanceID, 10), e.message})
	}
	w.Flush()
	c.h.fs.place(dst, bytesFile([]byte(b.String()), c.h.now()))
	return stdout(formatPath(Windows, c.h.fs.canonical(dst)))
}

// runEventlogBackup saves a log as an .evtx file and prints its path. The
// file starts with the EVTX signature and is sized like a log of that
// many records: a 4 KiB header and 64 KiB chunks.
func runEventlogBackup(c *call) Result {
	l, dst, problem := c.eventlogTarget("backup")
	if problem.Stderr != "" {
		return problem
	}
	chunks := int64(len(l.entries)*600/65536 + 1)
	size := 4096 + chunks*65536
	seed := formatPath(Windows, dst)
	c.h.fs.place(dst, opaqueFile(Windows, seed, []byte("ElfFile\x00"), size, c.h.now()))
	return stdout(formatPath(Windows, c.h.fs.canonical(dst)))
}

// eventlogTarget checks export's and backup's log name and file name.
// NOTE: the text for a missing file name was never seen; this wording is
// the emulator's own.
func (c *call) eventlogTarget(sub string) (*eventLog, []string, Result) {
	name, file := c.arg(0, ""), c.arg(1, "")
	if name == "" || file == "" {
		return nil, nil, stderr(fmt.Sprintf("eventlog %s: missing log name or file name, for example: eventlog %s System C:\\Windows\\Temp\\system.out\n", sub, sub))
	}
	l := c.h.system().findLog(name)
	if l == nil {
		return nil, nil, missingLog(name)
	}
	dst, problem := c.archiveDestination(file)
	if problem != "" {
		return nil, nil, stderr(problem)
	}
	return l, dst, Result{}
}

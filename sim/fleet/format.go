package fleet

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// windowsTimeLayout is the layout of host-local times in RTR's Windows
// output: US order, no leading zeros, 12-hour clock.
const windowsTimeLayout = "1/2/2006 3:04:05 PM"

// utcLabel returns the zone suffix of Windows column headers, "(UTC-5)".
// The sign is always shown, also for UTC itself ("UTC+0").
func (h *Host) utcLabel() string {
	_, offset := h.now().In(h.zone).Zone()
	label := fmt.Sprintf("(UTC%+d", offset/3600)
	if m := (abs(offset) % 3600) / 60; m != 0 {
		label += fmt.Sprintf(":%02d", m)
	}
	return label + ")"
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// padRight pads s with spaces to width; longer text is left as it is and
// pushes the rest of the row to the right.
func padRight(s string, width int) string {
	if len(s) >= width {
		return s
	}
	return s + strings.Repeat(" ", width-len(s))
}

func padLeft(s string, width int) string {
	if len(s) >= width {
		return s
	}
	return strings.Repeat(" ", width-len(s)) + s
}

// column is one column of a left-aligned text table.
type column struct {
	header string
	width  int
}

// writeTable writes a PowerShell-style table: the header, a dash line as
// long as each header, then the rows. Columns are separated by sep spaces
// and widened to fit their longest cell. Lines are right-trimmed unless pad
// is set, which keeps the widths fixed and pads every line to full width.
func writeTable(b *strings.Builder, cols []column, rows [][]string, sep int, pad bool) {
	widths := make([]int, len(cols))
	for i, c := range cols {
		widths[i] = max(c.width, len(c.header))
		if pad {
			continue // padded tables (ls) keep fixed widths and let cells overflow
		}
		for _, r := range rows {
			widths[i] = max(widths[i], len(r[i]))
		}
	}
	line := func(cells []string) {
		var l strings.Builder
		for i, cell := range cells {
			if i > 0 {
				l.WriteString(strings.Repeat(" ", sep))
			}
			l.WriteString(padRight(cell, widths[i]))
		}
		s := l.String()
		if !pad {
			s = strings.TrimRight(s, " ")
		}
		b.WriteString(s)
		b.WriteString("\n")
	}
	headers := make([]string, len(cols))
	dashes := make([]string, len(cols))
	for i, c := range cols {
		headers[i] = c.header
		dashes[i] = strings.Repeat("-", len(c.header))
	}
	line(headers)
	line(dashes)
	for _, r := range rows {
		line(r)
	}
}

// formatMB renders a byte count in MiB with at most two decimals and no
// trailing zeros, as the Windows ls Size (MB) column does.
func formatMB(size int64) string {
	mb := math.Round(float64(size)/(1<<20)*100) / 100
	return strconv.FormatFloat(mb, 'f', -1, 64)
}

// formatClock renders a CPU time as h:mm:ss.
func formatClock(d time.Duration) string {
	s := int64(d / time.Second)
	return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
}

// withCRLF converts LF line ends to CRLF.
func withCRLF(s string) string {
	return strings.ReplaceAll(s, "\n", "\r\n")
}

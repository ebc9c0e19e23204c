package rtrout

import (
	"strings"
)

// Row is one row of a table, keyed by column header.
type Row map[string]string

// Get returns the cell under the first of names that the row has, compared
// without case, and whether one was found.
func (r Row) Get(names ...string) (string, bool) {
	for _, name := range names {
		for k, v := range r {
			if strings.EqualFold(k, name) {
				return v, true
			}
		}
	}
	return "", false
}

// Lines splits text into lines, accepting \n and \r\n, and drops trailing
// spaces from each.
func Lines(text string) []string {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t\r")
	}
	return lines
}

// ParseDashTable parses a PowerShell-style table: a header line, a line of
// dashes under each header, then rows. Column starts come from the dash
// line. The last column takes the rest of the line, so that overlong cells
// and paths with spaces stay whole. It returns nil if text holds no such
// table.
func ParseDashTable(text string) []Row {
	lines := Lines(text)
	for i := 0; i+1 < len(lines); i++ {
		if !isDashLine(lines[i+1]) || strings.TrimSpace(lines[i]) == "" {
			continue
		}
		cols := dashColumns(lines[i+1])
		headers := sliceColumns(lines[i], cols)
		var rows []Row
		for _, line := range lines[i+2:] {
			if strings.TrimSpace(line) == "" {
				if len(rows) > 0 {
					break
				}
				continue
			}
			cells := sliceColumns(line, cols)
			row := make(Row, len(headers))
			for j, h := range headers {
				row[h] = cells[j]
			}
			rows = append(rows, row)
		}
		return rows
	}
	return nil
}

func isDashLine(line string) bool {
	t := strings.TrimSpace(line)
	return t != "" && strings.Trim(t, "- ") == "" && strings.Contains(t, "-")
}

// dashColumns returns the start offset of each run of dashes.
func dashColumns(line string) []int {
	var starts []int
	for i := 0; i < len(line); i++ {
		if line[i] == '-' && (i == 0 || line[i-1] == ' ') {
			starts = append(starts, i)
		}
	}
	return starts
}

func sliceColumns(line string, starts []int) []string {
	cells := make([]string, len(starts))
	for j, start := range starts {
		if start >= len(line) {
			continue
		}
		end := len(line)
		if j+1 < len(starts) && starts[j+1] < len(line) {
			end = starts[j+1]
		}
		cells[j] = strings.TrimSpace(line[start:end])
	}
	return cells
}

// ParseSpaceTable parses a table whose header and rows are separated by
// runs of spaces, as ps -ef prints. The last column takes the rest of the
// line, because commands contain spaces.
func ParseSpaceTable(text string) []Row {
	lines := Lines(text)
	var headers []string
	var rows []Row
	for _, line := range lines {
		if strings.TrimSpace(line) == "" {
			continue
		}
		if headers == nil {
			headers = strings.Fields(line)
			continue
		}
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		row := make(Row, len(headers))
		for j, h := range headers {
			switch {
			case j >= len(fields):
				row[h] = ""
			case j == len(headers)-1:
				row[h] = restFrom(line, fields, j)
			default:
				row[h] = fields[j]
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// restFrom returns line from the start of its n-th field to the end.
func restFrom(line string, fields []string, n int) string {
	pos := 0
	for i := 0; i < n; i++ {
		idx := strings.Index(line[pos:], fields[i])
		pos += idx + len(fields[i])
	}
	return strings.TrimSpace(line[pos:])
}

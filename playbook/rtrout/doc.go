// Package rtrout parses the text that RTR commands print: PowerShell-style
// tables (ps on Windows), ps -ef style tables (ps on Linux and macOS) and
// reg.exe-style registry listings.
//
// Few RTR output formats are known for certain, so every parser here reads
// columns by header name, never by position, tolerates both line endings and
// trailing padding, and slices Windows tables by the column offsets of their
// dash line, because process names and paths may contain spaces.
package rtrout

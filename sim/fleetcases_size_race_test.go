//go:build race

package sim

// largeFilePath on caseEvidence is the file that the large-file test gets:
// 64 MiB under the race detector, which slows every read and write.
const (
	largeFilePath = `C:\Evidence\small.raw`
	largeFileSize = 64 << 20
)

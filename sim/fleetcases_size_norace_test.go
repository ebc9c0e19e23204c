//go:build !race

package sim

// largeFilePath on caseEvidence is the file that the large-file test gets:
// 256 MiB without the race detector, which would make it too slow.
const (
	largeFilePath = `C:\Evidence\disk.raw`
	largeFileSize = 256 << 20
)

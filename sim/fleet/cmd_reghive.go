package fleet

import (
	"strings"
	"time"
)

// reg.exe's messages for load and unload.
const (
	regFileNotFound = "ERROR: The system cannot find the file specified.\r\n"
	regAccessDenied = "ERROR: Access is denied.\r\n"
	regNotAHive     = "ERROR: The parameter is incorrect.\r\n"
)

// hiveKey parses a reg load or unload key: reg.exe takes only keys one
// level below HKLM or HKU.
func hiveKey(path string) (string, []string, bool) {
	hive, subkeys, err := parseKeyPath(path)
	if err != nil || len(subkeys) != 1 || (hive != "HKEY_LOCAL_MACHINE" && hive != "HKEY_USERS") {
		return "", nil, false
	}
	return hive, subkeys, true
}

// runRegLoad mounts a hive file from disk under a new key, as reg.exe load
// does. The emulator does not parse the file: every loaded hive holds the
// keys of a user profile's NTUSER.DAT (a Run key and an Environment key),
// which is what responders load hives to read.
func runRegLoad(c *call) Result {
	if len(c.inv.args) < 2 {
		return stderr(regInvalidSyntax)
	}
	hive, subkeys, ok := hiveKey(c.inv.args[1])
	if !ok {
		return stderr(regInvalidKey)
	}
	_, n, err := c.lookupArg(c.inv.args[0])
	if err != nil || n.dir {
		return stderr(regFileNotFound)
	}
	if _, _, exists := c.h.reg.lookup(hive, subkeys); exists {
		return stderr(regAccessDenied)
	}
	c.h.reg.createKey(hive, append(subkeys, `Software`, `Microsoft`, `Windows`, `CurrentVersion`, `Run`))
	c.h.reg.setValue(hive, append(subkeys, "Environment"), &regValue{name: "TEMP", typ: regExpandSZ,
		str: `%USERPROFILE%\AppData\Local\Temp`})
	_, name, _ := c.h.reg.lookup(hive, subkeys)
	c.h.system().hives[strings.ToLower(name)] = true
	return stdout(regSuccess)
}

// runRegUnload removes a key made by reg load. Any other key is not a
// hive root, which reg.exe reports as an incorrect parameter.
func runRegUnload(c *call) Result {
	if len(c.inv.args) < 1 {
		return stderr(regInvalidSyntax)
	}
	hive, subkeys, ok := hiveKey(c.inv.args[0])
	if !ok {
		return stderr(regInvalidKey)
	}
	_, name, exists := c.h.reg.lookup(hive, subkeys)
	s := c.h.system()
	if !exists || !s.hives[strings.ToLower(name)] {
		return stderr(regNotAHive)
	}
	delete(s.hives, strings.ToLower(name))
	c.h.reg.deleteKey(hive, subkeys)
	return stdout(regSuccess)
}

// cswindiagTime is how long CSWinDiag runs before its archive appears. It
// is an estimate: the tool collects logs for a few minutes.
const cswindiagTime = 3 * time.Minute

// runCswindiag starts CrowdStrike's Windows diagnostic tool, which returns
// at once with run's message; its zip appears under the sensor's PutRun
// folder once the collection ends.
// NOTE: the archive's name pattern is the emulator's own; clients are
// known only to look for CSWinDiag*.zip in that folder.
func runCswindiag(c *call) Result {
	now := c.h.now()
	dir := []string{"C:", "Program Files", "CrowdStrike", "Rtr", "PutRun"}
	if _, err := c.h.fs.mkdirAll(dir, now); err != nil {
		return stderr(windowsNotFound(formatPath(Windows, dir)))
	}
	ready := now.Add(cswindiagTime)
	name := "CSWinDiag-" + c.h.info.Hostname + "-" + c.h.local(ready).Format("20060102-150405") + ".zip"
	dst := append(dir, name)
	rng := c.h.hostRand("cswindiag" + name)
	size := int64(20<<20 + rng.IntN(40<<20))
	s := c.h.system()
	s.pending = append(s.pending, pendingDump{comps: dst, ready: ready,
		node: opaqueFile(Windows, formatPath(Windows, dst), []byte("PK\x03\x04"), size, ready)})
	return stdout(processStarted)
}

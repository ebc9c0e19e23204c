package fleet

import (
	"errors"
	"fmt"
	"strings"
)

// psLocation is a PowerShell path resolved to a file or a registry key.
type psLocation struct {
	registry bool
	display  string // the path as PowerShell prints it in messages

	comps []string // file system

	hive    string // registry: long hive name
	subkeys []string
	drive   string // registry: HKLM or HKCU, the PSDrive
}

// psRegistryDrives are the registry drives that Windows PowerShell defines.
// HKEY_USERS has none, so HKU:\ fails as it does on a real host.
var psRegistryDrives = map[string]string{"HKLM": "HKEY_LOCAL_MACHINE", "HKCU": "HKEY_CURRENT_USER"}

var psProviderPrefixes = []string{`Microsoft.PowerShell.Core\Registry::`, `Registry::`}

// resolve reads a path as PowerShell does: HKLM:\ and HKCU:\ drive paths
// and Registry:: provider paths name registry keys, C:\ and relative paths
// name files.
func (r *psRun) resolve(p string) (psLocation, error) {
	for _, prefix := range psProviderPrefixes {
		if len(p) >= len(prefix) && strings.EqualFold(p[:len(prefix)], prefix) {
			rest := strings.TrimRight(p[len(prefix):], `\`)
			hive, subkeys, err := parseKeyPath(rest)
			if err != nil {
				return psLocation{}, errors.New(psNotFound(p))
			}
			return psLocation{registry: true, display: rest, hive: hive, subkeys: subkeys,
				drive: driveOf(hive)}, nil
		}
	}
	if drive, rest, ok := strings.Cut(p, ":"); ok && len(drive) > 1 && !strings.ContainsAny(drive, `\/`) {
		hive, known := psRegistryDrives[strings.ToUpper(drive)]
		if !known {
			return psLocation{}, fmt.Errorf("Cannot find drive. A drive with the name '%s' does not exist.", drive)
		}
		var subkeys []string
		for _, s := range strings.Split(strings.ReplaceAll(rest, "/", `\`), `\`) {
			if s != "" {
				subkeys = append(subkeys, s)
			}
		}
		display := strings.ToUpper(drive) + `:\` + strings.Join(subkeys, `\`)
		return psLocation{registry: true, display: display, hive: hive, subkeys: subkeys,
			drive: strings.ToUpper(drive)}, nil
	}
	if len(p) >= 2 && p[1] == ':' && !strings.EqualFold(p[:1], "C") {
		return psLocation{}, fmt.Errorf("Cannot find drive. A drive with the name '%s' does not exist.", p[:1])
	}
	comps, ok := resolveWindowsPath(r.c.sh.dir(), p)
	if !ok {
		return psLocation{}, errors.New(psNotFound(p))
	}
	display := formatPath(Windows, comps)
	if _, err := r.c.h.fs.lookup(comps); err == nil {
		display = formatPath(Windows, r.c.h.fs.canonical(comps))
	}
	return psLocation{display: display, comps: comps}, nil
}

func driveOf(hive string) string {
	for short, long := range psRegistryDrives {
		if long == hive {
			return short
		}
	}
	return ""
}

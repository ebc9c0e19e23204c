package fleet

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

func psGetItemProperty(r *psRun, b psBound, _ []any) []any {
	var out []any
	for _, p := range psPaths(b) {
		loc, err := r.resolve(p)
		if err != nil {
			r.fail(err.Error())
			continue
		}
		if !loc.registry {
			if props, ok := r.fileProperties(loc); ok {
				out = append(out, props)
			}
			continue
		}
		key, long, ok := r.c.h.reg.lookup(loc.hive, loc.subkeys)
		if !ok {
			r.fail(psNotFound(loc.display))
			continue
		}
		values := key.values
		if b.has("Name") {
			values = nil
			for _, name := range b["Name"] {
				if _, v := key.value(name); v != nil {
					values = append(values, v)
				} else if !hasWildcard(name) {
					r.fail(fmt.Sprintf("Property %s does not exist at path %s.", name, long))
				}
			}
			if len(values) == 0 {
				continue
			}
		}
		props := &psItemProps{}
		for _, v := range values {
			props.props = append(props.props, [2]string{v.name, r.psValue(v)})
		}
		props.props = append(props.props, registryPSProps(loc, long, key)...)
		out = append(out, props)
	}
	return out
}

// registryPSProps are the provider properties that Get-ItemProperty adds to
// every registry result.
func registryPSProps(loc psLocation, long string, key *regKey) [][2]string {
	parent := long[:max(0, strings.LastIndexByte(long, '\\'))]
	const provider = `Microsoft.PowerShell.Core\Registry`
	return [][2]string{
		{"PSPath", provider + "::" + long},
		{"PSParentPath", provider + "::" + parent},
		{"PSChildName", key.name},
		{"PSDrive", loc.drive},
		{"PSProvider", provider},
	}
}

func (r *psRun) fileProperties(loc psLocation) (*psItemProps, bool) {
	fs := r.c.h.fs
	n, err := fs.lookup(loc.comps)
	if err != nil {
		r.fail(psNotFound(loc.display))
		return nil, false
	}
	full := formatPath(Windows, fs.canonical(loc.comps))
	parent := formatPath(Windows, fs.canonical(loc.comps[:max(1, len(loc.comps)-1)]))
	const provider = `Microsoft.PowerShell.Core\FileSystem`
	props := [][2]string{
		{"PSPath", provider + "::" + full},
		{"PSParentPath", provider + "::" + parent},
		{"PSChildName", n.name},
		{"PSDrive", "C"},
		{"PSProvider", provider},
		{"Name", n.name},
		{"LastWriteTime", r.c.h.local(n.modified).Format(windowsTimeLayout)},
	}
	if !n.dir {
		props = append(props, [2]string{"Length", strconv.FormatInt(n.size, 10)})
	}
	return &psItemProps{props: props}, true
}

// psValue formats value data as PowerShell shows it: expandable strings
// expanded, numbers in decimal, arrays in braces.
func (r *psRun) psValue(v *regValue) string {
	switch v.typ {
	case regSZ:
		return v.str
	case regExpandSZ:
		return r.expandEnv(v.str)
	case regDWORD, regQWORD:
		return strconv.FormatUint(v.num, 10)
	case regMultiSZ:
		return "{" + strings.Join(v.multi, ", ") + "}"
	}
	parts := make([]string, len(v.binary))
	for i, x := range v.binary {
		parts[i] = strconv.Itoa(int(x))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

var percentVar = regexp.MustCompile(`%([^%]+)%`)

func (r *psRun) expandEnv(s string) string {
	return percentVar.ReplaceAllStringFunc(s, func(m string) string {
		if v, ok := r.c.h.envLookup(m[1 : len(m)-1]); ok {
			return v
		}
		return m
	})
}

func psRemoveItemProperty(r *psRun, b psBound, _ []any) []any {
	if !b.has("Name") {
		r.fail("Cannot process command because of one or more missing mandatory parameters: Name.")
		return nil
	}
	for _, p := range psPaths(b) {
		loc, err := r.resolve(p)
		if err != nil {
			r.fail(err.Error())
			continue
		}
		if !loc.registry {
			r.fail(fmt.Sprintf("Cannot use interface. The IDynamicPropertyCmdletProvider interface is not " +
				"implemented by this provider."))
			continue
		}
		_, long, ok := r.c.h.reg.lookup(loc.hive, loc.subkeys)
		if !ok {
			r.fail(psNotFound(loc.display))
			continue
		}
		for _, name := range b["Name"] {
			if !r.c.h.reg.deleteValue(loc.hive, loc.subkeys, name) {
				r.fail(fmt.Sprintf("Property %s does not exist at path %s.", name, long))
			}
		}
	}
	return nil
}

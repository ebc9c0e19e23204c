package fleet

import (
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// regType is a registry value type as reg.exe names it.
type regType string

const (
	regSZ       regType = "REG_SZ"
	regExpandSZ regType = "REG_EXPAND_SZ"
	regMultiSZ  regType = "REG_MULTI_SZ"
	regDWORD    regType = "REG_DWORD"
	regQWORD    regType = "REG_QWORD"
	regBinary   regType = "REG_BINARY"
	regNone     regType = "REG_NONE"
)

func parseRegType(s string) (regType, error) {
	t := regType(strings.ToUpper(s))
	switch t {
	case regSZ, regExpandSZ, regMultiSZ, regDWORD, regQWORD, regBinary, regNone:
		return t, nil
	}
	return "", fmt.Errorf("unknown registry value type %q: use REG_SZ, REG_EXPAND_SZ, "+
		"REG_MULTI_SZ, REG_DWORD, REG_QWORD, REG_BINARY or REG_NONE", s)
}

// regValue is a named value. Exactly one data field is used, chosen by typ.
type regValue struct {
	name   string
	typ    regType
	str    string   // REG_SZ, REG_EXPAND_SZ
	num    uint64   // REG_DWORD, REG_QWORD
	multi  []string // REG_MULTI_SZ
	binary []byte   // REG_BINARY, REG_NONE
}

// regData renders the data as reg.exe prints it.
func (v *regValue) regData() string {
	switch v.typ {
	case regSZ, regExpandSZ:
		return v.str
	case regDWORD, regQWORD:
		return "0x" + strconv.FormatUint(v.num, 16)
	case regMultiSZ:
		return strings.Join(v.multi, `\0`)
	}
	return strings.ToUpper(hex.EncodeToString(v.binary))
}

type regKey struct {
	name    string
	values  []*regValue // in creation order, as the registry enumerates them
	subkeys map[string]*regKey
}

func newRegKey(name string) *regKey {
	return &regKey{name: name, subkeys: map[string]*regKey{}}
}

func (k *regKey) value(name string) (int, *regValue) {
	for i, v := range k.values {
		if strings.EqualFold(v.name, name) {
			return i, v
		}
	}
	return -1, nil
}

func (k *regKey) sortedSubkeys() []*regKey {
	out := make([]*regKey, 0, len(k.subkeys))
	for _, s := range k.subkeys {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool {
		return strings.ToLower(out[i].name) < strings.ToLower(out[j].name)
	})
	return out
}

// hives maps every spelling of a root key to its long name.
var hives = map[string]string{
	"HKLM": "HKEY_LOCAL_MACHINE", "HKEY_LOCAL_MACHINE": "HKEY_LOCAL_MACHINE",
	"HKU": "HKEY_USERS", "HKEY_USERS": "HKEY_USERS",
	"HKCU": "HKEY_CURRENT_USER", "HKEY_CURRENT_USER": "HKEY_CURRENT_USER",
	"HKCR": "HKEY_CLASSES_ROOT", "HKEY_CLASSES_ROOT": "HKEY_CLASSES_ROOT",
	"HKCC": "HKEY_CURRENT_CONFIG", "HKEY_CURRENT_CONFIG": "HKEY_CURRENT_CONFIG",
}

var hiveOrder = []string{"HKEY_CLASSES_ROOT", "HKEY_CURRENT_USER", "HKEY_LOCAL_MACHINE",
	"HKEY_USERS", "HKEY_CURRENT_CONFIG"}

var errInvalidKey = errors.New("invalid key name")

// registry is a Windows host's registry.
type registry struct {
	roots map[string]*regKey // by long hive name
}

func newRegistry() *registry {
	r := &registry{roots: map[string]*regKey{}}
	for _, h := range hiveOrder {
		r.roots[h] = newRegKey(h)
	}
	return r
}

// parseKeyPath splits a reg.exe key path (HKLM\SOFTWARE\x or
// HKEY_LOCAL_MACHINE\SOFTWARE\x) into the long hive name and subkey names.
func parseKeyPath(path string) (string, []string, error) {
	parts := strings.Split(strings.Trim(path, `\`), `\`)
	hive, ok := hives[strings.ToUpper(parts[0])]
	if !ok {
		return "", nil, errInvalidKey
	}
	var subkeys []string
	for _, p := range parts[1:] {
		if p == "" {
			return "", nil, errInvalidKey
		}
		subkeys = append(subkeys, p)
	}
	return hive, subkeys, nil
}

// lookup returns the key and its canonical long path.
func (r *registry) lookup(hive string, subkeys []string) (*regKey, string, bool) {
	k := r.roots[hive]
	name := hive
	for _, s := range subkeys {
		next, ok := k.subkeys[strings.ToLower(s)]
		if !ok {
			return nil, "", false
		}
		k = next
		name += `\` + k.name
	}
	return k, name, true
}

// createKey returns the key at the path, creating missing keys.
func (r *registry) createKey(hive string, subkeys []string) *regKey {
	k := r.roots[hive]
	for _, s := range subkeys {
		next, ok := k.subkeys[strings.ToLower(s)]
		if !ok {
			next = newRegKey(s)
			k.subkeys[strings.ToLower(s)] = next
		}
		k = next
	}
	return k
}

// setValue creates or replaces a value.
func (r *registry) setValue(hive string, subkeys []string, v *regValue) {
	k := r.createKey(hive, subkeys)
	if i, _ := k.value(v.name); i >= 0 {
		k.values[i] = v
		return
	}
	k.values = append(k.values, v)
}

// deleteKey removes a key and everything under it. Root keys cannot be
// deleted.
func (r *registry) deleteKey(hive string, subkeys []string) bool {
	if len(subkeys) == 0 {
		return false
	}
	parent, _, ok := r.lookup(hive, subkeys[:len(subkeys)-1])
	if !ok {
		return false
	}
	last := strings.ToLower(subkeys[len(subkeys)-1])
	if _, ok := parent.subkeys[last]; !ok {
		return false
	}
	delete(parent.subkeys, last)
	return true
}

// deleteValue removes one value and reports whether it existed.
func (r *registry) deleteValue(hive string, subkeys []string, name string) bool {
	k, _, ok := r.lookup(hive, subkeys)
	if !ok {
		return false
	}
	i, _ := k.value(name)
	if i < 0 {
		return false
	}
	k.values = append(k.values[:i], k.values[i+1:]...)
	return true
}

// walk calls fn for every key in path order, root keys included.
func (r *registry) walk(fn func(path string, k *regKey)) {
	var visit func(path string, k *regKey)
	visit = func(path string, k *regKey) {
		fn(path, k)
		for _, s := range k.sortedSubkeys() {
			visit(path+`\`+s.name, s)
		}
	}
	for _, h := range hiveOrder {
		visit(h, r.roots[h])
	}
}

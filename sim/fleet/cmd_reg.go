package fleet

import (
	"encoding/hex"
	"strconv"
	"strings"
)

// reg.exe messages, which RTR's reg commands follow.
const (
	regNotFound      = "ERROR: The system was unable to find the specified registry key or value.\r\n"
	regInvalidKey    = "ERROR: Invalid key name.\r\n"
	regSuccess       = "The operation completed successfully.\r\n"
	regInvalidSyntax = "ERROR: Invalid syntax.\r\n"
)

// runRegQuery prints a key like reg.exe query: a blank line, the key and
// its values when it has any, then the full paths of its subkeys. Key and
// blank lines end in CRLF, value lines in LF: saved RTR reg query output
// has mixed line ends, and parsers must cope with both.
func runRegQuery(c *call) Result {
	if len(c.inv.args) == 0 {
		var b strings.Builder
		b.WriteString("\r\n")
		for _, h := range hiveOrder {
			b.WriteString(h + "\r\n")
		}
		return stdout(b.String())
	}
	hive, subkeys, err := parseKeyPath(c.inv.args[0])
	if err != nil {
		return stderr(regInvalidKey)
	}
	key, name, ok := c.h.reg.lookup(hive, subkeys)
	if !ok {
		return stderr(regNotFound)
	}
	values := key.values
	if len(c.inv.args) == 2 {
		_, v := key.value(c.inv.args[1])
		if v == nil {
			return stderr(regNotFound)
		}
		values = []*regValue{v}
	}
	var b strings.Builder
	b.WriteString("\r\n")
	if len(values) > 0 {
		b.WriteString(name + "\r\n")
		for _, v := range values {
			b.WriteString("    " + v.name + "    " + string(v.typ) + "    " + v.regData() + "\n")
		}
		b.WriteString("\r\n")
	}
	if len(c.inv.args) == 2 {
		return stdout(b.String())
	}
	for _, s := range key.sortedSubkeys() {
		b.WriteString(name + `\` + s.name + "\r\n")
	}
	return stdout(b.String())
}

// runRegDelete removes one value (reg delete <key> <value>) or a key with
// everything under it (reg delete <key>).
func runRegDelete(c *call) Result {
	if len(c.inv.args) == 0 {
		return stderr(regInvalidSyntax)
	}
	hive, subkeys, err := parseKeyPath(c.inv.args[0])
	if err != nil {
		return stderr(regInvalidKey)
	}
	if len(c.inv.args) == 2 {
		if !c.h.reg.deleteValue(hive, subkeys, c.inv.args[1]) {
			return stderr(regNotFound)
		}
		return stdout(regSuccess)
	}
	if len(subkeys) == 0 {
		return stderr(regInvalidKey)
	}
	if !c.h.reg.deleteKey(hive, subkeys) {
		return stderr(regNotFound)
	}
	return stdout(regSuccess)
}

// runRegSet creates or replaces a value:
// reg set <key> <value name> -ValueType=<type> -Value=<data>.
func runRegSet(c *call) Result {
	if len(c.inv.args) < 2 {
		return stderr(regInvalidSyntax)
	}
	hive, subkeys, err := parseKeyPath(c.inv.args[0])
	if err != nil || len(subkeys) == 0 {
		return stderr(regInvalidKey)
	}
	typeName, ok := c.inv.flag("ValueType")
	if !ok {
		typeName = string(regSZ)
	}
	typ, err := parseRegType(typeName)
	if err != nil {
		return stderr(regInvalidSyntax)
	}
	data, _ := c.inv.flag("Value")
	v, err := parseRegData(c.inv.args[1], typ, data)
	if err != nil {
		return stderr(regInvalidSyntax)
	}
	c.h.reg.setValue(hive, subkeys, v)
	return stdout(regSuccess)
}

// parseRegData reads value data written as reg.exe takes it: decimal or
// 0x-prefixed numbers, \0-separated strings and hex bytes.
func parseRegData(name string, typ regType, data string) (*regValue, error) {
	v := &regValue{name: name, typ: typ}
	var err error
	switch typ {
	case regSZ, regExpandSZ:
		v.str = data
	case regDWORD, regQWORD:
		bits := 32
		if typ == regQWORD {
			bits = 64
		}
		v.num, err = strconv.ParseUint(data, 0, bits)
	case regMultiSZ:
		v.multi = strings.Split(data, `\0`)
	default:
		v.binary, err = hex.DecodeString(data)
	}
	return v, err
}

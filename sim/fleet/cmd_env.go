package fleet

import (
	"fmt"
	"sort"
	"strings"
)

// runEnv prints environment variables. Windows shows the Machine, User and
// Process scopes as two-column PowerShell-style tables under their scope
// names; Linux and macOS print NAME=value lines like env.
func runEnv(c *call) Result {
	if c.h.platform != Windows {
		var b strings.Builder
		for _, v := range c.h.env {
			fmt.Fprintf(&b, "%s=%s\n", v.name, v.value)
		}
		return stdout(b.String())
	}
	var b strings.Builder
	for _, scope := range []envScope{scopeMachine, scopeUser, scopeProcess} {
		var rows [][]string
		for _, v := range c.h.env {
			if v.scope == scope {
				rows = append(rows, []string{v.name, v.value})
			}
		}
		sort.Slice(rows, func(i, j int) bool { return strings.ToLower(rows[i][0]) < strings.ToLower(rows[j][0]) })
		b.WriteString("\n" + string(scope) + "\n")
		writeTable(&b, []column{{"Name", 30}, {"Value", 5}}, rows, 1, false)
	}
	return stdout(b.String())
}

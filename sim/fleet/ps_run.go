package fleet

import (
	"fmt"
	"sort"
	"strings"
)

// psRun is one runscript -Raw execution of the PowerShell subset.
type psRun struct {
	c      *call
	out    *scriptOutput
	silent bool // the running cmdlet has -ErrorAction SilentlyContinue
}

// psCmdlet is one cmdlet of the subset. run gets the bound parameters and
// the objects piped in, and returns the objects it outputs.
type psCmdlet struct {
	name   string
	params []psParam
	// pipeline is set for cmdlets that accept piped objects.
	pipeline bool
	run      func(r *psRun, b psBound, input []any) []any
}

// psItemProps is the output object of Get-ItemProperty: ordered name/value
// pairs.
type psItemProps struct{ props [][2]string }

func psNotRecognized(name string) string {
	return fmt.Sprintf("The term '%s' is not recognized as the name of a cmdlet, function, script file, "+
		"or operable program. Check the spelling of the name, or if a path was included, verify that the "+
		"path is correct and try again.", name)
}

// runPowerShell runs a script. A parse error stops it before any statement
// runs. Errors inside a statement go to stderr and the script goes on with
// the next statement, as PowerShell does with non-terminating errors.
func (c *call) runPowerShell(script string, out *scriptOutput) {
	r := &psRun{c: c, out: out}
	env := func(name string) string { v, _ := c.h.envLookup(name); return v }
	pipes, err := parsePowerShell(script, env)
	if err != nil {
		out.stderr.WriteString(err.Error() + "\n")
		return
	}
	for _, p := range pipes {
		if out.timedOut {
			return
		}
		r.write(r.runPipeline(p))
	}
}

func (r *psRun) fail(message string) {
	if !r.silent {
		r.out.stderr.WriteString(message + "\n")
	}
}

type psStage struct {
	cmdlet *psCmdlet
	bound  psBound
}

// runPipeline resolves and binds every stage first, as PowerShell does, so
// an unknown command or bad parameter anywhere stops the whole pipeline.
func (r *psRun) runPipeline(p psPipeline) []any {
	first := p[0][0]
	if len(p) == 1 && len(p[0]) == 1 && first.quoted {
		return []any{first.text()} // a bare string is output as it is
	}
	stages := make([]psStage, 0, len(p))
	for _, cmd := range p {
		name := cmd[0].text()
		if cmd[0].param != "" {
			name = "-" + cmd[0].param
		}
		cmdlet := lookupCmdlet(name)
		if cmdlet == nil {
			r.fail(psNotRecognized(name))
			return nil
		}
		bound, err := bind(cmdlet.params, cmd[1:])
		if err != nil {
			r.fail(err.Error())
			return nil
		}
		stages = append(stages, psStage{cmdlet, bound})
	}
	var objects []any
	for i, s := range stages {
		if i > 0 {
			if len(objects) == 0 {
				return nil // nothing flows in, so the stage never runs
			}
			if !s.cmdlet.pipeline {
				r.fail("The input object cannot be bound to any parameters for the command either because the " +
					"command does not take pipeline input or the input and its properties do not match any of " +
					"the parameters that take pipeline input.")
				return nil
			}
		}
		action := strings.ToLower(s.bound.first("ErrorAction"))
		r.silent = action == "silentlycontinue" || action == "ignore"
		objects = s.cmdlet.run(r, s.bound, objects)
		r.silent = false
	}
	return objects
}

func lookupCmdlet(name string) *psCmdlet {
	key := strings.ToLower(name)
	if target, ok := psAliases[key]; ok {
		key = target
	}
	for _, c := range psCmdlets {
		if strings.ToLower(c.name) == key {
			return c
		}
	}
	return nil
}

// write formats output objects the way PowerShell's default formatter
// does: runs of processes as one Get-Process table, property objects as
// lists, strings as lines and booleans as True or False.
func (r *psRun) write(objects []any) {
	for i := 0; i < len(objects); {
		switch o := objects[i].(type) {
		case *process:
			j := i
			var procs []*process
			for ; j < len(objects); j++ {
				p, ok := objects[j].(*process)
				if !ok {
					break
				}
				procs = append(procs, p)
			}
			r.out.stdout.WriteString(processTable(procs))
			i = j
			continue
		case *psItemProps:
			r.out.stdout.WriteString(formatList(o.props))
		case bool:
			if o {
				r.out.stdout.WriteString("True\n")
			} else {
				r.out.stdout.WriteString("False\n")
			}
		case string:
			r.out.stdout.WriteString(o + "\n")
		case psHostText:
			r.out.stdout.WriteString(string(o))
		}
		i++
	}
}

// psHostText is Write-Host output, written as it is.
type psHostText string

// processTable is Get-Process's default table in Windows PowerShell 5.1.
func processTable(procs []*process) string {
	var b strings.Builder
	b.WriteString("\nHandles  NPM(K)    PM(K)      WS(K)     CPU(s)     Id  SI ProcessName\n")
	b.WriteString("-------  ------    -----      -----     ------     --  -- -----------\n")
	for _, p := range procs {
		seed := splitmix64(uint64(p.pid))
		handles := 80 + int(seed%900)
		npm := 5 + int(seed>>16%40)
		ws := p.workingSet / 1024
		pm := ws * int64(40+seed>>24%50) / 100
		cpu := (p.userCPU + p.kernelCPU).Seconds()
		fmt.Fprintf(&b, "%7d %7d %8d %10d %10.2f %6d %3d %s\n", handles, npm, pm, ws, cpu, p.pid, p.session, processName(p))
	}
	b.WriteString("\n\n")
	return b.String()
}

func formatList(props [][2]string) string {
	width := 0
	for _, p := range props {
		width = max(width, len(p[0]))
	}
	var b strings.Builder
	b.WriteString("\n")
	for _, p := range props {
		b.WriteString(padRight(p[0], width) + " : " + p[1] + "\n")
	}
	b.WriteString("\n\n")
	return b.String()
}

// sortProcesses orders processes as Get-Process does: by name, then id.
func sortProcesses(procs []*process) {
	sort.SliceStable(procs, func(i, j int) bool {
		a, b := strings.ToLower(processName(procs[i])), strings.ToLower(processName(procs[j]))
		if a != b {
			return a < b
		}
		return procs[i].pid < procs[j].pid
	})
}

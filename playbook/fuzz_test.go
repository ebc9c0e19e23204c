package playbook

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds arbitrary text to the loader, which must report problems
// as diagnostics and never panic.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("../examples/playbooks/*.hcl")
	for _, name := range files {
		if src, err := os.ReadFile(name); err == nil {
			f.Add(src)
		}
	}
	f.Add([]byte(header + "step \"a\" {\n  target = target.all\n  command = \"kill ${rtr_pid(step.a.stdout, \"x\")}\"\n}\n"))
	f.Add([]byte("playbook \"x\" {}\nvariable \"v\" { type = list(string) }"))
	f.Fuzz(func(t *testing.T, src []byte) {
		pb, _ := Parse(src, "fuzz.hcl", Options{Vars: []string{"v=1"}})
		if pb == nil {
			return
		}
		for _, s := range pb.Steps {
			pb.PlanText(s)
			if s.Target == nil {
				continue
			}
			scope := HostScope{Host: HostFacts{ID: "0", Hostname: "h", Platform: "windows"}, Outcomes: map[string]Outcome{}}
			for _, dep := range s.DependsOn {
				scope.Outcomes[dep.Addr()] = Outcome{State: "succeeded", Stdout: "\nName Id\n---- --\nx 1\n"}
			}
			pb.EvalWhen(s, scope)
			switch s.Kind {
			case KindCommand, KindRunscript:
				pb.EvalCommand(s, scope)
			case KindGet:
				pb.EvalPath(s, scope)
			}
		}
	})
}

package executor

import (
	"encoding/json"

	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/rtrplay/rtrplay/playbook"
)

// outputs evaluates the playbook's outputs from the final host lists. An
// output that cannot be evaluated reports its error in place of a value.
func (r *runner) outputs() map[string]any {
	if len(r.pb.Outputs) == 0 {
		return nil
	}
	lists := map[string]playbook.HostLists{}
	for _, s := range r.pb.Steps {
		var l playbook.HostLists
		for _, h := range r.opts.Resolution.Hosts {
			res, ok := r.result(s.Addr(), h.ID)
			if !ok {
				continue
			}
			switch res.State {
			case StateSucceeded:
				l.Succeeded = append(l.Succeeded, h.Hostname)
			case StateFailed, StateUnknown:
				l.Failed = append(l.Failed, h.Hostname)
			case StateSkipped:
				l.Skipped = append(l.Skipped, h.Hostname)
			case StateQueued:
				l.Queued = append(l.Queued, h.Hostname)
			}
		}
		lists[s.Addr()] = l
	}
	out := map[string]any{}
	for _, o := range r.pb.Outputs {
		if o.Sensitive {
			out[o.Name] = "(sensitive)"
			continue
		}
		v, diags := r.pb.EvalOutput(o, lists)
		if diags.HasErrors() {
			out[o.Name] = map[string]string{"error": diags.Error()}
			continue
		}
		v, marks := v.UnmarkDeep()
		if len(marks) > 0 {
			// Only sensitive variables carry marks.
			out[o.Name] = "(sensitive)"
			continue
		}
		data, err := ctyjson.Marshal(v, v.Type())
		if err != nil {
			out[o.Name] = map[string]string{"error": err.Error()}
			continue
		}
		out[o.Name] = json.RawMessage(data)
	}
	return out
}

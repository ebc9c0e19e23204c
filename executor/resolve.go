package executor

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/go-multierror"

	"github.com/rtrplay/rtrplay/playbook"
	"github.com/rtrplay/rtrplay/rtr"
)

// Host is a resolved target host.
type Host struct {
	ID       string `json:"host_id"`
	Hostname string `json:"hostname"`
	// Platform is "windows", "linux" or "mac".
	Platform string `json:"platform"`
	// Status is the device status when the target was resolved; it is
	// not stored, because the run may change it.
	Status string `json:"-"`
}

// Facts returns what playbook expressions see of the host.
func (h Host) Facts() playbook.HostFacts {
	return playbook.HostFacts{ID: h.ID, Hostname: h.Hostname, Platform: h.Platform}
}

// Resolution maps each target of a playbook to its hosts.
type Resolution struct {
	// Hosts lists every host of every target once, sorted by hostname.
	Hosts []Host
	// ByTarget lists the host ids of each target, by target name.
	ByTarget map[string][]string
}

// HostCounts returns the number of hosts of each target.
func (r *Resolution) HostCounts() map[string]int {
	counts := make(map[string]int, len(r.ByTarget))
	for name, ids := range r.ByTarget {
		counts[name] = len(ids)
	}
	return counts
}

// hostnameChunk bounds the names in one FQL hostname list, so that a
// filter stays well inside URL length limits.
const hostnameChunk = 100

// Resolve turns every target of pb into hosts through the Hosts API. A
// target that matches no host, names a hostname Falcon does not know, or
// exceeds its max_hosts is an error.
func Resolve(ctx context.Context, api API, pb *playbook.Playbook) (*Resolution, error) {
	res := &Resolution{ByTarget: map[string][]string{}}
	all := map[string]Host{}
	// Every target is resolved, and every problem reported at once, so
	// that one run of plan lists all the targets to fix.
	var problems *multierror.Error
	for _, t := range pb.Targets {
		ids, err := resolveTarget(ctx, api, t, all)
		if err != nil {
			problems = multierror.Append(problems, err)
			continue
		}
		res.ByTarget[t.Name] = ids
	}
	if err := problems.ErrorOrNil(); err != nil {
		return nil, err
	}
	for _, h := range all {
		res.Hosts = append(res.Hosts, h)
	}
	slices.SortFunc(res.Hosts, func(a, b Host) int {
		if c := strings.Compare(a.Hostname, b.Hostname); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return res, nil
}

// resolveTarget returns the host ids of one target and adds its hosts'
// details to all.
func resolveTarget(ctx context.Context, api API, t *playbook.Target, all map[string]Host) ([]string, error) {
	ids, err := targetIDs(ctx, api, t)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("target %q matches no host; check its %s", t.Name, selectorName(t))
	}
	if t.MaxHosts > 0 && len(ids) > t.MaxHosts {
		return nil, fmt.Errorf("target %q matches %d hosts, more than its max_hosts of %d; narrow the target or raise max_hosts",
			t.Name, len(ids), t.MaxHosts)
	}
	devices, err := api.GetDevices(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("read details of target %q: %w", t.Name, err)
	}
	found := map[string]bool{}
	for _, d := range devices {
		found[strings.ToLower(d.ID)] = true
		all[d.ID] = Host{ID: d.ID, Hostname: d.Hostname, Platform: platformOf(d.PlatformName), Status: d.Status}
	}
	for _, id := range ids {
		if !found[strings.ToLower(id)] {
			return nil, fmt.Errorf("target %q: host id %s is not known to Falcon", t.Name, id)
		}
	}
	if err := checkHostnames(t, devices); err != nil {
		return nil, err
	}
	return ids, nil
}

func targetIDs(ctx context.Context, api API, t *playbook.Target) ([]string, error) {
	switch {
	case len(t.HostIDs) > 0:
		return t.HostIDs, nil
	case len(t.Hostnames) > 0:
		var ids []string
		for start := 0; start < len(t.Hostnames); start += hostnameChunk {
			chunk := t.Hostnames[start:min(start+hostnameChunk, len(t.Hostnames))]
			found, err := api.QueryDevices(ctx, hostnameFilter(chunk))
			if err != nil {
				return nil, fmt.Errorf("resolve hostnames of target %q: %w", t.Name, err)
			}
			ids = append(ids, found...)
		}
		return dedupe(ids), nil
	case strings.TrimSpace(t.Filter) == "":
		// Never query without a filter: Falcon would return every host.
		return nil, fmt.Errorf("target %q selects no hosts: set a filter, host_ids or hostnames", t.Name)
	default:
		ids, err := api.QueryDevices(ctx, t.Filter)
		if err != nil {
			return nil, fmt.Errorf("resolve filter %q of target %q: %w", t.Filter, t.Name, err)
		}
		return dedupe(ids), nil
	}
}

// hostnameFilter builds an FQL list match. Names cannot hold a single
// quote, which FQL has no escape for; Falcon hostnames never do.
func hostnameFilter(names []string) string {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = "'" + strings.ReplaceAll(n, "'", "") + "'"
	}
	return "hostname:[" + strings.Join(quoted, ",") + "]"
}

func checkHostnames(t *playbook.Target, devices []rtr.Device) error {
	if len(t.Hostnames) == 0 {
		return nil
	}
	have := map[string]bool{}
	for _, d := range devices {
		have[strings.ToLower(d.Hostname)] = true
	}
	var missing []string
	for _, n := range t.Hostnames {
		if !have[strings.ToLower(n)] {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("target %q: no host named %s in Falcon", t.Name, strings.Join(missing, ", "))
	}
	return nil
}

func selectorName(t *playbook.Target) string {
	switch {
	case len(t.HostIDs) > 0:
		return "host_ids"
	case len(t.Hostnames) > 0:
		return "hostnames"
	}
	return fmt.Sprintf("filter %q", t.Filter)
}

// platformOf maps the Hosts API's platform_name onto the catalog's names.
func platformOf(name string) string {
	switch strings.ToLower(name) {
	case "windows":
		return "windows"
	case "mac", "macos":
		return "mac"
	case "linux":
		return "linux"
	}
	return strings.ToLower(name)
}

func dedupe(ids []string) []string {
	seen := map[string]bool{}
	out := ids[:0:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

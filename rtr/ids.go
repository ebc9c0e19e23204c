package rtr

import (
	"fmt"
	"regexp"
)

// aidPattern matches a host's agent id (AID): 32 hex digits.
var aidPattern = regexp.MustCompile(`^[0-9a-fA-F]{32}$`)

// checkHostIDs returns an error naming the first id in ids that is not an
// AID or that repeats, so that one bad id cannot fail a whole batch
// request without saying which. field names the list in the message.
func checkHostIDs(field string, ids []string) error {
	seen := make(map[string]int, len(ids))
	for i, id := range ids {
		if !aidPattern.MatchString(id) {
			return fmt.Errorf("%s[%d]: %q is not a host id (32 hex digits)", field, i, id)
		}
		if first, dup := seen[id]; dup {
			return fmt.Errorf("%s[%d]: host id %s repeats %s[%d]; list each host once", field, i, id, field, first)
		}
		seen[id] = i
	}
	return nil
}

// checkOptionalHosts checks a batch call's optional_hosts list. Nil means
// every host of the batch. An empty non-nil list is rejected, because
// Falcon reads an empty list as every host too, which would run the
// command on hosts that the caller meant to leave out.
func checkOptionalHosts(hosts []string) error {
	if hosts != nil && len(hosts) == 0 {
		return fmt.Errorf("optional hosts is an empty list, which Falcon reads as every host " +
			"of the batch; pass nil to mean every host, or skip the call when no host is left")
	}
	return checkHostIDs("optional hosts", hosts)
}

// chunks splits ids into slices of at most size elements.
func chunks(ids []string, size int) [][]string {
	var out [][]string
	for len(ids) > size {
		out = append(out, ids[:size:size])
		ids = ids[size:]
	}
	if len(ids) > 0 {
		out = append(out, ids)
	}
	return out
}

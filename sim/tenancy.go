package sim

import (
	"context"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/rtrplay/rtrplay/sim/fleet"
)

// Tenancy follows Falcon Flight Control, where a parent CID's API client
// acts for a child (member) CID by asking for a token with member_cid. The
// fleet's CID is the parent. Options.ChildCIDs moves hosts under child
// CIDs, and their device records then report the child's CID. A token
// without member_cid sees only the parent's own hosts, and a token for a
// child sees only that child's hosts. A host outside the token's CID is
// answered as if it did not exist.
//
// The token endpoint rejects a member_cid that is not a configured child
// with 403, and so also the form with the console's "-XX" checksum suffix.
// NOTE: the live API's answer to the suffixed form is unverified; 403
// "Failed to generate access token for customer ID=..." is what users
// report for a member CID the client may not use, and it is the reading
// hardest on a client. CIDs are compared case-insensitively, because
// Falcon shows them in upper case in the console and in lower case in
// device records; whether the token endpoint does so is unverified.

// tenancy maps hosts to CIDs. It is built once by New and only read
// afterwards.
type tenancy struct {
	parent   string
	children map[string]bool   // lower-case child CIDs
	hostCID  map[string]string // AID -> child CID, for hosts under a child
}

// grant is the scope of an access token.
type grant struct {
	expiry time.Time
	cid    string // the CID whose hosts the token sees, lower case
}

type scopeKey struct{}

// setupTenancy checks Options.ChildCIDs against the fleet and builds the
// host-to-CID map.
func (s *Server) setupTenancy() error {
	t := tenancy{
		parent:   strings.ToLower(s.fleet.CID()),
		children: map[string]bool{},
		hostCID:  map[string]string{},
	}
	cids := make([]string, 0, len(s.opts.ChildCIDs))
	for cid := range s.opts.ChildCIDs {
		cids = append(cids, cid)
	}
	sort.Strings(cids) // so that errors name the same CID on every run
	for _, raw := range cids {
		cid := strings.ToLower(raw)
		switch {
		case !isCID(cid):
			return fmt.Errorf("sim: child CID %q is not 32 hex digits; drop any -XX checksum suffix", raw)
		case cid == t.parent:
			return fmt.Errorf("sim: child CID %s is the fleet's own CID; give the child a CID of its own", raw)
		case t.children[cid]:
			return fmt.Errorf("sim: child CID %s is listed twice (CIDs are compared case-insensitively)", raw)
		}
		t.children[cid] = true
		for _, name := range s.opts.ChildCIDs[raw] {
			h := s.fleet.HostByName(name)
			if h == nil {
				return fmt.Errorf("sim: child CID %s names host %q, which is not in the fleet", raw, name)
			}
			if other, taken := t.hostCID[h.AID()]; taken {
				return fmt.Errorf("sim: host %s is placed under two child CIDs, %s and %s; give it one",
					name, other, cid)
			}
			t.hostCID[h.AID()] = cid
		}
	}
	s.tenancy = t
	return nil
}

// isCID reports whether v is 32 hex digits.
func isCID(v string) bool {
	if len(v) != 32 {
		return false
	}
	_, err := hex.DecodeString(v)
	return err == nil
}

// grantCID returns the CID that a token requested with memberCID sees:
// the parent's when memberCID is empty, the child's when it names a
// configured child, and false otherwise.
func (s *Server) grantCID(memberCID string) (string, bool) {
	if memberCID == "" {
		return s.tenancy.parent, true
	}
	cid := strings.ToLower(memberCID)
	return cid, s.tenancy.children[cid]
}

// withScope returns ctx carrying the CID whose hosts the request sees.
func withScope(ctx context.Context, cid string) context.Context {
	return context.WithValue(ctx, scopeKey{}, cid)
}

// scopeCID returns the CID whose hosts the request sees: the token's CID,
// or the parent's for requests without a token, such as /_sim paths.
func (s *Server) scopeCID(ctx context.Context) string {
	if cid, ok := ctx.Value(scopeKey{}).(string); ok {
		return cid
	}
	return s.tenancy.parent
}

// cidOf returns the CID that h belongs to.
func (s *Server) cidOf(h *fleet.Host) string {
	if cid, ok := s.tenancy.hostCID[h.AID()]; ok {
		return cid
	}
	return s.tenancy.parent
}

// visibleHost returns the host with the AID if the request's CID may see
// it, and nil otherwise, as for an AID that does not exist.
func (s *Server) visibleHost(ctx context.Context, aid string) *fleet.Host {
	h := s.fleet.Host(aid)
	if h == nil || s.cidOf(h) != s.scopeCID(ctx) {
		return nil
	}
	return h
}

// visibleHosts returns the hosts that the request's CID may see, sorted by
// hostname.
func (s *Server) visibleHosts(ctx context.Context) []*fleet.Host {
	scope := s.scopeCID(ctx)
	var hosts []*fleet.Host
	for _, h := range s.fleet.Hosts() {
		if s.cidOf(h) == scope {
			hosts = append(hosts, h)
		}
	}
	return hosts
}

// hostInfo returns h's Hosts API record with the CID it belongs to.
func (s *Server) hostInfo(h *fleet.Host) fleet.HostInfo {
	info := h.Info()
	info.CID = s.cidOf(h)
	return info
}

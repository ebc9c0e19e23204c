package fleet

import (
	crand "crypto/rand"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"sort"
	"time"
)

// Fleet is a set of simulated hosts under one customer id (CID). The host
// list is fixed once the fleet is built; each host guards its own state.
type Fleet struct {
	cid   string
	hosts []*Host // sorted by hostname
	byAID map[string]*Host
}

// CID returns the customer id that every host of the fleet reports.
func (f *Fleet) CID() string { return f.cid }

// Hosts returns the hosts sorted by hostname.
func (f *Fleet) Hosts() []*Host { return append([]*Host(nil), f.hosts...) }

// Host returns the host with the agent id, or nil.
func (f *Fleet) Host(aid string) *Host { return f.byAID[aid] }

// HostByName returns the host with the hostname, or nil.
func (f *Fleet) HostByName(hostname string) *Host {
	for _, h := range f.hosts {
		if h.info.Hostname == hostname {
			return h
		}
	}
	return nil
}

func newFleet(cid string, hosts []*Host) (*Fleet, error) {
	f := &Fleet{cid: cid, hosts: hosts, byAID: map[string]*Host{}}
	sort.Slice(f.hosts, func(i, j int) bool { return f.hosts[i].info.Hostname < f.hosts[j].info.Hostname })
	for _, h := range hosts {
		if _, dup := f.byAID[h.info.AID]; dup {
			return nil, fmt.Errorf("two hosts have agent id %s: give each host its own aid", h.info.AID)
		}
		f.byAID[h.info.AID] = h
	}
	return f, nil
}

// newRand returns a random source seeded from the system's random
// generator, so every fleet gets new AIDs and PIDs.
func newRand() *rand.Rand {
	var seed [16]byte
	_, _ = crand.Read(seed[:]) // since Go 1.24 crypto/rand.Read never returns an error
	return rand.New(rand.NewPCG(binary.LittleEndian.Uint64(seed[:8]), binary.LittleEndian.Uint64(seed[8:])))
}

// build creates a host from its spec: the platform's base system, then the
// implant when compromised.
func build(spec hostSpec, cid string, rng *rand.Rand, now func() time.Time, base, compromised bool) *builder {
	b := newBuilder(spec, cid, rng, now)
	if base {
		switch spec.platform {
		case Windows:
			b.buildWindows()
		case Linux:
			b.buildLinux()
		case Mac:
			b.buildMac()
		}
	}
	if compromised {
		b.compromise()
	}
	return b
}

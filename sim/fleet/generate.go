package fleet

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"
)

// MaxGeneratedHosts is the largest fleet Generate builds.
const MaxGeneratedHosts = 100_000

// GeneratedPrefix starts the name of a generated built-in fleet:
// "generated:N" or "generated:N:SEED".
const GeneratedPrefix = "generated:"

// GenerateOptions describes a generated fleet. Zero fields take the
// defaults given on each field.
type GenerateOptions struct {
	// Hosts is the number of hosts, 1 to MaxGeneratedHosts.
	Hosts int
	// Seed makes the fleet repeatable: the same options give the same
	// CID, hostnames, AIDs, PIDs and files.
	Seed uint64
	// CID is the customer id, 32 hex digits; default derived from Seed.
	CID string
	// Windows, Linux and Mac weigh the platform mix; all zero means
	// 70, 20 and 10.
	Windows, Linux, Mac int
	// Compromised is how many hosts carry the implant; default one per
	// thousand hosts, at least one. Negative means none.
	Compromised int
	// OfflinePercent is the share of hosts whose sensor is offline;
	// default 5. Negative means none.
	OfflinePercent float64
	// UnreachablePercent is the share of online hosts that do not answer
	// RTR (session init returns 40401); default 0.5. Negative means none.
	UnreachablePercent float64
	// ContainedPercent is the share of hosts already network-contained;
	// default 0.2. Negative means none.
	ContainedPercent float64
	// Now fixes the fleet's clock at generation, so that boot times and
	// file times repeat too; default the time of the call.
	Now time.Time
}

// lazyBase is the base system of a generated host, built on the host's
// first command or get. Until then the host costs its Hosts API
// record and this struct, so a fleet of 100,000 hosts loads in a fraction
// of a second and RTR sessions that run nothing build nothing.
type lazyBase struct {
	once        sync.Once
	gen         *generation
	index       int
	compromised bool
	built       bool // set under the host's mu once the base system is built
}

// generation holds the state that every host of one generated fleet
// shares: the normalized options, the CID and the fixed build clock.
type generation struct {
	opts  GenerateOptions
	cid   string
	clock func() time.Time
}

// builder replays host i's draws: the same seed gives the same spec and
// builder state as at generation, so the host's base system needs nothing
// stored but its index.
func (g *generation) builder(i int) *builder {
	rng := rand.New(rand.NewPCG(g.opts.Seed, uint64(i)+1))
	spec := g.opts.hostSpec(i, rng)
	return newBuilder(spec, g.cid, rng, g.clock)
}

// materialize builds the host's base system if it is still pending. It
// must be called without h.mu held.
func (h *Host) materialize() {
	lz := h.lazy
	if lz == nil {
		return
	}
	lz.once.Do(func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		lz.buildInto(h)
		lz.built = true
	})
}

// buildInto fills h's file system, processes and registry from the seed.
// It runs with the generated host's h.mu held.
func (lz *lazyBase) buildInto(h *Host) {
	b := lz.gen.builder(lz.index)
	b.h = h
	h.fs = newFileSystem(h.platform, h.info.FirstSeen)
	h.procs = map[int]*process{}
	if h.platform == Windows {
		h.reg = newRegistry()
	}
	buildBase(b)
	if lz.compromised {
		b.compromise()
	}
}

// snapshotSource returns the host whose state a snapshot reads: h once it
// is built, else a throwaway copy built from the seed, so that a snapshot
// of a large generated fleet does not keep every host's base system.
func (h *Host) snapshotSource() *Host {
	lz := h.lazy
	if lz == nil {
		return h
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if lz.built {
		return h
	}
	tmp := &Host{info: h.info, platform: h.platform, zone: h.zone, now: h.now, content: h.content,
		bootTime: h.bootTime, nextPID: h.nextPID}
	lz.buildInto(tmp)
	return tmp
}

func buildBase(b *builder) {
	switch b.spec.platform {
	case Windows:
		b.buildWindows()
	case Linux:
		b.buildLinux()
	case Mac:
		b.buildMac()
	}
}

// profile is one kind of host in a generated fleet.
type profile struct {
	platform  Platform
	osVersion []string
	role      string
	prefix    string // hostname prefix
	user      bool   // has an interactive user
	weight    int    // share within the platform
}

var profiles = map[Platform][]profile{
	Windows: {
		{Windows, []string{"Windows 10", "Windows 10", "Windows 11", "Windows 11", "Windows 11"}, "workstation", "WKS", true, 85},
		{Windows, []string{"Windows Server 2019", "Windows Server 2022"}, "server", "SRV", false, 12},
		{Windows, []string{"Windows Server 2022"}, "dc", "DC", false, 3},
	},
	Linux: {
		{Linux, []string{"Ubuntu 22.04", "Ubuntu 24.04", "Ubuntu 20.04", "Debian 12"}, "web", "web", false, 45},
		{Linux, []string{"RHEL 9", "RHEL 8", "Amazon Linux 2023"}, "db", "db", false, 25},
		{Linux, []string{"Ubuntu 22.04", "RHEL 9"}, "server", "app", false, 25},
		{Linux, []string{"Ubuntu 24.04"}, "workstation", "dev", true, 5},
	},
	Mac: {
		{Mac, []string{"Sonoma (14)", "Sonoma (14)", "Sequoia (15)", "Ventura (13)"}, "workstation", "mac", true, 100},
	},
}

var (
	departments   = []string{"fin", "hr", "eng", "ops", "sales", "legal", "it", "mkt", "sup", "exec"}
	sites         = []string{"nyc", "lon", "fra", "sgp", "syd", "chi", "sfo"}
	siteOffsets   = map[string]int{"nyc": -5, "lon": 0, "fra": 1, "sgp": 8, "syd": 10, "chi": -6, "sfo": -8}
	firstInitials = "abcdeghjklmnprstw"
	surnames      = []string{"hall", "patel", "lee", "brooks", "nguyen", "garcia", "smith", "khan", "muller",
		"rossi", "tanaka", "silva", "okafor", "cohen", "novak", "jensen", "moreau", "kowalski", "ali", "obrien"}
	deptTags      = tagTable("FalconGroupingTags/", departments)
	siteTags      = tagTable("FalconGroupingTags/site-", sites)
	agentVersions = []string{"7.16.18605.0", "7.16.18605.0", "7.15.18513.0", "7.14.16703.0", "7.17.18909.0"}
)

const serversTag = "FalconGroupingTags/servers"

// tagTable makes each tag string once, so that 100,000 hosts share them.
func tagTable(prefix string, names []string) map[string]string {
	m := make(map[string]string, len(names))
	for _, n := range names {
		m[n] = prefix + n
	}
	return m
}

// Generate builds a fleet of opts.Hosts hosts with a realistic mix of
// platforms, OS versions, roles, sites, tags and sensor states, the same
// for the same options. Each host's base system is built on its first use.
func Generate(opts GenerateOptions) (*Fleet, error) {
	if err := opts.normalize(); err != nil {
		return nil, err
	}
	seedRng := rand.New(rand.NewPCG(opts.Seed, 0x666c656574)) // "fleet"
	cid := strings.ToLower(opts.CID)
	if cid == "" {
		cid = randomHex(seedRng, 32)
	}
	compromised := pickDistinct(seedRng, opts.Hosts, opts.Compromised)
	fixed := opts.Now.UTC()
	gen := &generation{opts: opts, cid: cid, clock: func() time.Time { return fixed }}
	hosts := make([]*Host, opts.Hosts)
	zones := map[int]*time.Location{}
	for i := range hosts {
		b := gen.builder(i)
		spec := b.spec
		// Hosts of one site share one zone value.
		if z, ok := zones[spec.utcOffset]; ok {
			b.h.zone = z
		} else {
			zones[spec.utcOffset] = b.h.zone
		}
		// The empty file system, process table and registry wait for
		// first use too: an empty registry alone is a few hundred bytes.
		b.h.fs, b.h.procs, b.h.reg = nil, nil, nil
		// The build runs on the fixed clock, for repeatability; the host
		// answers commands on the real one.
		b.h.now = time.Now
		b.h.lazy = &lazyBase{gen: gen, index: i, compromised: compromised[i]}
		hosts[i] = b.h
	}
	return newFleet(cid, hosts)
}

func (o *GenerateOptions) normalize() error {
	if o.Hosts < 1 || o.Hosts > MaxGeneratedHosts {
		return fmt.Errorf("generate: hosts %d is outside 1..%d", o.Hosts, MaxGeneratedHosts)
	}
	if o.CID != "" && !isHex32(strings.ToLower(o.CID)) {
		return fmt.Errorf("generate: cid %q is not 32 hex digits", o.CID)
	}
	if o.Windows < 0 || o.Linux < 0 || o.Mac < 0 {
		return errors.New("generate: platform weights must not be negative")
	}
	if o.Windows+o.Linux+o.Mac == 0 {
		o.Windows, o.Linux, o.Mac = 70, 20, 10
	}
	defaults := []struct {
		v   *float64
		def float64
	}{{&o.OfflinePercent, 5}, {&o.UnreachablePercent, 0.5}, {&o.ContainedPercent, 0.2}}
	for _, d := range defaults {
		switch {
		case *d.v == 0:
			*d.v = d.def
		case *d.v < 0:
			*d.v = 0
		case *d.v > 100:
			return fmt.Errorf("generate: percentage %g is over 100", *d.v)
		}
	}
	switch {
	case o.Compromised == 0:
		o.Compromised = max(1, o.Hosts/1000)
	case o.Compromised < 0:
		o.Compromised = 0
	case o.Compromised > o.Hosts:
		return fmt.Errorf("generate: compromised %d is more than the %d hosts", o.Compromised, o.Hosts)
	}
	if o.Now.IsZero() {
		o.Now = time.Now().Truncate(time.Second)
	}
	return nil
}

// hostSpec draws host i. Hostnames carry the index, so they are unique.
func (o *GenerateOptions) hostSpec(i int, rng *rand.Rand) hostSpec {
	p := Windows
	switch n := rng.IntN(o.Windows + o.Linux + o.Mac); {
	case n >= o.Windows+o.Linux:
		p = Mac
	case n >= o.Windows:
		p = Linux
	}
	pr := pickProfile(rng, profiles[p])

	site := sites[rng.IntN(len(sites))]
	dept := departments[rng.IntN(len(departments))]
	spec := hostSpec{
		aid: randomHex(rng, 32), platform: p, role: pr.role,
		osVersion:    pr.osVersion[rng.IntN(len(pr.osVersion))],
		agentVersion: agentVersions[rng.IntN(len(agentVersions))],
		utcOffset:    siteOffsets[site],
		tags:         []string{deptTags[dept], siteTags[site]},
		online:       rng.Float64()*100 >= o.OfflinePercent,
		// 198.18.0.0/15 is reserved for benchmarking (RFC 2544) and holds
		// 131,072 addresses, one for each generated host.
		localIP:    fmt.Sprintf("198.%d.%d.%d", 18+i>>16, (i>>8)&0xff, i&0xff),
		externalIP: fmt.Sprintf("203.0.113.%d", 1+rng.IntN(254)),
		macAddress: fmt.Sprintf("02-00-%02x-%02x-%02x-%02x", i>>24&0xff, i>>16&0xff, i>>8&0xff, i&0xff),
	}

	spec.reachable = rng.Float64()*100 >= o.UnreachablePercent
	if rng.Float64()*100 < o.ContainedPercent {
		spec.containment = Contained
	}
	if pr.role == "server" || pr.role == "web" || pr.role == "db" || pr.role == "dc" {
		spec.tags = append(spec.tags, serversTag)
	}
	if pr.user {
		spec.user = string(firstInitials[rng.IntN(len(firstInitials))]) + surnames[rng.IntN(len(surnames))]
	}
	switch p {
	case Windows:
		spec.hostname = fmt.Sprintf("%s-%s-%05d", pr.prefix, strings.ToUpper(site), i)
	default:
		spec.hostname = fmt.Sprintf("%s-%s-%05d", pr.prefix, site, i)
	}
	return spec
}

func pickProfile(rng *rand.Rand, list []profile) profile {
	total := 0
	for _, pr := range list {
		total += pr.weight
	}
	n := rng.IntN(total)
	for _, pr := range list {
		if n < pr.weight {
			return pr
		}
		n -= pr.weight
	}
	return list[len(list)-1]
}

// pickDistinct chooses k distinct indexes below n.
func pickDistinct(rng *rand.Rand, n, k int) map[int]bool {
	picked := make(map[int]bool, k)
	for len(picked) < k {
		picked[rng.IntN(n)] = true
	}
	return picked
}

// parseGeneratedName reads "generated:N" or "generated:N:SEED".
func parseGeneratedName(name string) (GenerateOptions, error) {
	rest, ok := strings.CutPrefix(name, GeneratedPrefix)
	if !ok {
		return GenerateOptions{}, fmt.Errorf("fleet %q does not start with %s", name, GeneratedPrefix)
	}
	count, seedText, hasSeed := strings.Cut(rest, ":")
	n, err := strconv.Atoi(count)
	if err != nil || n < 1 || n > MaxGeneratedHosts {
		return GenerateOptions{}, fmt.Errorf("fleet %q: write generated:N with N from 1 to %d, optionally generated:N:SEED", name, MaxGeneratedHosts)
	}
	opts := GenerateOptions{Hosts: n, Seed: 1}
	if hasSeed {
		if opts.Seed, err = strconv.ParseUint(seedText, 10, 64); err != nil {
			return GenerateOptions{}, fmt.Errorf("fleet %q: seed %q is not a whole number", name, seedText)
		}
	}
	return opts, nil
}

package fleet

import "time"

// generateFile is the "generate" section of a fleet file: Generate's
// options under their JSON names.
type generateFile struct {
	Hosts              int        `json:"hosts"`
	Seed               uint64     `json:"seed"`
	Windows            int        `json:"windows"`
	Linux              int        `json:"linux"`
	Mac                int        `json:"mac"`
	Compromised        int        `json:"compromised"`
	OfflinePercent     float64    `json:"offline_percent"`
	UnreachablePercent float64    `json:"unreachable_percent"`
	ContainedPercent   float64    `json:"contained_percent"`
	Now                *time.Time `json:"now"`
}

// generatedHosts builds the section's hosts under cid ("" lets the seed
// pick it) and returns them with the CID they report.
func (g *generateFile) generatedHosts(cid string) ([]*Host, string, error) {
	opts := GenerateOptions{Hosts: g.Hosts, Seed: g.Seed, CID: cid, Windows: g.Windows, Linux: g.Linux,
		Mac: g.Mac, Compromised: g.Compromised, OfflinePercent: g.OfflinePercent,
		UnreachablePercent: g.UnreachablePercent, ContainedPercent: g.ContainedPercent}
	if g.Now != nil {
		opts.Now = *g.Now
	}
	f, err := Generate(opts)
	if err != nil {
		return nil, "", err // Generate's errors start with "generate:"
	}
	return f.hosts, f.cid, nil
}

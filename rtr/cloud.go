package rtr

import (
	"fmt"
	"strings"
)

// Cloud names a Falcon cloud, in the canonical spelling of FALCON_CLOUD.
type Cloud string

// The Falcon clouds. CloudAutodiscover reads the tenant's home cloud from
// the us-1 token endpoint's response.
const (
	CloudUS1          Cloud = "us-1"
	CloudUS2          Cloud = "us-2"
	CloudUS3          Cloud = "us-3"
	CloudEU1          Cloud = "eu-1"
	CloudUSGov1       Cloud = "us-gov-1"
	CloudUSGov2       Cloud = "us-gov-2"
	CloudAutodiscover Cloud = "autodiscover"
)

// cloudHosts maps each cloud to its API host, as gofalcon's falcon/cloud.go
// lists them (us-3 appears only there among the official SDKs).
var cloudHosts = map[Cloud]string{
	CloudUS1:    "api.crowdstrike.com",
	CloudUS2:    "api.us-2.crowdstrike.com",
	CloudUS3:    "api.us-3.crowdstrike.com",
	CloudEU1:    "api.eu-1.crowdstrike.com",
	CloudUSGov1: "api.laggar.gcw.crowdstrike.com",
	CloudUSGov2: "api.us-gov-2.crowdstrike.mil",
}

// cloudAliases maps a name with dashes removed and letters lowered to its
// cloud. Like the Go SDK, it takes "US-2", "us2" and "gov1" alike.
var cloudAliases = map[string]Cloud{
	"us1":          CloudUS1,
	"us2":          CloudUS2,
	"us3":          CloudUS3,
	"eu1":          CloudEU1,
	"usgov1":       CloudUSGov1,
	"gov1":         CloudUSGov1,
	"usgov2":       CloudUSGov2,
	"gov2":         CloudUSGov2,
	"autodiscover": CloudAutodiscover,
}

// ParseCloud returns the cloud that name spells, ignoring case, dashes and
// surrounding space.
func ParseCloud(name string) (Cloud, error) {
	key := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(name), "-", ""))
	if cloud, ok := cloudAliases[key]; ok {
		return cloud, nil
	}
	return "", fmt.Errorf("unknown Falcon cloud %q; use one of us-1, us-2, us-3, eu-1, "+
		"us-gov-1, us-gov-2 or autodiscover, or set %s", name, EnvBaseURL)
}

// BaseURL returns the cloud's API base URL, or "" for CloudAutodiscover
// and unknown clouds.
func (c Cloud) BaseURL() string {
	host, ok := cloudHosts[c]
	if !ok {
		return ""
	}
	return "https://" + host
}

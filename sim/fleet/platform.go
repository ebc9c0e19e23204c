package fleet

import "fmt"

// Platform is the operating-system family of a host, spelled as RTR spells
// it in session init responses.
type Platform string

// The platforms that Falcon sensors run on.
const (
	Windows Platform = "windows"
	Linux   Platform = "linux"
	Mac     Platform = "mac"
)

// APIName returns the platform name used by the Hosts API (platform_name).
func (p Platform) APIName() string {
	switch p {
	case Windows:
		return "Windows"
	case Linux:
		return "Linux"
	case Mac:
		return "Mac"
	}
	return string(p)
}

func (p Platform) valid() bool {
	return p == Windows || p == Linux || p == Mac
}

// ParsePlatform converts a platform name in either spelling ("windows" or
// "Windows") to a Platform.
func ParsePlatform(name string) (Platform, error) {
	for _, p := range []Platform{Windows, Linux, Mac} {
		if name == string(p) || name == p.APIName() {
			return p, nil
		}
	}
	return "", fmt.Errorf("unknown platform %q: use windows, linux or mac", name)
}

// Tier is the RTR permission level of the endpoint that a command arrived
// at. The zero value is the least privileged tier.
type Tier int

// The three RTR tiers, from least to most privileged.
const (
	ReadOnly Tier = iota
	ActiveResponder
	Admin
)

func (t Tier) String() string {
	switch t {
	case ReadOnly:
		return "read-only"
	case ActiveResponder:
		return "active-responder"
	case Admin:
		return "admin"
	}
	return fmt.Sprintf("Tier(%d)", int(t))
}

// Containment statuses reported by the Hosts API in a device's status field.
const (
	ContainmentNormal      = "normal"
	ContainmentPending     = "containment_pending"
	Contained              = "contained"
	ContainmentLiftPending = "lift_containment_pending"
)

func validContainment(status string) bool {
	switch status {
	case ContainmentNormal, ContainmentPending, Contained, ContainmentLiftPending:
		return true
	}
	return false
}

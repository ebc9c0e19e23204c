package fleet

// ScriptPermission is a custom script's permission_type in the RTR admin
// library: who may run the script with runscript -CloudFile.
type ScriptPermission string

const (
	// PermissionPrivate scripts run only for the user who uploaded them.
	// The emulator serves one API client, which owns every private script,
	// so they run at the admin tier.
	PermissionPrivate ScriptPermission = "private"
	// PermissionGroup scripts run for every RTR administrator.
	PermissionGroup ScriptPermission = "group"
	// PermissionPublic scripts run for active responders too.
	PermissionPublic ScriptPermission = "public"
)

// ParseScriptPermission checks a permission_type value. Names match
// exactly, as the API lists them.
func ParseScriptPermission(s string) (ScriptPermission, bool) {
	switch p := ScriptPermission(s); p {
	case PermissionPrivate, PermissionGroup, PermissionPublic:
		return p, true
	}
	return "", false
}

// allows reports whether a command that arrived at tier may run a script
// with this permission. Below the admin tier only public scripts run. The
// endpoint's tier decides, not the caller's role, because that is the
// reading hardest on a client.
func (p ScriptPermission) allows(tier Tier) bool {
	switch tier {
	case Admin:
		return true
	case ActiveResponder:
		return p == PermissionPublic
	}
	return false
}

// PutFile is a file of the RTR admin library that put and put-and-run
// drop on a host.
type PutFile struct {
	Name string
	// Content is the file's bytes. Hosts share it and never change it in
	// place, so the store must not change it either.
	Content []byte
}

// CloudScript is a custom script of the RTR admin library, run with
// runscript -CloudFile.
type CloudScript struct {
	Name       string
	Content    string
	Permission ScriptPermission
	// Platforms are the platforms the script was uploaded for. A host of
	// another platform does not see it.
	Platforms []Platform
}

func (s CloudScript) runsOn(p Platform) bool {
	for _, q := range s.Platforms {
		if q == p {
			return true
		}
	}
	return false
}

// ContentStore is the RTR admin library that the emulator's server keeps.
// Each lookup names the asking host's AID, so that a store can serve each
// customer (CID) its own library. Lookups are by exact name: put-file and
// script names are case-sensitive. Implementations must be safe for
// concurrent use.
type ContentStore interface {
	PutFile(aid, name string) (PutFile, bool)
	Script(aid, name string) (CloudScript, bool)
}

// SetContentStore gives every host of the fleet access to the library
// that put, put-and-run and runscript -CloudFile read. Without one, every
// put-file and script name is unknown.
func (f *Fleet) SetContentStore(cs ContentStore) {
	for _, h := range f.hosts {
		h.mu.Lock()
		h.content = cs
		h.mu.Unlock()
	}
}

// putFile looks a put-file up in the host's library. The caller holds
// h.mu.
func (h *Host) putFile(name string) (PutFile, bool) {
	if h.content == nil || name == "" {
		return PutFile{}, false
	}
	return h.content.PutFile(h.info.AID, name)
}

// cloudScript looks up a script that a command at tier may run on this
// host. The caller holds h.mu.
func (h *Host) cloudScript(name string, tier Tier) (CloudScript, bool) {
	if h.content == nil || name == "" {
		return CloudScript{}, false
	}
	s, ok := h.content.Script(h.info.AID, name)
	if !ok || !s.runsOn(h.platform) || !s.Permission.allows(tier) {
		return CloudScript{}, false
	}
	return s, true
}

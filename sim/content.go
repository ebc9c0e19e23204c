package sim

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"sync"
	"time"

	"github.com/rtrplay/rtrplay/sim/fleet"
)

// The RTR admin library: put-files that put and put-and-run drop on hosts,
// and custom scripts that runscript -CloudFile runs. Each customer (CID)
// has its own library, reached through the request's token and, from the
// fleet, through the host that runs the command.

// contentKind distinguishes put-files from custom scripts.
type contentKind int

const (
	kindPutFile contentKind = iota
	kindScript
)

func (k contentKind) String() string {
	if k == kindScript {
		return "script"
	}
	return "put-file"
}

// Values of file_type. The live API's values are not documented, so these
// are the emulator's own.
const (
	fileTypePutFile = "binary"
	fileTypeScript  = "script"
)

// libObject is one put-file or custom script.
type libObject struct {
	id          string
	kind        contentKind
	name        string
	description string
	comments    string // comments_for_audit_log
	// content and platforms are never changed in place: an update stores
	// new slices, so copies of the object stay valid.
	content []byte
	sha256  string
	// permission and platforms are set for scripts only.
	permission fleet.ScriptPermission
	platforms  []fleet.Platform

	createdBy, createdByUUID   string
	modifiedBy, modifiedByUUID string
	created, modified          time.Time
	// runs counts the times a host received the object. The emulator
	// never fails a transfer, so it is both run_attempt_count and
	// run_success_count.
	runs int
}

// setContent replaces the object's bytes and their hash.
func (o *libObject) setContent(b []byte) {
	o.content = b
	sum := sha256.Sum256(b)
	o.sha256 = hex.EncodeToString(sum[:])
}

// library is one CID's put-files and scripts. Names are unique within each
// kind and compared exactly: put-file and script names are case-sensitive.
type library struct {
	objects map[string]*libObject // by id
}

func newLibrary() *library {
	return &library{objects: map[string]*libObject{}}
}

func (l *library) byName(kind contentKind, name string) *libObject {
	for _, o := range l.objects {
		if o.kind == kind && o.name == name {
			return o
		}
	}
	return nil
}

func (l *library) get(kind contentKind, id string) *libObject {
	if o := l.objects[id]; o != nil && o.kind == kind {
		return o
	}
	return nil
}

// list returns the objects of one kind in creation order.
func (l *library) list(kind contentKind) []*libObject {
	var out []*libObject
	for _, o := range l.objects {
		if o.kind == kind {
			out = append(out, o)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].created.Equal(out[j].created) {
			return out[i].created.Before(out[j].created)
		}
		return out[i].id < out[j].id
	})
	return out
}

// newObjectID returns an id of the form the live API uses for library
// objects: two runs of 32 hex digits joined by an underscore.
func newObjectID() string {
	return randomHex(16) + "_" + randomHex(16)
}

// contentStore keeps every CID's library. It is the fleet's
// fleet.ContentStore and the state behind the content API handlers.
type contentStore struct {
	s *Server

	mu        sync.Mutex
	libraries map[string]*library // by lower-case CID
}

func newContentStore(s *Server) *contentStore {
	return &contentStore{s: s, libraries: map[string]*library{}}
}

// library returns cid's library, creating it on first use. The caller
// holds c.mu.
func (c *contentStore) library(cid string) *library {
	l := c.libraries[cid]
	if l == nil {
		l = newLibrary()
		c.libraries[cid] = l
	}
	return l
}

// PutFile returns the put-file named name in the library of the CID that
// host aid belongs to.
func (c *contentStore) PutFile(aid, name string) (fleet.PutFile, bool) {
	o, ok := c.handOut(aid, kindPutFile, name)
	if !ok {
		return fleet.PutFile{}, false
	}
	return fleet.PutFile{Name: o.name, Content: o.content}, true
}

// Script returns the custom script named name in the library of the CID
// that host aid belongs to.
func (c *contentStore) Script(aid, name string) (fleet.CloudScript, bool) {
	o, ok := c.handOut(aid, kindScript, name)
	if !ok {
		return fleet.CloudScript{}, false
	}
	return fleet.CloudScript{Name: o.name, Content: string(o.content), Permission: o.permission,
		Platforms: append([]fleet.Platform(nil), o.platforms...)}, true
}

// handOut finds an object for a host, counts the run and returns a copy,
// so that the caller reads it without the lock.
func (c *contentStore) handOut(aid string, kind contentKind, name string) (libObject, bool) {
	h := c.s.fleet.Host(aid)
	if h == nil {
		return libObject{}, false
	}
	cid := c.s.cidOf(h)
	c.mu.Lock()
	defer c.mu.Unlock()
	o := c.library(cid).byName(kind, name)
	if o == nil {
		return libObject{}, false
	}
	o.runs++
	return *o, true
}

// reportedBase returns the base_command that a command's results report:
// base, unless the host reported another (put reports DOWNLOAD_RENAME).
// The command log keeps base, the command the host received.
func reportedBase(out fleet.Result, base string) string {
	if out.ReportedBaseCommand != "" {
		return out.ReportedBaseCommand
	}
	return base
}

package sim

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rtrplay/rtrplay/sim/fleet"
)

// Page sizes of the device query, from the API reference. The id limits
// of the other Hosts API calls are in IDLimits.
const (
	defaultQueryLimit = 100
	maxQueryLimit     = 5000
)

// device is deviceapi.DeviceSwagger, limited to the fields the fleet has.
type device struct {
	DeviceID     string   `json:"device_id"`
	CID          string   `json:"cid"`
	Hostname     string   `json:"hostname"`
	PlatformName string   `json:"platform_name"`
	OSVersion    string   `json:"os_version"`
	Status       string   `json:"status"`
	LocalIP      string   `json:"local_ip"`
	ExternalIP   string   `json:"external_ip"`
	MACAddress   string   `json:"mac_address"`
	AgentVersion string   `json:"agent_version"`
	FirstSeen    string   `json:"first_seen"`
	LastSeen     string   `json:"last_seen"`
	Tags         []string `json:"tags"`
	Groups       []string `json:"groups"`
}

func deviceOf(h fleet.HostInfo) device {
	tags, groups := h.Tags, h.Groups
	if tags == nil {
		tags = []string{}
	}
	if groups == nil {
		groups = []string{}
	}
	return device{
		DeviceID: h.AID, CID: h.CID, Hostname: h.Hostname,
		PlatformName: h.PlatformName, OSVersion: h.OSVersion, Status: h.Containment,
		LocalIP: h.LocalIP, ExternalIP: h.ExternalIP, MACAddress: h.MACAddress,
		AgentVersion: h.AgentVersion,
		FirstSeen:    h.FirstSeen.UTC().Format(time.RFC3339),
		LastSeen:     h.LastSeen.UTC().Format(time.RFC3339),
		Tags:         tags, Groups: groups,
	}
}

// sortKeys are the fields the device query sorts by.
var sortKeys = map[string]func(fleet.HostInfo) string{
	"hostname":      func(h fleet.HostInfo) string { return h.Hostname },
	"platform_name": func(h fleet.HostInfo) string { return h.PlatformName },
	"os_version":    func(h fleet.HostInfo) string { return h.OSVersion },
	"status":        func(h fleet.HostInfo) string { return h.Containment },
	"device_id":     func(h fleet.HostInfo) string { return h.AID },
	"local_ip":      func(h fleet.HostInfo) string { return h.LocalIP },
	"external_ip":   func(h fleet.HostInfo) string { return h.ExternalIP },
	"agent_version": func(h fleet.HostInfo) string { return h.AgentVersion },
	"first_seen":    func(h fleet.HostInfo) string { return h.FirstSeen.UTC().Format(time.RFC3339Nano) },
	"last_seen":     func(h fleet.HostInfo) string { return h.LastSeen.UTC().Format(time.RFC3339Nano) },
}

// handleDeviceQuery serves GET /devices/queries/devices/v1: the AIDs of the
// hosts that match filter, sorted and paged.
// NOTE: the reference lists no 400 for this call. The emulator sends one
// for a filter or parameter it cannot read, rather than match every host.
func (s *Server) handleDeviceQuery(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	hosts, err := s.queryHosts(r.Context(), q.Get("filter"), q.Get("sort"))
	if err != nil {
		s.writeError(w, r, http.StatusBadRequest, poweredByDevices, err.Error())
		return
	}
	limit, err := intParam(q.Get("limit"), "limit", defaultQueryLimit, 1, maxQueryLimit)
	if err != nil {
		s.writeError(w, r, http.StatusBadRequest, poweredByDevices, err.Error())
		return
	}
	offset, err := intParam(q.Get("offset"), "offset", 0, 0, int(^uint(0)>>1))
	if err != nil {
		s.writeError(w, r, http.StatusBadRequest, poweredByDevices, err.Error())
		return
	}
	ids := []string{}
	for i := offset; i < len(hosts) && i < offset+limit; i++ {
		ids = append(ids, hosts[i].AID)
	}
	m := meta(r, poweredByDevices)
	m.Pagination = &paging{Offset: offset, Limit: limit, Total: len(hosts)}
	s.writeJSON(w, http.StatusOK, listReply{Meta: m, Resources: ids, Errors: noErrors()})
}

// queryHosts returns the hosts in the request's CID that match filter (all
// of them when filter is empty), ordered by sortSpec or by hostname.
func (s *Server) queryHosts(ctx context.Context, filter, sortSpec string) ([]fleet.HostInfo, error) {
	var expr fqlExpr
	if filter != "" {
		var err error
		if expr, err = parseFQL(filter); err != nil {
			return nil, err
		}
	}
	key, desc, err := parseSort(sortSpec)
	if err != nil {
		return nil, err
	}
	var hosts []fleet.HostInfo
	for _, h := range s.visibleHosts(ctx) {
		info := s.hostInfo(h)
		if expr == nil || expr.match(hostFQLValues(info)) {
			hosts = append(hosts, info)
		}
	}
	slices.SortStableFunc(hosts, func(a, b fleet.HostInfo) int {
		c := cmp.Compare(key(a), key(b))
		if desc {
			return -c
		}
		return c
	})
	return hosts, nil
}

// parseSort reads "field.asc", "field.desc", "field|asc" or "field|desc";
// the direction defaults to ascending and the field to hostname.
func parseSort(spec string) (key func(fleet.HostInfo) string, desc bool, err error) {
	if spec == "" {
		return sortKeys["hostname"], false, nil
	}
	field, dir := spec, "asc"
	if i := strings.LastIndexAny(spec, ".|"); i >= 0 {
		field, dir = spec[:i], spec[i+1:]
	}
	key, ok := sortKeys[field]
	if !ok || (dir != "asc" && dir != "desc") {
		return nil, false, fmt.Errorf("invalid sort %q: use a field such as hostname with .asc or .desc", spec)
	}
	return key, dir == "desc", nil
}

func intParam(v, name string, def, lo, hi int) (int, error) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("invalid %s %q: use a whole number from %d to %d", name, v, lo, hi)
	}
	return n, nil
}

// handleDeviceDetailsGet serves GET /devices/entities/devices/v2?ids=...,
// with ids repeated in the query.
func (s *Server) handleDeviceDetailsGet(w http.ResponseWriter, r *http.Request) {
	s.writeDeviceDetails(w, r, r.URL.Query()["ids"], s.opts.IDLimits.DetailsGet)
}

type idsRequest struct {
	IDs []string `json:"ids"`
}

// handleDeviceDetailsPost serves POST /devices/entities/devices/v2 with
// the ids in a JSON body.
func (s *Server) handleDeviceDetailsPost(w http.ResponseWriter, r *http.Request) {
	var req idsRequest
	if err := s.decodeBody(r, &req); err != nil {
		s.writeError(w, r, http.StatusBadRequest, poweredByDevices, err.Error())
		return
	}
	s.writeDeviceDetails(w, r, req.IDs, s.opts.IDLimits.DetailsPost)
}

// writeDeviceDetails sends the records of the known ids, and an entry in
// errors for each id that is unknown or outside the token's CID.
// NOTE: the message for an unknown id is not documented.
func (s *Server) writeDeviceDetails(w http.ResponseWriter, r *http.Request, ids []string, limit int) {
	if !s.checkIDCount(w, r, len(ids), limit) {
		return
	}
	devices := []device{}
	errs := noErrors()
	for _, id := range dedupe(ids) {
		h := s.visibleHost(r.Context(), id)
		if h == nil {
			errs = append(errs, apiError{Code: http.StatusNotFound, Message: "device not found", ID: id})
			continue
		}
		devices = append(devices, deviceOf(s.hostInfo(h)))
	}
	s.writeJSON(w, http.StatusOK, listReply{Meta: meta(r, poweredByDevices), Resources: devices, Errors: errs})
}

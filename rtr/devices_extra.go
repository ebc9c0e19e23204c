package rtr

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

const (
	pathCombinedDevices = "/devices/combined/devices/v1"
	pathOnlineState     = "/devices/entities/online-state/v1"
)

// deviceFieldPattern is the form of a device record field name, such as
// hostname or device_policies.prevention.policy_id.
var deviceFieldPattern = regexp.MustCompile(`^[a-z0-9_]+(\.[a-z0-9_-]+)*$`)

// CombinedDeviceQuery selects one page of the combined devices call,
// which returns whole host records for a filter in one call per page.
type CombinedDeviceQuery struct {
	// Filter is an FQL expression such as "platform_name:'Windows'";
	// empty matches every host.
	Filter string
	// Sort is a field with an optional direction, such as hostname.asc;
	// empty leaves Falcon's default, device_id.asc. Every page of one
	// listing must use the same filter and sort as its first page.
	Sort string
	// Limit is the page size, at most Limits.CombinedDevicesPage (the call
	// takes 1 to 10,000); zero takes that maximum.
	Limit int
	// Offset is the cursor of the page: empty for the first page, and
	// the previous page's Next for the following ones.
	Offset string
	// Fields restricts the records to these fields; nil returns every
	// field. Device fields not listed stay empty.
	Fields []string
}

// DevicePage is one page of the combined devices call.
type DevicePage struct {
	// Devices are the page's host records.
	Devices []Device
	// Next is the cursor of the next page, empty on the last page.
	Next string
	// Total is the number of hosts that match the filter.
	Total int
}

func (q CombinedDeviceQuery) values(maxLimit int) (url.Values, error) {
	limit := q.Limit
	if limit == 0 {
		limit = maxLimit
	}
	if limit < 1 || limit > maxLimit {
		return nil, fmt.Errorf("invalid limit %d: use 1 to %d, or 0 for %d", q.Limit, maxLimit, maxLimit)
	}
	v := url.Values{"limit": {strconv.Itoa(limit)}}
	if q.Filter != "" {
		v.Set("filter", q.Filter)
	}
	if q.Sort != "" {
		if err := checkSort(q.Sort, nil); err != nil {
			return nil, err
		}
		v.Set("sort", q.Sort)
	}
	if q.Offset != "" {
		if strings.ContainsAny(q.Offset, " \t\r\n") {
			return nil, fmt.Errorf("invalid offset %q: pass the Next cursor of the previous page unchanged", q.Offset)
		}
		v.Set("offset", q.Offset)
	}
	if q.Fields != nil {
		if len(q.Fields) == 0 {
			return nil, fmt.Errorf("fields is an empty list; pass nil for every field")
		}
		for _, f := range q.Fields {
			if !deviceFieldPattern.MatchString(f) {
				return nil, fmt.Errorf("invalid field %q: use a record field name such as hostname", f)
			}
		}
		v.Set("fields", strings.Join(q.Fields, ","))
	}
	return v, nil
}

// CombinedDevices returns one page of host records that match q.Filter.
func (c *Client) CombinedDevices(ctx context.Context, q CombinedDeviceQuery) (DevicePage, error) {
	query, err := q.values(c.limits.CombinedDevicesPage)
	if err != nil {
		return DevicePage{}, fmt.Errorf("combined devices: %w", err)
	}
	r := &request{
		method: http.MethodGet, path: pathCombinedDevices, query: query,
		ok: []int{http.StatusOK}, repeatable: true,
	}
	var out struct {
		Meta struct {
			TraceID    string `json:"trace_id"`
			Pagination struct {
				Total int    `json:"total"`
				Next  string `json:"next"`
			} `json:"pagination"`
		} `json:"meta"`
		Errors    []ErrorEntry `json:"errors"`
		Resources []wireDevice `json:"resources"`
	}
	resp, err := c.call(ctx, r, &out)
	if err != nil {
		return DevicePage{}, fmt.Errorf("combined devices with filter %q: %w", q.Filter, err)
	}
	c.warnTopLevelErrors(r, resp, envelope{Errors: out.Errors})
	page := DevicePage{Next: out.Meta.Pagination.Next, Total: out.Meta.Pagination.Total}
	page.Devices = make([]Device, 0, len(out.Resources))
	for _, w := range out.Resources {
		page.Devices = append(page.Devices, w.device())
	}
	return page, nil
}

// AllCombinedDevices returns the records of every host that matches
// q.Filter, following the page cursors from q.Offset to the last page.
func (c *Client) AllCombinedDevices(ctx context.Context, q CombinedDeviceQuery) ([]Device, error) {
	var devices []Device
	seen := map[string]bool{}
	for {
		page, err := c.CombinedDevices(ctx, q)
		if err != nil {
			return devices, err
		}
		for _, d := range page.Devices {
			if !seen[d.ID] {
				seen[d.ID] = true
				devices = append(devices, d)
			}
		}
		if page.Next == "" || len(page.Devices) == 0 {
			return devices, nil
		}
		if page.Next == q.Offset {
			return devices, fmt.Errorf("combined devices: the server returned the same cursor %q twice", page.Next)
		}
		q.Offset = page.Next
	}
}

func (w wireDevice) device() Device {
	return Device{
		ID: w.DeviceID, CID: w.CID, Hostname: w.Hostname,
		PlatformName: w.PlatformName, OSVersion: w.OSVersion, Status: w.Status,
		LocalIP: w.LocalIP, ExternalIP: w.ExternalIP, AgentVersion: w.AgentVersion,
		Tags: w.Tags, LastSeen: time.Time(w.LastSeen),
	}
}

// OnlineState is whether a host's sensor is connected to Falcon.
type OnlineState string

// The online states.
const (
	StateOnline  OnlineState = "online"
	StateOffline OnlineState = "offline"
	// StateUnknown stands for a null state, which Falcon sometimes sends,
	// and for any value other than online and offline.
	StateUnknown OnlineState = "unknown"
)

// HostOnlineState is one host's entry of the online-state call.
type HostOnlineState struct {
	// AID is the host's agent id.
	AID string
	// CID is the customer id of the host's tenant.
	CID string
	// State is StateOnline, StateOffline or StateUnknown.
	State OnlineState
	// LastSeen is when the sensor last contacted Falcon.
	LastSeen time.Time
}

// OnlineStates returns the online state of the hosts ids, keyed by AID,
// in chunks of Limits.OnlineState ids per request. A null state, which
// Falcon sometimes returns, reads as StateUnknown. Unknown ids are absent
// from the result.
func (c *Client) OnlineStates(ctx context.Context, ids []string) (map[string]HostOnlineState, error) {
	if err := hostIDForm.checkAll("host ids", ids); err != nil {
		return nil, fmt.Errorf("online states: %w", err)
	}
	states := make(map[string]HostOnlineState, len(ids))
	for _, chunk := range chunks(ids, c.limits.OnlineState) {
		if err := c.onlineStateChunk(ctx, chunk, states); err != nil {
			return nil, fmt.Errorf("online states of %d hosts: %w", len(chunk), err)
		}
	}
	return states, nil
}

func (c *Client) onlineStateChunk(ctx context.Context, ids []string, states map[string]HostOnlineState) error {
	r := &request{
		method: http.MethodGet, path: pathOnlineState, query: url.Values{"ids": ids},
		ok: []int{http.StatusOK, http.StatusNotFound}, repeatable: true,
	}
	var out struct {
		envelope
		Resources []struct {
			ID       string  `json:"id"`
			CID      string  `json:"cid"`
			State    *string `json:"state"`
			LastSeen apiTime `json:"last_seen"`
		} `json:"resources"`
	}
	resp, err := c.call(ctx, r, &out)
	if err != nil {
		return err
	}
	if err := notFoundOnly(r, resp, out.envelope); err != nil {
		return err
	}
	for _, res := range out.Resources {
		state := StateUnknown
		switch {
		case res.State == nil:
		case *res.State == string(StateOnline), *res.State == string(StateOffline):
			state = OnlineState(*res.State)
		default:
			c.log.Debug("unexpected online state; reading it as unknown", "aid", res.ID, "state", *res.State)
		}
		states[res.ID] = HostOnlineState{AID: res.ID, CID: res.CID, State: state, LastSeen: time.Time(res.LastSeen)}
	}
	return nil
}

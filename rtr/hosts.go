package rtr

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

const (
	pathDeviceQuery   = "/devices/queries/devices/v1"
	pathDeviceDetails = "/devices/entities/devices/v2"
	pathDeviceActions = "/devices/entities/devices-actions/v2"
)

// Device is a host's record from the Hosts API, reduced to the fields
// rtrplay uses.
type Device struct {
	// ID is the host's agent id (AID), device_id in the Hosts API.
	ID string
	// CID is the customer id of the Falcon tenant that owns the host (cid).
	CID string
	// Hostname is the host's name (hostname).
	Hostname     string
	PlatformName string // Windows, Linux or Mac
	OSVersion    string
	// Status is the containment status: normal, containment_pending,
	// contained or lift_containment_pending.
	Status       string
	LocalIP      string
	ExternalIP   string
	AgentVersion string
	Tags         []string
	LastSeen     time.Time
}

type wireDevice struct {
	DeviceID     string   `json:"device_id"`
	CID          string   `json:"cid"`
	Hostname     string   `json:"hostname"`
	PlatformName string   `json:"platform_name"`
	OSVersion    string   `json:"os_version"`
	Status       string   `json:"status"`
	LocalIP      string   `json:"local_ip"`
	ExternalIP   string   `json:"external_ip"`
	AgentVersion string   `json:"agent_version"`
	Tags         []string `json:"tags"`
	LastSeen     apiTime  `json:"last_seen"`
}

// QueryDevices returns the AIDs of every host that matches the FQL filter
// (such as "platform_name:'Windows'"), reading all pages. An empty filter
// matches every host.
func (c *Client) QueryDevices(ctx context.Context, filter string) ([]string, error) {
	var ids []string
	seen := make(map[string]bool)
	for offset := 0; ; {
		query := url.Values{
			"limit":  {strconv.Itoa(c.limits.DeviceQueryPage)},
			"offset": {strconv.Itoa(offset)},
		}
		if filter != "" {
			query.Set("filter", filter)
		}
		r := &request{
			method: http.MethodGet, path: pathDeviceQuery, query: query,
			ok: []int{http.StatusOK}, repeatable: true,
		}
		var out struct {
			envelope
			Resources []string `json:"resources"`
		}
		resp, err := c.call(ctx, r, &out)
		if err != nil {
			return nil, fmt.Errorf("query devices with filter %q: %w", filter, err)
		}
		c.warnTopLevelErrors(r, resp, out.envelope)

		for _, id := range out.Resources {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
		offset += len(out.Resources)
		if len(out.Resources) == 0 || !morePages(out.Meta.Pagination, offset, len(out.Resources), c.limits.DeviceQueryPage) {
			return ids, nil
		}
	}
}

// morePages reports whether another page follows, from the pagination
// total when Falcon sends one and from a full page otherwise.
func morePages(p *pagination, offset, got, limit int) bool {
	if p != nil && p.Total > 0 {
		return offset < p.Total
	}
	return got >= limit
}

// GetDevices returns the records of the hosts ids, in chunks of
// Limits.DeviceDetails ids per request. Unknown ids are absent from the
// result.
func (c *Client) GetDevices(ctx context.Context, ids []string) ([]Device, error) {
	if err := checkHostIDs("device ids", ids); err != nil {
		return nil, fmt.Errorf("get devices: %w", err)
	}
	devices := make([]Device, 0, len(ids))
	for _, chunk := range chunks(ids, c.limits.DeviceDetails) {
		// POST is a read here; it takes more ids than the GET variant.
		r := &request{
			method: http.MethodPost, path: pathDeviceDetails,
			body: struct {
				IDs []string `json:"ids"`
			}{chunk},
			ok: []int{http.StatusOK}, repeatable: true,
		}
		var out struct {
			envelope
			Resources []wireDevice `json:"resources"`
		}
		resp, err := c.call(ctx, r, &out)
		if err != nil {
			return nil, fmt.Errorf("get %d devices: %w", len(chunk), err)
		}
		c.warnTopLevelErrors(r, resp, out.envelope)
		for _, w := range out.Resources {
			devices = append(devices, Device{
				ID: w.DeviceID, CID: w.CID, Hostname: w.Hostname,
				PlatformName: w.PlatformName, OSVersion: w.OSVersion, Status: w.Status,
				LocalIP: w.LocalIP, ExternalIP: w.ExternalIP, AgentVersion: w.AgentVersion,
				Tags: w.Tags, LastSeen: time.Time(w.LastSeen),
			})
		}
	}
	return devices, nil
}

// HostAction is an action of the devices-actions endpoint.
type HostAction string

// The host actions that rtrplay uses.
const (
	// Contain cuts the host off the network except for the Falcon cloud.
	Contain HostAction = "contain"
	// LiftContainment restores the host's network access.
	LiftContainment HostAction = "lift_containment"
)

// DeviceAction applies action to the hosts ids and returns the ids that
// Falcon accepted (HTTP 202). The host's Status then moves through
// containment_pending to contained, or back to normal. The request is not
// repeated after a failure that leaves its outcome unknown: the error
// wraps ErrOutcomeUnknown, and the returned ids are those of the chunks
// that did succeed.
func (c *Client) DeviceAction(ctx context.Context, action HostAction, ids []string) ([]string, error) {
	if action != Contain && action != LiftContainment {
		return nil, fmt.Errorf("device action: unknown action %q; use %s or %s", action, Contain, LiftContainment)
	}
	if len(ids) == 0 {
		return nil, errors.New("device action: no host ids")
	}
	if err := checkHostIDs("host ids", ids); err != nil {
		return nil, fmt.Errorf("device action %s: %w", action, err)
	}

	var done []string
	for _, chunk := range chunks(ids, c.limits.DeviceActions) {
		accepted, err := c.deviceActionChunk(ctx, action, chunk)
		done = append(done, accepted...)
		if err != nil {
			return done, fmt.Errorf("device action %s on %d hosts: %w", action, len(chunk), err)
		}
	}
	return done, nil
}

func (c *Client) deviceActionChunk(ctx context.Context, action HostAction, ids []string) ([]string, error) {
	r := &request{
		method: http.MethodPost, path: pathDeviceActions,
		query: url.Values{"action_name": {string(action)}},
		body: struct {
			IDs []string `json:"ids"`
		}{ids},
		ok: []int{http.StatusAccepted},
	}
	var out struct {
		envelope
		Resources []struct {
			ID string `json:"id"`
		} `json:"resources"`
	}
	resp, err := c.call(ctx, r, &out)
	if err != nil {
		return nil, err
	}
	if len(out.Resources) == 0 && len(out.Errors) > 0 {
		return nil, envelopeError(r, resp, out.envelope)
	}
	c.warnTopLevelErrors(r, resp, out.envelope)
	accepted := make([]string, 0, len(out.Resources))
	for _, res := range out.Resources {
		accepted = append(accepted, res.ID)
	}
	return accepted, nil
}

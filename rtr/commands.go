package rtr

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Tier is an RTR permission level. Each tier has its own command
// endpoints, and a command sent to a tier that lacks it fails per host
// with 40007 "Command not found".
type Tier int

// The RTR tiers, from least to most privileged. The zero Tier is invalid,
// so that a forgotten tier is an error and not a silent read-only call.
const (
	ReadOnly Tier = iota + 1
	ActiveResponder
	Admin
)

var tierNames = map[Tier]string{
	ReadOnly:        "read-only",
	ActiveResponder: "active-responder",
	Admin:           "admin",
}

// String returns the tier's name: read-only, active-responder or admin.
func (t Tier) String() string {
	if name, ok := tierNames[t]; ok {
		return name
	}
	return fmt.Sprintf("Tier(%d)", int(t))
}

// ParseTier returns the tier that name (as Tier.String spells it) names.
func ParseTier(name string) (Tier, error) {
	for tier, n := range tierNames {
		if strings.EqualFold(name, n) {
			return tier, nil
		}
	}
	return 0, fmt.Errorf("unknown RTR tier %q; use read-only, active-responder or admin", name)
}

// batchPath returns the tier's batch command endpoint.
func (t Tier) batchPath() (string, error) {
	switch t {
	case ReadOnly:
		return "/real-time-response/combined/batch-command/v1", nil
	case ActiveResponder:
		return "/real-time-response/combined/batch-active-responder-command/v1", nil
	case Admin:
		return "/real-time-response/combined/batch-admin-command/v1", nil
	}
	return "", fmt.Errorf("invalid RTR tier %s", t)
}

// statusPath returns the tier's single-host command endpoint, whose GET
// returns a command's status.
func (t Tier) statusPath() (string, error) {
	switch t {
	case ReadOnly:
		return "/real-time-response/entities/command/v1", nil
	case ActiveResponder:
		return "/real-time-response/entities/active-responder-command/v1", nil
	case Admin:
		return "/real-time-response/entities/admin-command/v1", nil
	}
	return "", fmt.Errorf("invalid RTR tier %s", t)
}

// BatchCommandRequest runs one command line on the hosts of a batch.
type BatchCommandRequest struct {
	// BatchID is the batch_id that BatchInit returned.
	BatchID string
	// BaseCommand is the first word of CommandString, such as "reg" for
	// "reg query HKLM\...".
	BaseCommand   string
	CommandString string
	// OptionalHosts restricts the command to these AIDs of the batch. Nil
	// means every host; an empty non-nil list is rejected.
	OptionalHosts []string
	// PersistAll queues the command for hosts whose session is queued
	// offline.
	PersistAll bool
	// Timeout is how long Falcon waits for hosts to respond (1 s to 5 min,
	// whole seconds; zero means 30 s). Hosts still running come back with
	// Complete false and a TaskID to poll with CommandStatus. HostTimeout
	// is each host's budget, below Timeout.
	Timeout     time.Duration
	HostTimeout time.Duration
	// Repeatable marks a command that is safe to run twice, such as a
	// read-only one: after a 5xx or a dropped connection it is sent again
	// instead of being reported with ErrOutcomeUnknown.
	Repeatable bool
}

// BatchCommand runs a command through tier's batch endpoint and returns
// each host's result. After a failure that may have left the command
// running, it is not sent again and the error wraps ErrOutcomeUnknown.
func (c *Client) BatchCommand(ctx context.Context, tier Tier, req BatchCommandRequest) (map[string]HostResult, error) {
	path, err := tier.batchPath()
	if err != nil {
		return nil, fmt.Errorf("batch command: %w", err)
	}
	if err := req.check(); err != nil {
		return nil, fmt.Errorf("batch command %q: %w", req.BaseCommand, err)
	}
	query, err := timeoutQuery(req.Timeout, req.HostTimeout)
	if err != nil {
		return nil, fmt.Errorf("batch command %q: %w", req.BaseCommand, err)
	}

	body := struct {
		BaseCommand   string   `json:"base_command"`
		BatchID       string   `json:"batch_id"`
		CommandString string   `json:"command_string"`
		OptionalHosts []string `json:"optional_hosts,omitempty"`
		PersistAll    bool     `json:"persist_all"`
	}{req.BaseCommand, req.BatchID, req.CommandString, req.OptionalHosts, req.PersistAll}
	r := &request{
		method: http.MethodPost, path: path, query: query, body: body,
		ok: []int{http.StatusCreated}, serverTimeout: req.Timeout, repeatable: req.Repeatable,
	}
	return c.combinedHosts(ctx, r, nil)
}

func (req BatchCommandRequest) check() error {
	if req.BatchID == "" {
		return errors.New("empty batch id")
	}
	fields := strings.Fields(req.CommandString)
	if len(fields) == 0 {
		return errors.New("empty command string")
	}
	if req.BaseCommand != fields[0] {
		return fmt.Errorf("base command %q is not the first word of the command string %q",
			req.BaseCommand, req.CommandString)
	}
	return checkOptionalHosts(req.OptionalHosts)
}

// combinedHosts sends a batch command or batch get and decodes its
// combined.resources map. Extra top-level fields go to extra.
func (c *Client) combinedHosts(ctx context.Context, r *request, extra *string) (map[string]HostResult, error) {
	var out struct {
		envelope
		BatchGetRequestID string `json:"batch_get_cmd_req_id"`
		Combined          struct {
			Resources hostMap `json:"resources"`
		} `json:"combined"`
	}
	resp, err := c.call(ctx, r, &out)
	if err != nil {
		return nil, err
	}
	if len(out.Combined.Resources) == 0 && len(out.Errors) > 0 {
		return nil, envelopeError(r, resp, out.envelope)
	}
	c.warnTopLevelErrors(r, resp, out.envelope)
	if extra != nil {
		*extra = out.BatchGetRequestID
	}
	return out.Combined.Resources.withKeys(), nil
}

// CommandStatus is the state of one host's command, from the single-host
// status endpoint. Long output arrives in chunks: each call returns the
// chunk for one sequence id, and SequenceID is the value Falcon returned.
type CommandStatus struct {
	HostResult
	// SequenceID is the response's sequence_id, which may differ from the
	// one requested. How Falcon numbers the chunks is not documented.
	SequenceID int
}

// UnmarshalJSON decodes the host result fields and sequence_id.
func (s *CommandStatus) UnmarshalJSON(data []byte) error {
	if err := s.HostResult.UnmarshalJSON(data); err != nil {
		return err
	}
	var seq struct {
		SequenceID int `json:"sequence_id"`
	}
	if err := json.Unmarshal(data, &seq); err != nil {
		return err
	}
	s.SequenceID = seq.SequenceID
	return nil
}

// CommandStatus returns the status and output chunk sequenceID (from 0) of
// the command whose task id (cloud request id) is cloudRequestID, asking
// tier's status endpoint. It polls batch hosts that came back with Complete
// false.
func (c *Client) CommandStatus(ctx context.Context, tier Tier, cloudRequestID string, sequenceID int) (CommandStatus, error) {
	path, err := tier.statusPath()
	if err != nil {
		return CommandStatus{}, fmt.Errorf("command status: %w", err)
	}
	if cloudRequestID == "" {
		return CommandStatus{}, errors.New("command status: empty cloud request id")
	}
	if sequenceID < 0 {
		return CommandStatus{}, fmt.Errorf("command status: negative sequence id %d", sequenceID)
	}

	r := &request{
		method: http.MethodGet, path: path,
		query: url.Values{
			"cloud_request_id": {cloudRequestID},
			"sequence_id":      {strconv.Itoa(sequenceID)},
		},
		ok: []int{http.StatusOK}, repeatable: true,
	}
	var out struct {
		envelope
		Resources []CommandStatus `json:"resources"`
	}
	resp, err := c.call(ctx, r, &out)
	if err != nil {
		return CommandStatus{}, err
	}

	if len(out.Resources) == 0 {
		if len(out.Errors) > 0 {
			return CommandStatus{}, envelopeError(r, resp, out.envelope)
		}
		return CommandStatus{}, fmt.Errorf("%s %s: no status for cloud request id %s (trace id %s)",
			r.method, r.path, cloudRequestID, resp.Header.Get(headerTraceID))
	}
	status := out.Resources[0]
	if status.TaskID == "" {
		status.TaskID = cloudRequestID
	}
	return status, nil
}

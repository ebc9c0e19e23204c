package sim

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/rtrplay/rtrplay/sim/fleet"
)

// Values of devices-actions' action_name that the emulator serves. The API
// also has hide_host and unhide_host, which the emulator rejects.
const (
	actionContain = "contain"
	actionLift    = "lift_containment"
)

type deviceActionRequest struct {
	IDs              []string          `json:"ids"`
	ActionParameters []actionParameter `json:"action_parameters"`
}

type actionParameter struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// affectedEntity is msa.AffectedEntity.
type affectedEntity struct {
	ID   string `json:"id"`
	Path string `json:"path"`
}

// handleDeviceActions serves POST /devices/entities/devices-actions/v2. A
// contain moves the host to containment_pending and, ContainDelay later,
// to contained; lift_containment goes through lift_containment_pending back
// to normal. A host that is offline when the delay ends stays pending until
// it is online. Repeating an action that is already in effect or pending
// changes nothing and still returns 202. A host outside the token's CID
// gets a 404 entry in errors, as an unknown one does.
func (s *Server) handleDeviceActions(w http.ResponseWriter, r *http.Request) {
	action := r.URL.Query().Get("action_name")
	if action != actionContain && action != actionLift {
		s.writeActionError(w, r,
			"invalid action_name "+strconv.Quote(action)+": the emulator serves contain and lift_containment")
		return
	}
	var req deviceActionRequest
	if err := s.decodeBody(r, &req); err != nil {
		s.writeActionError(w, r, err.Error())
		return
	}
	if len(req.IDs) == 0 {
		s.writeActionError(w, r, "ids must name at least one host")
		return
	}
	if limit := s.opts.IDLimits.Actions; len(req.IDs) > limit {
		s.writeActionError(w, r, fmt.Sprintf("request must contain between 0 and %d ids", limit))
		return
	}
	resources := []affectedEntity{}
	errs := noErrors()
	for _, id := range dedupe(req.IDs) {
		h := s.visibleHost(r.Context(), id)
		if h == nil {
			errs = append(errs, apiError{Code: http.StatusNotFound, Message: "device not found", ID: id})
			continue
		}
		s.applyContainment(h, action)
		// NOTE: the value of path in the live API's response is unverified.
		resources = append(resources, affectedEntity{ID: id, Path: ""})
	}
	s.writeJSON(w, http.StatusAccepted, listReply{Meta: meta(r, poweredByDevices), Resources: resources, Errors: errs})
}

// writeActionError sends a 400 in the shape that the reference gives this
// call's errors, msa.ReplyAffectedEntities, whose resources are required.
func (s *Server) writeActionError(w http.ResponseWriter, r *http.Request, message string) {
	s.log.Debug("request failed", "method", r.Method, "path", r.URL.Path,
		"status", http.StatusBadRequest, "message", message, "trace_id", callFrom(r.Context()).traceID)
	s.writeJSON(w, http.StatusBadRequest, listReply{
		Meta:      meta(r, poweredByDevices),
		Resources: []affectedEntity{},
		Errors:    []apiError{{Code: http.StatusBadRequest, Message: message}},
	})
}

func (s *Server) applyContainment(h *fleet.Host, action string) {
	s.containMu.Lock()
	defer s.containMu.Unlock()
	info := h.Info()
	s.recordCommand(CommandRecord{
		Time: time.Now(), AID: info.AID, Hostname: info.Hostname,
		Endpoint: pathDeviceActions, BaseCommand: action, CommandString: "action_name=" + action,
	})
	current := info.Containment
	switch {
	case action == actionContain && (current == fleet.ContainmentNormal || current == fleet.ContainmentLiftPending):
		s.moveContainment(h, fleet.ContainmentPending, fleet.Contained)
	case action == actionLift && (current == fleet.Contained || current == fleet.ContainmentPending):
		s.moveContainment(h, fleet.ContainmentLiftPending, fleet.ContainmentNormal)
	}
}

// moveContainment sets h to pending now and to final after ContainDelay.
func (s *Server) moveContainment(h *fleet.Host, pending, final string) {
	h.SetContainment(pending)
	s.afterFunc(s.opts.ContainDelay, func() { s.settleContainment(h, pending, final) })
}

// settleContainment ends a pending change, unless another action replaced
// it meanwhile. An offline host cannot confirm, so it is checked again one
// ContainDelay later.
func (s *Server) settleContainment(h *fleet.Host, pending, final string) {
	s.containMu.Lock()
	defer s.containMu.Unlock()
	info := h.Info()
	if info.Containment != pending {
		return
	}
	if !info.Online {
		s.afterFunc(s.opts.ContainDelay, func() { s.settleContainment(h, pending, final) })
		return
	}
	h.SetContainment(final)
	s.log.Debug("containment changed", "aid", info.AID, "status", final)
}

package sim

import (
	"context"
	"slices"
	"strconv"
	"time"
)

// sessionLog is one command that ran in a session, model.SessionLog in
// the session listings.
type sessionLog struct {
	id  int64 // the command's position in the server's command log
	rec CommandRecord
	// cwd is the session's working directory once the command ran: always
	// the drive root in a single-host session.
	// NOTE: whether the live current_directory is taken before or after
	// the command is unverified.
	cwd string
}

// logSessionCommand adds rec to its session's log. The caller holds s.mu.
func (s *Server) logSessionCommand(rec CommandRecord, id int64) {
	sess := s.sessions[rec.SessionID]
	if sess == nil {
		return
	}
	sess.logs = append(sess.logs, sessionLog{id: id, rec: rec, cwd: sess.shell.Cwd()})
	sess.updatedAt = rec.Time
	if !slices.Contains(sess.requestIDs, rec.CloudRequestID) {
		sess.requestIDs = append(sess.requestIDs, rec.CloudRequestID)
	}
}

// sessionView is a copy of one session as the listings show it, taken
// under s.mu so that filtering, sorting and encoding need no lock.
type sessionView struct {
	id, aid, cid, hostname string
	platformName, pwd      string
	owner, origin          string
	createdAt, updatedAt   time.Time
	// deletedAt is zero while the session is open. An expired session
	// counts as deleted when its idle lifetime ran out.
	deletedAt                     time.Time
	duration                      float64 // seconds open, up to now or deletedAt
	offlineQueued, commandsQueued bool
	requestIDs                    []string
	logs                          []sessionLog
	// mine marks a session of the API client that sent the request.
	mine bool
}

// sessionViews returns every session on a host in the request's CID, in
// no particular order.
func (s *Server) sessionViews(ctx context.Context, now time.Time) []sessionView {
	scope := s.scopeCID(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	views := make([]sessionView, 0, len(s.sessions))
	for _, sess := range s.sessions {
		if s.cidOf(sess.host) != scope {
			continue
		}
		views = append(views, s.viewOf(sess, scope, now))
	}
	return views
}

// viewOf copies sess. The caller holds s.mu.
func (s *Server) viewOf(sess *session, cid string, now time.Time) sessionView {
	info := sess.host.Info()
	v := sessionView{
		id: sess.id, aid: sess.aid, cid: cid, hostname: info.Hostname,
		platformName: info.PlatformName, pwd: sess.shell.Cwd(),
		owner: sess.owner, origin: sess.origin,
		createdAt: sess.createdAt, updatedAt: sess.updatedAt,
		offlineQueued: sess.offlineQueued,
		requestIDs:    append([]string(nil), sess.requestIDs...),
		logs:          append([]sessionLog(nil), sess.logs...),
		mine:          sess.owner == s.apiUserID(),
	}
	switch {
	case sess.deleted:
		v.deletedAt = sess.deletedAt
	case s.expired(sess, now):
		v.deletedAt = sess.refreshedAt.Add(s.opts.SessionTTL)
	}
	end := now
	if !v.deletedAt.IsZero() {
		end = v.deletedAt
	}
	v.duration = end.Sub(v.createdAt).Seconds()
	for _, qc := range sess.queue {
		if qc.status == queuePending {
			v.commandsQueued = true
		}
	}
	return v
}

// sessionFields are the session fields that FQL filters, sorts and
// aggregates may name, with each view's values for them. A field with no
// value, such as deleted_at of an open session, gives none.
var sessionFields = map[string]func(v *sessionView) []string{
	"id":            func(v *sessionView) []string { return []string{v.id} },
	"device_id":     func(v *sessionView) []string { return []string{v.aid} },
	"hostname":      func(v *sessionView) []string { return []string{v.hostname} },
	"cid":           func(v *sessionView) []string { return []string{v.cid} },
	"user_id":       func(v *sessionView) []string { return []string{v.owner} },
	"user_uuid":     func(v *sessionView) []string { return []string{userUUID(v.owner)} },
	"origin":        func(v *sessionView) []string { return optionalValue(v.origin) },
	"platform_name": func(v *sessionView) []string { return []string{v.platformName} },
	"pwd":           func(v *sessionView) []string { return []string{v.pwd} },
	"offline_queued": func(v *sessionView) []string {
		return []string{strconv.FormatBool(v.offlineQueued)}
	},
	"commands_queued": func(v *sessionView) []string {
		return []string{strconv.FormatBool(v.commandsQueued)}
	},
	"created_at": func(v *sessionView) []string { return []string{formatTime(v.createdAt)} },
	"updated_at": func(v *sessionView) []string { return []string{formatTime(v.updatedAt)} },
	"deleted_at": func(v *sessionView) []string {
		if v.deletedAt.IsZero() {
			return nil
		}
		return []string{formatTime(v.deletedAt)}
	},
	"duration": func(v *sessionView) []string {
		return []string{strconv.FormatFloat(v.duration, 'f', -1, 64)}
	},
	"cloud_request_ids": func(v *sessionView) []string { return v.requestIDs },
}

func optionalValue(v string) []string {
	if v == "" {
		return nil
	}
	return []string{v}
}

// sessionFieldNames lists sessionFields for the FQL parser.
func sessionFieldNames() []string {
	names := make([]string, 0, len(sessionFields))
	for name := range sessionFields {
		names = append(names, name)
	}
	return names
}

// fql gives v's values to a parsed filter. For the caller's own sessions
// user_id also has the special value @me that the reference documents for
// user_id filters.
func (v *sessionView) fql() fqlValues {
	return func(field string) []string {
		values := sessionFields[field](v)
		if field == "user_id" && v.mine {
			values = append(values, "@me")
		}
		return values
	}
}

// filterSessions returns the views that match filter, all of them when
// filter is empty.
func filterSessions(views []sessionView, filter string) ([]sessionView, error) {
	if filter == "" {
		return views, nil
	}
	expr, err := parseFQLFields(filter, sessionFieldNames())
	if err != nil {
		return nil, err
	}
	var out []sessionView
	for i := range views {
		if expr.match(views[i].fql()) {
			out = append(out, views[i])
		}
	}
	return out, nil
}

// sessionLogJSON is model.SessionLog.
type sessionLogJSON struct {
	ID               int64  `json:"id"`
	SessionID        string `json:"session_id"`
	BaseCommand      string `json:"base_command"`
	CommandString    string `json:"command_string"`
	CloudRequestID   string `json:"cloud_request_id"`
	CurrentDirectory string `json:"current_directory"`
	CreatedAt        string `json:"created_at"`
	UpdatedAt        string `json:"updated_at"`
}

// sessionJSON is domain.Session.
type sessionJSON struct {
	ID              string           `json:"id"`
	CID             string           `json:"cid"`
	DeviceID        string           `json:"device_id"`
	Hostname        string           `json:"hostname"`
	UserID          string           `json:"user_id"`
	UserUUID        string           `json:"user_uuid"`
	Origin          string           `json:"origin"`
	PlatformName    string           `json:"platform_name"`
	Pwd             string           `json:"pwd"`
	Duration        float64          `json:"duration"`
	OfflineQueued   bool             `json:"offline_queued"`
	CommandsQueued  bool             `json:"commands_queued"`
	CloudRequestIDs []string         `json:"cloud_request_ids"`
	Logs            []sessionLogJSON `json:"logs"`
	CreatedAt       string           `json:"created_at"`
	UpdatedAt       string           `json:"updated_at"`
	// DeletedAt is null while the session is open.
	DeletedAt *string `json:"deleted_at"`
}

// record renders v as domain.Session, with or without its command info.
// Without it, cloud_request_ids and logs are empty lists: the reference
// says the audit leaves them out, and also marks them required.
// NOTE: whether the live audit omits them or sends them empty is
// unverified.
func (v *sessionView) record(withCommands bool) sessionJSON {
	rec := sessionJSON{
		CloudRequestIDs: []string{}, Logs: []sessionLogJSON{},
		ID: v.id, CID: v.cid, DeviceID: v.aid, Hostname: v.hostname,
		UserID: v.owner, UserUUID: userUUID(v.owner), Origin: v.origin,
		PlatformName: v.platformName, Pwd: v.pwd, Duration: v.duration,
		OfflineQueued: v.offlineQueued, CommandsQueued: v.commandsQueued,
		CreatedAt: formatTime(v.createdAt), UpdatedAt: formatTime(v.updatedAt),
	}
	if !v.deletedAt.IsZero() {
		d := formatTime(v.deletedAt)
		rec.DeletedAt = &d
	}
	if !withCommands {
		return rec
	}
	rec.CloudRequestIDs = append(rec.CloudRequestIDs, v.requestIDs...)
	for _, l := range v.logs {
		stamp := formatTime(l.rec.Time)
		rec.Logs = append(rec.Logs, sessionLogJSON{
			ID: l.id, SessionID: v.id, BaseCommand: l.rec.BaseCommand,
			CommandString: l.rec.CommandString, CloudRequestID: l.rec.CloudRequestID,
			CurrentDirectory: l.cwd, CreatedAt: stamp, UpdatedAt: stamp,
		})
	}
	return rec
}

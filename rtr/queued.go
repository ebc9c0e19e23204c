package rtr

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

const (
	pathQueuedSessions = "/real-time-response/entities/queued-sessions/GET/v1"
	pathQueuedCommand  = "/real-time-response/entities/queued-sessions/command/v1"
)

// QueueStatus is the status of a queued session or of one of its
// commands.
type QueueStatus string

// The queue statuses. Only QueuePending is documented; the others are
// the values the emulator uses, and the live API may send others, which
// come through unchanged.
const (
	// QueuePending marks a command that waits for its host, and a session
	// with at least one such command.
	QueuePending QueueStatus = "PENDING"
	// QueueCompleted marks a command that ran when its host came back.
	QueueCompleted QueueStatus = "COMPLETED"
	// QueueCanceled marks a command canceled with CancelQueuedCommand.
	QueueCanceled QueueStatus = "CANCELED"
	// QueueExpired marks a command whose host did not come back in time
	// (7 days).
	QueueExpired QueueStatus = "EXPIRED"
)

// QueuedSession is the queue of commands of a session opened for an
// offline host (domain.QueuedSessionJob).
type QueuedSession struct {
	// ID is the session id.
	ID string
	// AID is the host's agent id (aid).
	AID string
	// UserID and UserUUID identify who opened the session.
	UserID   string
	UserUUID string
	// Status is QueuePending while a command waits.
	Status QueueStatus
	// CreatedAt, UpdatedAt and DeletedAt are the queue's times; DeletedAt
	// is zero unless Falcon sends one.
	CreatedAt time.Time
	UpdatedAt time.Time
	DeletedAt time.Time
	// Commands are the queued commands in the order they were sent
	// (Commands, the one capitalised key of the record).
	Commands []QueuedCommand
}

// QueuedCommand is one command of a queued session
// (domain.QueuedSessionCommand).
type QueuedCommand struct {
	// CloudRequestID is the command's task id.
	CloudRequestID string
	// BaseCommand and CommandString are the command as sent.
	BaseCommand   string
	CommandString string
	// Status is the command's QueueStatus and StatusText Falcon's
	// description of it.
	Status     QueueStatus
	StatusText string
	// CreatedAt and UpdatedAt are when the command was queued and last
	// changed; DeletedAt is when it was canceled, or zero.
	CreatedAt time.Time
	UpdatedAt time.Time
	DeletedAt time.Time
}

type wireQueuedSession struct {
	ID        string              `json:"id"`
	AID       string              `json:"aid"`
	UserID    string              `json:"user_id"`
	UserUUID  string              `json:"user_uuid"`
	Status    QueueStatus         `json:"status"`
	CreatedAt apiTime             `json:"created_at"`
	UpdatedAt apiTime             `json:"updated_at"`
	DeletedAt apiTime             `json:"deleted_at"`
	Commands  []wireQueuedCommand `json:"Commands"`
}

type wireQueuedCommand struct {
	CloudRequestID string      `json:"cloud_request_id"`
	BaseCommand    string      `json:"base_command"`
	CommandString  string      `json:"command_string"`
	Status         QueueStatus `json:"status"`
	StatusText     string      `json:"status_text"`
	CreatedAt      apiTime     `json:"created_at"`
	UpdatedAt      apiTime     `json:"updated_at"`
	DeletedAt      apiTime     `json:"deleted_at"`
}

func (w wireQueuedSession) queuedSession() QueuedSession {
	q := QueuedSession{
		ID: w.ID, AID: w.AID, UserID: w.UserID, UserUUID: w.UserUUID, Status: w.Status,
		CreatedAt: time.Time(w.CreatedAt), UpdatedAt: time.Time(w.UpdatedAt),
		DeletedAt: time.Time(w.DeletedAt),
	}
	for _, c := range w.Commands {
		q.Commands = append(q.Commands, QueuedCommand{
			CloudRequestID: c.CloudRequestID, BaseCommand: c.BaseCommand,
			CommandString: c.CommandString, Status: c.Status, StatusText: c.StatusText,
			CreatedAt: time.Time(c.CreatedAt), UpdatedAt: time.Time(c.UpdatedAt),
			DeletedAt: time.Time(c.DeletedAt),
		})
	}
	return q
}

// QueuedSessions returns the command queues of the caller's sessions
// among sessionIDs, in chunks of Limits.SessionDetails ids per request.
// Sessions without a queue, other users' sessions and unknown ids are
// absent from the result.
func (c *Client) QueuedSessions(ctx context.Context, sessionIDs []string) ([]QueuedSession, error) {
	if err := sessionIDForm.checkAll("session ids", sessionIDs); err != nil {
		return nil, fmt.Errorf("queued sessions: %w", err)
	}
	wires, err := fetchEntities[wireQueuedSession](ctx, c, sessionIDs, c.limits.SessionDetails,
		idsInBody(pathQueuedSessions))
	if err != nil {
		return nil, fmt.Errorf("queued sessions: %w", err)
	}
	queues := make([]QueuedSession, 0, len(wires))
	for _, w := range wires {
		queues = append(queues, w.queuedSession())
	}
	return queues, nil
}

// CancelQueuedCommand cancels a command that still waits for its offline
// host. A command that is not waiting (it ran, expired or was canceled
// already) gets an *APIError with status 400. The request is repeated
// after a connection failure, so a cancel that took effect before the
// connection dropped also ends in that 400; QueuedSessions then shows the
// command as canceled.
func (c *Client) CancelQueuedCommand(ctx context.Context, sessionID, cloudRequestID string) error {
	if err := sessionIDForm.check("session id", sessionID); err != nil {
		return fmt.Errorf("cancel queued command: %w", err)
	}
	if err := requestIDForm.check("cloud request id", cloudRequestID); err != nil {
		return fmt.Errorf("cancel queued command: %w", err)
	}
	r := &request{
		method: http.MethodDelete, path: pathQueuedCommand,
		query: url.Values{"session_id": {sessionID}, "cloud_request_id": {cloudRequestID}},
		// The reference lists 204; gofalcon also accepts 200.
		ok: []int{http.StatusNoContent, http.StatusOK}, repeatable: true,
	}
	resp, err := c.send(ctx, r)
	if err != nil {
		return fmt.Errorf("cancel queued command %s of session %s: %w", cloudRequestID, sessionID, err)
	}
	drain(resp.Body)
	return nil
}

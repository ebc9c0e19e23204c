package executor

import (
	"context"
	"io"

	"github.com/rtrplay/rtrplay/rtr"
)

// API is the part of the Falcon API that a run uses. *rtr.Client
// implements it.
type API interface {
	QueryDevices(ctx context.Context, filter string) ([]string, error)
	GetDevices(ctx context.Context, ids []string) ([]rtr.Device, error)
	DeviceAction(ctx context.Context, action rtr.HostAction, ids []string) ([]string, error)
	BatchInit(ctx context.Context, req rtr.BatchInitRequest) (*rtr.BatchInitResult, error)
	BatchRefresh(ctx context.Context, batchID string, hostsToRemove []string) (map[string]rtr.HostResult, error)
	BatchCommand(ctx context.Context, tier rtr.Tier, req rtr.BatchCommandRequest) (map[string]rtr.HostResult, error)
	BatchGet(ctx context.Context, req rtr.BatchGetRequest) (string, map[string]rtr.HostResult, error)
	BatchGetStatus(ctx context.Context, reqID string) (map[string]rtr.File, error)
	CommandStatus(ctx context.Context, tier rtr.Tier, cloudRequestID string, sequenceID int) (rtr.CommandStatus, error)
	DownloadFile(ctx context.Context, sessionID, sha256, filename string, dst io.Writer) (int64, error)
	DeleteSession(ctx context.Context, sessionID string) error
	SessionLogs(ctx context.Context, sessionIDs []string) (map[string][]rtr.SessionLog, error)
	SessionFiles(ctx context.Context, sessionID string) ([]rtr.SessionFile, error)
}

var _ API = (*rtr.Client)(nil)

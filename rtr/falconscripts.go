package rtr

import (
	"context"
	"fmt"
	"time"
)

const (
	pathFalconScripts     = "/real-time-response/entities/falcon-scripts/v1"
	pathFalconScriptQuery = "/real-time-response/queries/falcon-scripts/v1"
)

// falconScriptSortFields are the fields that the Falcon script query sorts
// on.
var falconScriptSortFields = []string{"created_timestamp", "modified_timestamp", "name"}

// FalconScript is a script written by CrowdStrike that every tenant may run
// with the falconscript command (empowerapi.FalconScript).
type FalconScript struct {
	// ID is the script's id: 32 hex digits, an underscore, 32 hex digits.
	ID string
	// Name and Description identify the script.
	Name        string
	Description string
	// Platform is the platform the script runs on.
	Platform Platform
	// Categories and UseCase group the script in the console.
	Categories []string
	UseCase    string
	// AccessRoles are the RTR roles that may run the script.
	AccessRoles []string
	// IsDisruptive and ModifiesSystem warn that the script changes the
	// host.
	IsDisruptive   bool
	ModifiesSystem bool
	// Revision counts the script's versions.
	Revision int
	// Content, SHA256 and Size are the script's text, its hex SHA-256 and
	// its length, when Falcon sends them.
	Content string
	SHA256  string
	Size    int64
	// CreatedBy, CreatedAt, ModifiedBy and ModifiedAt are the script's
	// authorship and times.
	CreatedBy  string
	CreatedAt  time.Time
	ModifiedBy string
	ModifiedAt time.Time
	// WorkflowEnabled marks a script that Falcon workflows may run, with
	// WorkflowTags.
	WorkflowEnabled bool
	WorkflowTags    []string
}

type wireFalconScript struct {
	ID                string   `json:"id"`
	Name              string   `json:"name"`
	Description       string   `json:"description"`
	Platform          Platform `json:"platform"`
	Categories        []string `json:"categories"`
	UseCase           string   `json:"use_case"`
	AccessRoles       []string `json:"access_roles"`
	IsDisruptive      bool     `json:"is_disruptive"`
	ModifiesSystem    bool     `json:"modifies_system"`
	Revision          int      `json:"revision"`
	Content           string   `json:"content"`
	SHA256            string   `json:"sha256"`
	Size              int64    `json:"size"`
	CreatedBy         string   `json:"created_by"`
	CreatedTimestamp  apiTime  `json:"created_timestamp"`
	ModifiedBy        string   `json:"modified_by"`
	ModifiedTimestamp apiTime  `json:"modified_timestamp"`
	WorkflowEnabled   bool     `json:"workflow_enabled"`
	WorkflowTags      []string `json:"workflow_tags"`
}

func (w wireFalconScript) falconScript() FalconScript {
	return FalconScript{
		ID: w.ID, Name: w.Name, Description: w.Description, Platform: w.Platform,
		Categories: w.Categories, UseCase: w.UseCase, AccessRoles: w.AccessRoles,
		IsDisruptive: w.IsDisruptive, ModifiesSystem: w.ModifiesSystem, Revision: w.Revision,
		Content: w.Content, SHA256: w.SHA256, Size: w.Size,
		CreatedBy: w.CreatedBy, CreatedAt: time.Time(w.CreatedTimestamp),
		ModifiedBy: w.ModifiedBy, ModifiedAt: time.Time(w.ModifiedTimestamp),
		WorkflowEnabled: w.WorkflowEnabled, WorkflowTags: w.WorkflowTags,
	}
}

// QueryFalconScriptIDs returns one page of the ids of the Falcon scripts
// that match q.Filter, sorted on created_timestamp, modified_timestamp or
// name. q.Limit may be at most Limits.FalconScriptPage (the call takes at
// most 100); AllPages reads every page.
func (c *Client) QueryFalconScriptIDs(ctx context.Context, q ListQuery) ([]string, Page, error) {
	ids, page, err := c.queryLibraryIDs(ctx, pathFalconScriptQuery, q, c.limits.FalconScriptPage, falconScriptSortFields)
	if err != nil {
		return nil, Page{}, fmt.Errorf("query Falcon scripts with filter %q: %w", q.Filter, err)
	}
	return ids, page, nil
}

// GetFalconScripts returns the records of the Falcon scripts ids, in
// chunks of Limits.LibraryDetails. Unknown ids are absent from the
// result.
func (c *Client) GetFalconScripts(ctx context.Context, ids []string) ([]FalconScript, error) {
	if err := objectIDForm.checkAll("ids", ids); err != nil {
		return nil, fmt.Errorf("get Falcon scripts: %w", err)
	}
	wires, err := fetchEntities[wireFalconScript](ctx, c, ids, c.limits.LibraryDetails, idsInQuery(pathFalconScripts))
	if err != nil {
		return nil, fmt.Errorf("get Falcon scripts: %w", err)
	}
	scripts := make([]FalconScript, 0, len(wires))
	for _, w := range wires {
		scripts = append(scripts, w.falconScript())
	}
	return scripts, nil
}

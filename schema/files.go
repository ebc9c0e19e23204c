package schema

import _ "embed"

// RunReportSchema is the JSON Schema of run.json.
//
//go:embed run.schema.json
var RunReportSchema []byte

// ManifestSchema is the JSON Schema of manifest.json.
//
//go:embed manifest.schema.json
var ManifestSchema []byte

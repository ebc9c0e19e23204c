package sim

// The session listings and queued-session records send deleted_at as null
// for a session that is open and for a queued command that is not
// canceled, as gofalcon expects when it lists open sessions with the
// filter deleted_at:NULL. The reference types deleted_at as a date-time
// string, so the conformance check needs these exceptions.
func init() {
	const reason = "deleted_at is null while the record is not deleted: gofalcon lists open " +
		"sessions with the filter deleted_at:NULL; the reference types it as a date-time string"
	nullableProperties = append(nullableProperties,
		nullableProperty{definition: "domain.Session", property: "deleted_at", reason: reason},
		nullableProperty{definition: "domain.QueuedSessionJob", property: "deleted_at", reason: reason},
		nullableProperty{definition: "domain.QueuedSessionCommand", property: "deleted_at", reason: reason},
	)
}

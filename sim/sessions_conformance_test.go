package sim

// The session records send deleted_at as null while a session is open, as
// gofalcon expects when it lists open sessions with the filter
// deleted_at:NULL. The reference types deleted_at as a date-time string,
// so the conformance check needs this exception.
func init() {
	nullableProperties = append(nullableProperties, nullableProperty{
		definition: "domain.Session", property: "deleted_at",
		operations: []string{"RTR-ListSessions", "RTRAuditSessions"},
		reason: "deleted_at is null while a session is open: gofalcon lists open sessions with the " +
			"filter deleted_at:NULL; the reference types it as a date-time string",
	})
}

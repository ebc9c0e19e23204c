// Package rtr is rtrplay's client for the CrowdStrike Falcon API: the one
// place where rtrplay talks to Falcon. It covers OAuth2 (client
// credentials, MSSP member CIDs, cloud selection and region discovery),
// the Hosts calls that resolve targets, report online state and contain
// hosts, and Real Time Response: batch and single-host sessions,
// commands, file retrieval and the 7-Zip archives that files come back
// in, offline queues, session listings, the audit and aggregates, and the
// admin library of put-files and scripts.
//
// Every call takes a context and shares one token and one rate-limit wait
// with the other calls of its Client. Results are typed. Per-host outcomes
// come back as HostResult values, because an HTTP 2xx does not mean that
// every host succeeded. HTTP failures are *APIError values. A failure
// after which a command may or may not have run wraps ErrOutcomeUnknown.
// Reads are retried on 5xx and dropped connections. A command is sent
// again only after Falcon rejected it (401, 429) or when it never left the
// machine.
//
// The package does not decide what to run: choosing hosts, batching,
// polling incomplete hosts and building command strings belong to the
// executor and playbook packages. It never prints. It logs through the
// slog.Logger in Config, and never logs tokens or secrets.
package rtr

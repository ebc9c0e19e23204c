// Package executor runs a compiled playbook against Falcon: it resolves
// targets to hosts, opens one batch RTR session per chunk of hosts, keeps
// the sessions alive, walks the step graph concurrently, polls what does not
// finish at once, retrieves files, contains hosts, and records every result
// in the run directory as it goes.
//
// The executor never prints. It reports progress as typed events to a Sink,
// and the command line renders them. It talks to Falcon only through the API
// interface, which package rtr implements.
package executor

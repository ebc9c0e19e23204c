// Package sim is an emulator of the CrowdStrike Falcon API for tests, demos
// and `rtrplay sim`. It serves the OAuth2 token endpoints, the Hosts API
// calls that resolve targets and contain hosts, and the Real Time Response
// (RTR) batch session, command and file endpoints, against a simulated fleet
// from package sim/fleet.
//
// The emulator follows the API reference, quirks included. Batch responses
// are keyed by agent id (AID) and carry per-host errors inside a 201. Batch
// commands nest their results under "combined". Files come back as 7z
// archives with the password "infected". Where the reference leaves a
// behaviour open, the emulator takes the reading that is hardest on a
// client, with a comment at that spot.
//
// It listens on loopback only, unless Options.AllowNonLoopback is set, and
// serves HTTPS with a certificate made at start, signed by a CA whose PEM
// file it writes to Options.StateDir.
// Options.HTTP switches to plain HTTP. Three read-only paths that need no
// token let tests look inside: /_sim/state (the fleet's state),
// /_sim/commands (every command a host received) and /_sim/requests (the
// request log).
//
// For tests of a client's failure handling, Options.Faults injects 429s,
// 5xx responses, dropped connections and latency, before or after the
// handler runs (see ParseFaults), and Options.TimeScale shortens every
// lifetime and delay. Options.ChildCIDs places hosts under member CIDs
// that tokens select with member_cid, and Options.Region sets the
// X-CS-Region header that autodiscovering clients follow.
//
// The emulator has its own wire types, written from the API reference. It
// imports nothing from the rtrplay client, so that a misreading of the API
// in the client cannot be mirrored here and pass unnoticed.
//
// Single-host sessions reset the working directory to the drive root
// before each command, as the live single-host API does, while a batch
// session keeps it. Commands sent with persist to an offline host wait in
// their session's queue and run at the first request after the host comes
// back. Sessions are listed by FQL filter, in the RTR audit and as
// aggregates.
//
// Each customer id (CID) has an RTR admin library of put-files and custom
// scripts, written through the put-files and scripts calls and read by the
// fleet, so that put, put-and-run and runscript -CloudFile act on hosts.
// The Falcon scripts are a small fixed catalogue of the emulator's own.
package sim

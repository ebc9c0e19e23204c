// Package fleet simulates the hosts behind the Falcon API emulator. Each
// host has an identity as the Hosts API reports it and a state: file
// system, processes, network connections, registry, environment and
// accounts. Real Time Response (RTR) commands read and change that state.
//
// Use it through the emulator server in package sim, or directly in tests
// that need RTR output of a realistic shape. It is not an HTTP server and has no
// notion of sessions, batches, queues or API envelopes: the
// server maps RTR sessions to Shell values, calls Host.Exec and Host.Get,
// and wraps the Result in Falcon's JSON. Online and reachability checks
// (errors 40407 and 40401) are the server's job too.
//
// # Fleets
//
// Named builds the built-in fleets ("demo", "clean", "outbreak",
// "degraded"), seven Windows, Linux and macOS hosts with new random agent
// ids and PIDs at every call. Load reads a JSON fleet file; testdata/lab.json
// shows the host fields. A host marked compromised carries the standard
// implant (see ImplantPath and the other Implant constants).
//
// Generate builds up to 100,000 hosts with a realistic mix of platforms,
// OS versions, roles and sensor states, the same for the same seed; Named
// builds them for "generated:N" and a fleet file's "generate" section adds
// them. A generated host keeps only its Hosts API record until its first
// command or get builds its base system from the seed; a snapshot of an
// unused host reads a throwaway build.
//
// HostFaults (a host's "faults" in a fleet file, or Host.SetFaults) make a
// host go offline mid-step and come back, answer slowly, stall uploads,
// chunk its output, or print output that is not UTF-8 or very large.
//
// # Commands
//
// Host.Exec tokenizes a command string as RTR does (double quotes, single
// quotes and ```triple backticks``` group text; backslashes are literal)
// and checks it against RTR's command table: an unknown base command, or
// one above the endpoint's tier, is error 40007; an unknown flag is 40014;
// too many positional arguments is 40012. The simulated commands are ls,
// cd, pwd, cat, ps, netstat, env, filehash, getsid, users, ipconfig,
// ifconfig, csrutil, history, clear, reg query/set/delete, kill, rm,
// mkdir, get, put, run, put-and-run and runscript. RTR commands without a
// model here (cp, mv, zip, memdump and others) answer with a stderr line
// that says so.
//
// put, put-and-run and runscript -CloudFile read the RTR admin library
// through the ContentStore that Fleet.SetContentStore installs; the
// emulator's server keeps that library. Without a store every put-file
// name is unknown (40408) and every cloud script too (40412).
//
// Output follows RTR's per-platform shapes: fixed-width 137-character
// tables for Windows ls, PowerShell-style tables for Windows ps and env,
// netstat -ano text with CRLF line ends, reg.exe layouts, and the native
// tools' text and coreutils error messages on Linux and macOS. Where RTR's
// real output was never published, the package follows one documented
// convention and marks the guess in a comment.
//
// runscript -Raw runs a small PowerShell subset on Windows and a small
// shell subset on Linux and macOS against the host's state; anything
// outside the subsets fails as an unknown command does on a real host.
// Scripts never sleep: Result.Duration reports the simulated run time.
//
// # State
//
// Fleet.Snapshot returns a deep copy of every host's state. Two snapshots
// are reflect.DeepEqual exactly when no command changed a host in between;
// a session's working directory is not host state.
package fleet

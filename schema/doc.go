// Package schema holds the data that rtrplay reads rather than computes: the
// catalog of RTR commands (tier, platforms, whether a command changes host
// state, syntax) and the JSON Schemas of the run report and the evidence
// manifest.
//
// The catalog decides which endpoint a step's command goes to and which
// steps the plan marks as destructive. It is data, not code, so that a
// change in Falcon's command tables is a one-line edit that tests pick up.
// The emulator does not use this package: it keeps its own command table,
// so that a mistake here cannot be mirrored there and pass unnoticed.
package schema

// Package playbook loads rtrplay runbooks written in HCL, checks them and
// compiles them into a graph of steps.
//
// Load gathers every problem of a playbook in one pass as hcl.Diagnostics,
// each with its source range, and keeps what it could decode. The compiled
// Playbook is static: it knows the steps, their targets, the tier and
// destructiveness of each command (from the catalog in package schema) and
// the edges between steps, taken from the references in their expressions
// and from depends_on. Values that depend on hosts or on earlier output are
// evaluated later, per host, through Step.EvalWhen and Step.EvalCommand with
// the results that the executor supplies.
//
// This package does no I/O beyond reading the playbook and the files that it
// names with file(), and it never talks to Falcon: resolving targets and
// running steps belong to package executor.
package playbook

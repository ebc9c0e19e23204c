package sim

import (
	"slices"
	"sync"
	"time"

	"github.com/rtrplay/rtrplay/sim/fleet"
)

// The single-host init answer carries "scripts": the help of every RTR
// command the host's platform offers (domain.ScriptHelp, with arguments as
// model.Argument). The descriptions are the emulator's own words.
// NOTE: the live list, its argument metadata (arg_type, command_level,
// data_type, ids) and which platform offers which command are
// unverified; clients should not depend on them.

// scriptHelp is domain.ScriptHelp.
type scriptHelp struct {
	Command      string         `json:"command"`
	Description  string         `json:"description"`
	Examples     string         `json:"examples"`
	Args         []argumentHelp `json:"args"`
	SubCommands  []scriptHelp   `json:"sub_commands"`
	Runnable     bool           `json:"runnable"`
	InternalOnly bool           `json:"internal_only"`
}

// argumentHelp is model.Argument.
type argumentHelp struct {
	ID            int64    `json:"id"`
	ScriptID      int64    `json:"script_id"`
	ArgName       string   `json:"arg_name"`
	ArgType       string   `json:"arg_type"`
	CommandLevel  string   `json:"command_level"`
	DataType      string   `json:"data_type"`
	DefaultValue  string   `json:"default_value"`
	Description   string   `json:"description"`
	Encoding      string   `json:"encoding"`
	Options       []string `json:"options"`
	Required      bool     `json:"required"`
	RequiresValue bool     `json:"requires_value"`
	Sequence      int64    `json:"sequence"`
	CreatedAt     string   `json:"created_at"`
	UpdatedAt     string   `json:"updated_at"`
}

// helpArg describes one argument: a positional one, or a -Flag when flag
// is set. A bare flag takes no value.
type helpArg struct {
	name, description    string
	flag, required, bare bool
}

// helpEntry is one command of the help table. platforms is nil for a
// command that every platform has.
type helpEntry struct {
	command, description, example string
	destructive                   bool
	platforms                     []fleet.Platform
	args                          []helpArg
	subs                          []helpEntry
}

var (
	onlyWindows = []fleet.Platform{fleet.Windows}
	onlyMac     = []fleet.Platform{fleet.Mac}
	onlyPOSIX   = []fleet.Platform{fleet.Linux, fleet.Mac}
)

func pathArg(description string) helpArg {
	return helpArg{name: "Path", description: description, required: true}
}

// helpTable lists the RTR commands, read-only first, then active
// responder, then admin.
var helpTable = []helpEntry{
	{command: "cat", description: "Print the contents of a file", example: `cat C:\Windows\System32\drivers\etc\hosts`,
		args: []helpArg{pathArg("File to print")}},
	{command: "cd", description: "Change the working directory of a batch session", example: `cd C:\Windows`,
		args: []helpArg{pathArg("Directory to change to")}},
	{command: "clear", description: "Clear the console output"},
	{command: "csrutil", description: "Show the System Integrity Protection status", platforms: onlyMac},
	{command: "env", description: "List the environment variables"},
	{command: "eventlog", description: "Read Windows event logs", platforms: onlyWindows, subs: []helpEntry{
		{command: "list", description: "List the event logs"},
		{command: "view", description: "Show recent events of a log", args: []helpArg{{name: "Name", description: "Log name", required: true}}},
		{command: "export", description: "Export a log to a file", args: []helpArg{{name: "Name", description: "Log name", required: true}}},
		{command: "backup", description: "Back up a log to a file", args: []helpArg{{name: "Name", description: "Log name", required: true}}},
	}},
	{command: "filehash", description: "Compute the MD5 and SHA256 of a file", example: `filehash C:\Windows\notepad.exe`,
		args: []helpArg{pathArg("File to hash")}},
	{command: "getsid", description: "List user security identifiers", platforms: onlyWindows},
	{command: "help", description: "Describe a command", args: []helpArg{{name: "Command", description: "Command to describe"}}},
	{command: "history", description: "List the commands of this session"},
	{command: "ipconfig", description: "Show the network configuration", platforms: onlyWindows},
	{command: "ifconfig", description: "Show the network interfaces", platforms: onlyPOSIX},
	{command: "ls", description: "List a directory", example: `ls C:\Windows`,
		args: []helpArg{{name: "Path", description: "Directory to list, the working directory by default"}}},
	{command: "mount", description: "List the mounted file systems"},
	{command: "netstat", description: "List network connections"},
	{command: "ps", description: "List running processes"},
	{command: "pwd", description: "Print the working directory"},
	{command: "reg", description: "Query and change the registry", platforms: onlyWindows, subs: []helpEntry{
		{command: "query", description: "Show a key or value", args: []helpArg{{name: "Subkey", description: "Key to show", required: true}, {name: "Value", description: "Value to show"}}},
		{command: "set", description: "Set a value", destructive: true, args: []helpArg{{name: "Subkey", description: "Key to change", required: true}, {name: "Value", description: "Value to set", required: true}}},
		{command: "delete", description: "Delete a key or value", destructive: true, args: []helpArg{{name: "Subkey", description: "Key to delete", required: true}, {name: "Value", description: "Value to delete"}}},
		{command: "load", description: "Load a hive", destructive: true, args: []helpArg{pathArg("Hive file"), {name: "Subkey", description: "Where to load it", required: true}}},
		{command: "unload", description: "Unload a hive", destructive: true, args: []helpArg{{name: "Subkey", description: "Hive to unload", required: true}}},
	}},
	{command: "users", description: "List the local users", platforms: onlyPOSIX},
	{command: "cp", description: "Copy a file or directory", destructive: true,
		args: []helpArg{{name: "Source", description: "What to copy", required: true}, {name: "Destination", description: "Where to copy it", required: true}}},
	{command: "encrypt", description: "Encrypt a file with AES-256", destructive: true, platforms: onlyWindows,
		args: []helpArg{pathArg("File to encrypt"), {name: "Key", description: "Base64 key; one is made when left out"}}},
	{command: "get", description: "Upload a file from the host to the cloud", example: `get C:\Windows\notepad.exe`,
		args: []helpArg{pathArg("File to upload")}},
	{command: "kill", description: "Stop a process", destructive: true, args: []helpArg{{name: "PID", description: "Process id", required: true}}},
	{command: "map", description: "Map a network share", destructive: true, platforms: onlyWindows,
		args: []helpArg{{name: "Drive", description: "Drive letter", required: true}, {name: "Share", description: "Share to map", required: true}}},
	{command: "memdump", description: "Dump the memory of a process", destructive: true, platforms: onlyWindows,
		args: []helpArg{{name: "PID", description: "Process id", required: true}, {name: "Filename", description: "Dump file", required: true}}},
	{command: "mkdir", description: "Create a directory", destructive: true, args: []helpArg{pathArg("Directory to create")}},
	{command: "mv", description: "Move or rename a file", destructive: true,
		args: []helpArg{{name: "Source", description: "What to move", required: true}, {name: "Destination", description: "Where to move it", required: true}}},
	{command: "restart", description: "Restart the host", destructive: true, args: []helpArg{{name: "Confirm", description: "Confirm the restart", flag: true, bare: true, required: true}}},
	{command: "rm", description: "Delete a file or directory", destructive: true, example: `rm C:\Temp\old.log`,
		args: []helpArg{pathArg("What to delete"), {name: "Force", description: "Delete directories and their contents", flag: true, bare: true}}},
	{command: "runscript", description: "Run a script from the cloud library, the host, or given inline", destructive: true,
		example: "runscript -CloudFile=\"Collector\" -CommandLine=\"\"",
		args: []helpArg{
			{name: "CloudFile", description: "Script from the cloud library", flag: true},
			{name: "CommandLine", description: "Arguments for the script", flag: true},
			{name: "HostPath", description: "Script on the host (admin)", flag: true},
			{name: "Raw", description: "Inline script text (admin)", flag: true},
			{name: "Timeout", description: "Seconds to wait for the script", flag: true},
		}},
	{command: "shutdown", description: "Shut the host down", destructive: true, args: []helpArg{{name: "Confirm", description: "Confirm the shutdown", flag: true, bare: true, required: true}}},
	{command: "tar", description: "Create a tar archive", destructive: true, platforms: onlyPOSIX,
		args: []helpArg{pathArg("What to archive")}},
	{command: "umount", description: "Unmount a file system", destructive: true, platforms: onlyPOSIX,
		args: []helpArg{pathArg("Mount point")}},
	{command: "unmap", description: "Remove a mapped network share", destructive: true, platforms: onlyWindows,
		args: []helpArg{{name: "Drive", description: "Drive letter", required: true}}},
	{command: "update", description: "Manage Windows updates", destructive: true, platforms: onlyWindows, subs: []helpEntry{
		{command: "history", description: "List installed updates"},
		{command: "install", description: "Install an update", destructive: true, args: []helpArg{{name: "KB", description: "Update to install", required: true}}},
		{command: "list", description: "List available updates"},
		{command: "query", description: "Show an update", args: []helpArg{{name: "KB", description: "Update to show", required: true}}},
	}},
	{command: "xmemdump", description: "Dump the whole system memory", destructive: true, platforms: onlyWindows,
		args: []helpArg{{name: "Filename", description: "Dump file", required: true}}},
	{command: "zip", description: "Create a zip archive", destructive: true,
		args: []helpArg{pathArg("What to archive"), {name: "Destination", description: "Archive to create", required: true}}},
	{command: "put", description: "Copy a file from the cloud library to the working directory", destructive: true,
		example: "put tool.exe", args: []helpArg{{name: "File", description: "Name of the put-file", required: true}}},
	{command: "put-and-run", description: "Copy a file from the cloud library and run it", destructive: true, platforms: onlyWindows,
		args: []helpArg{{name: "File", description: "Name of the put-file", required: true}, {name: "CommandLine", description: "Arguments for the program", flag: true}}},
	{command: "run", description: "Run a program on the host", destructive: true,
		args: []helpArg{pathArg("Program to run"), {name: "CommandLine", description: "Arguments for the program", flag: true}, {name: "Wait", description: "Wait for the program to end", flag: true, bare: true}}},
}

// helpStamp dates every help entry: the emulator's command table does not
// change while it runs.
var helpStamp = formatTime(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))

var (
	scriptsOnce       sync.Once
	scriptsByPlatform map[fleet.Platform][]scriptHelp
)

// scriptsFor returns the help of every command that platform p offers. The
// lists are built once and shared; callers must not change them.
func scriptsFor(p fleet.Platform) []scriptHelp {
	scriptsOnce.Do(func() {
		scriptsByPlatform = map[fleet.Platform][]scriptHelp{}
		for _, platform := range []fleet.Platform{fleet.Windows, fleet.Linux, fleet.Mac} {
			var nextID int64
			scriptsByPlatform[platform] = buildHelp(helpTable, platform, &nextID, 0)
		}
	})
	return scriptsByPlatform[p]
}

func buildHelp(entries []helpEntry, p fleet.Platform, nextID *int64, scriptID int64) []scriptHelp {
	out := []scriptHelp{}
	for i, e := range entries {
		if e.platforms != nil && !slices.Contains(e.platforms, p) {
			continue
		}
		id := scriptID*100 + int64(i) + 1
		h := scriptHelp{
			Command: e.command, Description: e.description, Examples: e.example,
			Args: []argumentHelp{}, Runnable: true,
			SubCommands: buildHelp(e.subs, p, nextID, id),
		}
		for seq, a := range e.args {
			*nextID++
			h.Args = append(h.Args, a.model(*nextID, id, int64(seq+1), e.destructive))
		}
		out = append(out, h)
	}
	return out
}

func (a helpArg) model(id, scriptID, seq int64, destructive bool) argumentHelp {
	argType, dataType, level := "arg", "string", "non-destructive"
	if a.flag {
		argType = "flag"
	}
	if destructive {
		level = "destructive"
	}
	return argumentHelp{
		ID: id, ScriptID: scriptID, ArgName: a.name, ArgType: argType, CommandLevel: level,
		DataType: dataType, Description: a.description, Options: []string{},
		Required: a.required, RequiresValue: !a.bare, Sequence: seq,
		CreatedAt: helpStamp, UpdatedAt: helpStamp,
	}
}

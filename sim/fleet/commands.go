package fleet

// commandSpec describes one RTR base command (or reg/eventlog/update
// sub-command): the least tier that may run it and the arguments it takes
// on each platform family. A nil argSpec means the command does not exist
// on that family.
type commandSpec struct {
	tier    Tier
	windows *argSpec
	posix   *argSpec // Linux and macOS
	// only, when set, narrows the command to these platforms.
	only map[Platform]bool
	subs map[string]*commandSpec
	run  func(*call) Result
}

func (s *commandSpec) existsOn(p Platform) bool {
	if s.only != nil && !s.only[p] {
		return false
	}
	if p == Windows {
		return s.windows != nil
	}
	return s.posix != nil
}

func on(ps ...Platform) map[Platform]bool {
	m := map[Platform]bool{}
	for _, p := range ps {
		m[p] = true
	}
	return m
}

func args(maxArgs int, flags ...string) *argSpec {
	return &argSpec{maxArgs: maxArgs, flags: flags}
}

func shortArgs(maxArgs int, letters string) *argSpec {
	a := &argSpec{maxArgs: maxArgs, shortFlags: letters}
	for _, r := range letters {
		a.flags = append(a.flags, string(r))
	}
	return a
}

// commands is RTR's command set by tier. Tiers follow the API reference's
// lists for the three execute endpoints; argument lists follow RTR's help
// data. Every command has a model, so run is never nil once init has run.
var commands = map[string]*commandSpec{
	// Read-only.
	"cat":      {tier: ReadOnly, windows: args(3, "ShowHex"), posix: shortArgs(1, "nt"), run: runCat},
	"cd":       {tier: ReadOnly, windows: args(1), posix: args(1), run: runCd},
	"clear":    {tier: ReadOnly, windows: args(0), posix: args(0), run: runClear},
	"env":      {tier: ReadOnly, windows: args(0), posix: args(0), run: runEnv},
	"filehash": {tier: ReadOnly, windows: args(1), posix: args(1), run: runFilehash},
	"getsid":   {tier: ReadOnly, windows: args(1), posix: args(1), only: on(Windows, Mac), run: runGetsid},
	"help":     {tier: ReadOnly, windows: args(2), posix: args(2)}, // run is runHelp, set by init
	"history":  {tier: ReadOnly, windows: args(0), posix: args(0), run: runHistory},
	"ipconfig": {tier: ReadOnly, windows: args(0), run: runIpconfig},
	"ifconfig": {tier: ReadOnly, posix: args(0), run: runIfconfig},
	"ls":       {tier: ReadOnly, windows: args(1), posix: shortArgs(1, "lLtR@"), run: runLs},
	"mount":    {tier: ReadOnly, windows: args(0), posix: args(2, "t", "o"), run: runMount},
	"netstat":  {tier: ReadOnly, windows: args(0), posix: shortArgs(0, "nr"), run: runNetstat},
	"ps":       {tier: ReadOnly, windows: args(0), posix: args(0), run: runPs},
	"pwd":      {tier: ReadOnly, windows: args(0), posix: args(0), run: runPwd},
	"users":    {tier: ReadOnly, posix: args(1), only: on(Linux, Mac), run: runUsers},
	"csrutil":  {tier: ReadOnly, posix: args(1), only: on(Mac), run: runCsrutil},
	"eventlog": {tier: ReadOnly, windows: args(0), subs: map[string]*commandSpec{
		"list":   {tier: ReadOnly, windows: args(0), run: runEventlogList},
		"view":   {tier: ReadOnly, windows: args(3), run: runEventlogView},
		"export": {tier: ReadOnly, windows: args(2), run: runEventlogExport},
		"backup": {tier: ReadOnly, windows: args(2), run: runEventlogBackup},
	}},
	"reg": {tier: ReadOnly, windows: args(0), subs: map[string]*commandSpec{
		"query":  {tier: ReadOnly, windows: args(2), run: runRegQuery},
		"set":    {tier: ActiveResponder, windows: args(2, "ValueType", "Value"), run: runRegSet},
		"delete": {tier: ActiveResponder, windows: args(2), run: runRegDelete},
		"load":   {tier: ActiveResponder, windows: args(2, "Troubleshooting"), run: runRegLoad},
		"unload": {tier: ActiveResponder, windows: args(1, "Troubleshooting"), run: runRegUnload},
	}},

	// Active responder.
	"cp":        {tier: ActiveResponder, windows: args(2), posix: args(2), run: runCp},
	"encrypt":   {tier: ActiveResponder, windows: args(2), posix: args(2), run: runEncrypt},
	"get":       {tier: ActiveResponder, windows: args(1), posix: args(1), run: runGet},
	"kill":      {tier: ActiveResponder, windows: args(1), posix: args(1), run: runKill},
	"map":       {tier: ActiveResponder, windows: args(4), run: runMap},
	"memdump":   {tier: ActiveResponder, windows: args(2), run: runMemdump},
	"mkdir":     {tier: ActiveResponder, windows: args(1), posix: shortArgs(1, "p"), run: runMkdir},
	"mv":        {tier: ActiveResponder, windows: args(2), posix: args(2), run: runMv},
	"restart":   {tier: ActiveResponder, windows: args(0, "Confirm"), posix: args(0, "Confirm"), run: runRestart},
	"rm":        {tier: ActiveResponder, windows: args(1, "Force"), posix: shortArgs(1, "rRdf"), run: runRm},
	"runscript": {tier: ActiveResponder, windows: scriptArgs, posix: scriptArgs, run: runRunscript},
	"shutdown":  {tier: ActiveResponder, windows: args(0, "Confirm"), posix: args(0, "Confirm"), run: runShutdown},
	"tar":       {tier: ActiveResponder, posix: args(1, "f", "c", "u", "a", "z", "j", "J"), only: on(Linux), run: runTar},
	"umount":    {tier: ActiveResponder, posix: args(1), run: runUmount},
	"unmap":     {tier: ActiveResponder, windows: args(1), run: runUnmap},
	"xmemdump":  {tier: ActiveResponder, windows: args(2), run: runXmemdump},
	"zip":       {tier: ActiveResponder, windows: args(2), posix: args(2), run: runZip},
	"update": {tier: ActiveResponder, windows: args(0), subs: map[string]*commandSpec{
		"list":    {tier: ActiveResponder, windows: args(0), run: runUpdateList},
		"history": {tier: ActiveResponder, windows: args(0), run: runUpdateHistory},
		"query":   {tier: ActiveResponder, windows: args(1), run: runUpdateQuery},
		"install": {tier: ActiveResponder, windows: args(1), run: runUpdateInstall},
	}},

	// Admin.
	"put":          {tier: Admin, windows: args(maxArgsUnchecked), posix: args(maxArgsUnchecked), run: runPut},
	"run":          {tier: Admin, windows: args(1, "CommandLine", "Wait"), posix: args(1, "CommandLine", "Wait"), run: runRun},
	"put-and-run":  {tier: Admin, windows: args(maxArgsUnchecked, "CommandLine"), posix: args(maxArgsUnchecked, "CommandLine"), run: runPutAndRun},
	"falconscript": {tier: Admin, windows: args(0, "Name", "JsonInput"), posix: args(0, "Name", "JsonInput"), run: runFalconscript},
	"cswindiag":    {tier: Admin, windows: args(0), run: runCswindiag},
}

// scriptArgs are runscript's flags. -Raw and -HostPath need the admin
// tier; RTR rejects them at the active-responder endpoint with 40014.
var scriptArgs = &argSpec{
	flags:      []string{"CloudFile", "CommandLine", "Timeout"},
	adminFlags: []string{"Raw", "HostPath"},
}

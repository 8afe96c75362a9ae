package harness

import "os"

// CoverDirEnv names the environment variable that asks for the plugin
// servers' coverage (make cover): harnesstest.BuildPlugins then builds
// them with -cover, and the harness runs them with GOCOVERDIR set to the
// directory it names, in both the query and the start command. Kong has
// no such variable: the harness deliberately adds it to the environment
// it otherwise clears as nginx does (Options.Env), so that code that only
// runs in a plugin server's process counts as covered.
const CoverDirEnv = "WARDEN_E2E_COVERDIR"

// coverEnv is GOCOVERDIR for a plugin server, when CoverDirEnv is set.
func coverEnv() []string {
	if dir := os.Getenv(CoverDirEnv); dir != "" {
		return []string{"GOCOVERDIR=" + dir}
	}
	return nil
}

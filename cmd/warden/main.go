// Command warden is Warden's offline tool:
//
//	warden check [-env] [-plugins DIR] [-enabled NAMES] kong.yml   validate a DB-less kong.yml as Kong and the plugins would
//	warden docs [-plugins DIR] OUTDIR                              write one Markdown page per plugin from its schema
//	warden bench [-o FILE]                                         run every benchmark; write the report (from the repository root)
//	warden version                                                 print the build's version
//	warden help [COMMAND]                                          explain the tool or one command
//
// check runs what a plugin instance goes through before serving, for every
// Warden plugin entity in the file: the harness's declarative loader
// (kong/harness.LoadConfig), the plugin's Kong schema (harness.ApplySchema:
// defaults and Kong's field errors), then the runtime's own steps
// (config.Load: decode, defaults, Validate; then the plugin's compile).
// Every error is printed with its path, and the exit status is 1 if there
// was any.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/warden-gw/warden/pkg/pluginkit"
)

const usage = `usage:
  warden check [-env] [-plugins DIR] [-enabled NAMES] kong.yml
  warden docs [-plugins DIR] OUTDIR
  warden bench [-o docs/benchmarks.md] [-benchtime 1s]
  warden version
  warden help [COMMAND]
`

const overview = `warden: Warden's offline tool for its five Kong plugins.

commands:
  check    validate a DB-less kong.yml (or decK file) as Kong and the plugins would:
           Kong's schema (defaults, field errors), each plugin's own checks and
           compile; exit 1 on any error
  docs     write one Markdown page per plugin from its schema
  bench    run every benchmark and write the report (from the repository root)
  version  print the version of this build and of the plugins it checks
  help     this text, or one command's flags: warden help check

`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main with its arguments and outputs, returning the exit status:
// 0 success, 1 errors found, 2 bad usage.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, overview+usage)
		return 2
	}
	commands := map[string]func([]string, io.Writer, io.Writer) int{
		"check": runCheck, "bench": runBench, "docs": runDocs,
	}
	switch cmd := args[0]; cmd {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			if c, ok := commands[args[1]]; ok {
				// The command's own usage, on stdout: asking is not an error.
				c([]string{"-h"}, stdout, stdout)
				return 0
			}
			fmt.Fprintf(stderr, "warden: unknown command %q\n%s", args[1], usage)
			return 2
		}
		fmt.Fprint(stdout, overview+usage)
		return 0
	case "version", "-version", "--version":
		fmt.Fprintln(stdout, versionLine())
		return 0
	default:
		c, ok := commands[cmd]
		if !ok {
			fmt.Fprintf(stderr, "warden: unknown command %q\n%s", cmd, usage)
			return 2
		}
		if wantsHelp(args[1:]) {
			c([]string{"-h"}, stdout, stdout)
			return 0
		}
		return c(args[1:], stdout, stderr)
	}
}

func wantsHelp(args []string) bool {
	return slices.ContainsFunc(args, func(a string) bool { return a == "-h" || a == "-help" || a == "--help" })
}

// versionLine names the plugins' version and this build's source revision.
func versionLine() string {
	line := "warden " + pluginkit.Version
	if bi, ok := debug.ReadBuildInfo(); ok {
		var rev, modified string
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					modified = "+modified"
				}
			}
		}
		if rev != "" {
			line += " (" + rev[:min(12, len(rev))] + modified + ")"
		}
		line += " " + bi.GoVersion
	}
	return line
}

// parseInterleaved parses flags that may come before or after the
// positional arguments (`warden check kong.yml -plugins bin`), which the
// flag package alone stops at.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// newFlagSet returns a flag set that reports to stderr without exiting.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("warden "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		for _, l := range strings.Split(usage, "\n") {
			if strings.Contains(l, "warden "+name) {
				fmt.Fprintln(stderr, "usage:"+strings.TrimPrefix(l, " "))
			}
		}
		fs.PrintDefaults()
	}
	return fs
}

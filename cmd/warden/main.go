// Command warden is Warden's offline tool:
//
//	warden check [-env] [-plugins DIR] kong.yml   validate a DB-less kong.yml as Kong and the plugins would
//	warden docs [-plugins DIR] OUTDIR             write one Markdown page per plugin from its schema
//	warden bench [-o FILE]                        run every benchmark; write the report (from the repository root)
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
	"strings"
)

const usage = `usage:
  warden check [-env] [-plugins DIR] kong.yml
  warden docs [-plugins DIR] OUTDIR
  warden bench [-o docs/benchmarks.md] [-benchtime 1s]
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main with its arguments and outputs, returning the exit status:
// 0 success, 1 errors found, 2 bad usage.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "check":
		return runCheck(args[1:], stdout, stderr)
	case "bench":
		return runBench(args[1:], stdout, stderr)
	case "docs":
		return runDocs(args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "warden: unknown command %q\n%s", args[0], usage)
	return 2
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

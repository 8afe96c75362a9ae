// Package coverflush makes a binary built with -cover write its coverage
// counters when it is stopped with SIGTERM, the way Kong and the harness
// stop plugin servers: the Go runtime writes them only when the program
// exits by itself (os.Exit or main returning), never when a signal ends
// it. harnesstest.BuildPlugins links it into the binaries it builds for
// make cover, and only then: a blank import it adds to their main
// packages with go build -overlay (and -toolexec, for go tool cover), so
// no plugin's source names it.
//
// runtime/coverage.WriteCountersDir needs -covermode=atomic.
//
// When GOCOVERDIR is set, the first SIGTERM or SIGINT writes the counters
// there, then is delivered again with the default action restored: the
// process still dies of that signal, as it would have without this
// package.
package coverflush

import (
	"os"
	"os/signal"
	"runtime/coverage"
	"syscall"
)

func init() {
	dir := os.Getenv("GOCOVERDIR")
	if dir == "" {
		return
	}
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		sig := <-ch
		_ = coverage.WriteCountersDir(dir) // best effort: the process is going anyway
		signal.Reset(sig)
		_ = syscall.Kill(os.Getpid(), sig.(syscall.Signal))
	}()
}

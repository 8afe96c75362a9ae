//go:build !leakbaseline

package main

import (
	"fmt"
	"io"
)

// interleavedReport says the comparison with the pre-#14 scanner was not
// built: it needs package baseline, which `warden bench` (make bench)
// extracts from git history and builds with -tags leakbaseline.
func interleavedReport(w io.Writer) error {
	_, err := fmt.Fprintln(w, "\n1 MiB clean JSON response phase vs before issue 14: not built (make bench extracts the old scanner and runs with -tags leakbaseline)")
	return err
}

package main

import (
	"fmt"
	"io"
)

func runDocs(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "warden docs: not yet")
	return 2
}

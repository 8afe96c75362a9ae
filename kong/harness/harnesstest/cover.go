package harnesstest

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// module is the module whose packages a -cover build counts.
const module = "github.com/warden-gw/warden"

// coverMode is the -covermode of make cover, both sides: go tool covdata
// merges counters of one mode only, and coverflush's
// runtime/coverage.WriteCountersDir needs atomic.
const coverMode = "atomic"

// coverFlushImport is the file an overlay adds to every main package of a
// -cover build: the import that writes a stopped server's counters.
const coverFlushImport = "package main\n\nimport _ \"" + module + "/kong/harness/harnesstest/coverflush\"\n"

// coverToolexec runs go's tools for a -cover build. go tool cover reads
// the files it instruments from disk, where an overlay's added file is
// not: it gets the added file's source ($WARDEN_COVERFLUSH_SRC) instead.
const coverToolexec = `#!/bin/sh
tool=$1
shift
case ${tool##*/} in
cover | cover.exe)
	for a; do
		shift
		case $a in
		*/zz_coverflush.go) set -- "$@" "$WARDEN_COVERFLUSH_SRC" ;;
		*) set -- "$@" "$a" ;;
		esac
	done
	;;
esac
exec "$tool" "$@"
`

// coverBuild returns the go build flags and environment of a -cover build
// of pkgs: counters for every package of the module, and each main
// package given, through -overlay and -toolexec, a blank import of
// coverflush so that a server stopped with SIGTERM still writes its
// counters. done removes the build's overlay.
func coverBuild(root string, pkgs []string) (args, env []string, done func(), err error) {
	cmd := exec.Command("go", append([]string{"list", "-f", `{{if eq .Name "main"}}{{.Dir}}{{end}}`}, pkgs...)...)
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return nil, nil, nil, fmt.Errorf("go list %s: %w", strings.Join(pkgs, " "), err)
	}
	// The added file and the script keep their paths from build to build,
	// which keeps go's build cache warm.
	keep := filepath.Join(os.TempDir(), "warden-coverflush")
	src, script := filepath.Join(keep, "zz_coverflush.go.src"), filepath.Join(keep, "toolexec.sh")
	if err := writeKept(src, coverFlushImport, 0o644); err != nil {
		return nil, nil, nil, err
	}
	if err := writeKept(script, coverToolexec, 0o755); err != nil {
		return nil, nil, nil, err
	}
	replace := map[string]string{}
	for _, d := range strings.Fields(string(out)) {
		replace[filepath.Join(d, "zz_coverflush.go")] = src
	}
	overlay, err := json.Marshal(map[string]any{"Replace": replace})
	if err != nil {
		return nil, nil, nil, err
	}
	tmp, err := os.MkdirTemp("", "harness-cover")
	if err != nil {
		return nil, nil, nil, err
	}
	done = func() { _ = os.RemoveAll(tmp) }
	overlayFile := filepath.Join(tmp, "overlay.json")
	if err := os.WriteFile(overlayFile, overlay, 0o644); err != nil {
		done()
		return nil, nil, nil, err
	}
	args = []string{"-cover", "-covermode=" + coverMode, "-coverpkg=" + module + "/...", "-overlay=" + overlayFile, "-toolexec=" + script}
	return args, []string{"WARDEN_COVERFLUSH_SRC=" + src}, done, nil
}

// writeKept writes a file that test processes share, whole or not at all
// (a temporary file renamed over it).
func writeKept(path, content string, mode os.FileMode) error {
	if b, err := os.ReadFile(path); err == nil && string(b) == content {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // nothing left to remove once renamed
	if _, err := f.WriteString(content); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(f.Name(), mode); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

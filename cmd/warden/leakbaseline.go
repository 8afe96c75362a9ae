package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// leakguardBaselineRev is the commit whose pkg/leakguard is the baseline
// of issue #14's "1 MiB clean response within 1.2× of today's scan time":
// the scanner as it was before the issue.
const leakguardBaselineRev = "fb7b3f4"

// extractLeakguardBaseline writes pkg/leakguard as it was at rev into dir
// as package baseline (its non-test Go files, renamed and nothing else),
// so bench/leakguard can time the old scanner and today's interleaved in
// one process. The copy comes from git history each run and is never
// committed (.gitignore), so the tree holds one scanner.
func extractLeakguardBaseline(rev, dir string) error {
	out, err := exec.Command("git", "ls-tree", "--full-tree", "--name-only", rev+":pkg/leakguard").Output()
	if err != nil {
		return fmt.Errorf("listing pkg/leakguard at %s: %w", rev, err)
	}
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, name := range strings.Fields(string(out)) {
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := exec.Command("git", "show", rev+":pkg/leakguard/"+name).Output()
		if err != nil {
			return fmt.Errorf("reading %s at %s: %w", name, rev, err)
		}
		s := strings.Replace(string(src), "\npackage leakguard\n", "\npackage baseline\n", 1)
		if strings.HasPrefix(s, "package leakguard\n") {
			s = "package baseline\n" + strings.TrimPrefix(s, "package leakguard\n")
		}
		s = "// Code extracted by warden bench from pkg/leakguard at " + rev + ". DO NOT EDIT.\n\n" + s
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			return err
		}
	}
	return nil
}

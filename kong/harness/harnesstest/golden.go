package harnesstest

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// LogBuffer collects gateway and plugin-server output for assertions. It
// is safe for concurrent writes.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// String returns everything written so far.
func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// Count counts the occurrences of s in the output so far.
func (l *LogBuffer) Count(s string) int { return strings.Count(l.String(), s) }

// LogOnFailure prints the collected output if the test fails.
func (l *LogBuffer) LogOnFailure(t testing.TB) {
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("gateway and plugin logs:\n%s", l.String())
		}
	})
}

// DumpGolden compares the -dump of binDir/plugin (with Kong's default
// prefix, so the socket path is stable) with the golden file, rewriting
// the file first when update is set.
func DumpGolden(t testing.TB, binDir, plugin, golden string, update bool) {
	t.Helper()
	out, err := exec.Command(filepath.Join(binDir, plugin), "-dump", "-kong-prefix", "/usr/local/kong").Output()
	if err != nil {
		t.Fatalf("%s -dump: %v", plugin, err)
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, out, "", "  "); err != nil {
		t.Fatalf("%s -dump is not JSON: %v\n%s", plugin, err, out)
	}
	if update {
		if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, pretty.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run the test with -update to create it)", err)
	}
	if !bytes.Equal(want, pretty.Bytes()) {
		t.Errorf("%s -dump differs from %s (run the test with -update):\n%s", plugin, golden, pretty.String())
	}
}

// Await waits up to five seconds for s to appear in the output: plugin
// servers write their audit lines to stderr, which reaches the buffer
// through a pipe, after the client may already have its answer.
func (l *LogBuffer) Await(s string) bool { return l.AwaitCount(s, 1) }

// AwaitCount waits up to five seconds for n occurrences of s.
func (l *LogBuffer) AwaitCount(s string, n int) bool {
	deadline := time.Now().Add(5 * time.Second)
	for l.Count(s) < n {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}

package audit_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/warden-gw/warden/pkg/audit"
)

func TestSinkWritesJSONLines(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	s := audit.NewSink(&buf)
	path := filepath.Join(t.TempDir(), "audit.log")
	if err := s.OpenFile(path); err != nil {
		t.Fatal(err)
	}
	s.Write(audit.Event{Plugin: "warden-auth", Decision: audit.Deny, Reason: "token_expired", Status: 401, Subject: "alice"})
	s.Write(audit.Event{Plugin: "warden-auth", Decision: audit.Allow, Reason: "ok", Details: map[string]any{"bad": func() {}}})
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d lines, want 2: %q", len(lines), buf.String())
	}
	var first map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]any{"type": "warden.audit", "plugin": "warden-auth", "decision": "deny", "reason": "token_expired", "status": 401.0, "subject": "alice"} {
		if first[k] != want {
			t.Errorf("%s = %v, want %v", k, first[k], want)
		}
	}
	if _, ok := first["time"]; !ok {
		t.Error("time missing")
	}
	var second map[string]any
	if err := json.Unmarshal([]byte(lines[1]), &second); err != nil {
		t.Fatalf("an unencodable detail must not lose the event: %v", err)
	}
	if second["decision"] != "allow" {
		t.Errorf("second event: %v", second)
	}
	file, _ := os.ReadFile(path)
	if string(file) != buf.String() {
		t.Errorf("file and stderr differ:\n%s\n%s", file, buf.String())
	}
}

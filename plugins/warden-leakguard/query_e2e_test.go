package main

import (
	"bytes"
	"testing"
)

// TestE2EQueryDecodedAsNginx: one invalid escape next to the key must not
// hide it. nginx decodes the valid escapes of a query value and keeps the
// invalid ones, so the upstream reads the key in clear; so must the scan.
func TestE2EQueryDecodedAsNginx(t *testing.T) {
	s := newSecrets()
	g, up, _ := startGateway(t, s)
	// AKIA%51... spells AKIAQ...: the key with its fifth letter escaped.
	key := "AKIAQ" + s.aws[5:]
	escaped := "AKIA%51" + s.aws[5:]
	for _, tt := range []struct{ name, target string }{
		{"valid escapes", "/redact/search?note=" + escaped},
		{"an invalid escape after the key", "/redact/search?note=" + escaped + "%zz"},
		{"an invalid escape before the key", "/redact/search?note=%zz+" + escaped},
		{"a truncated escape at the end", "/redact/search?note=" + escaped + "%4"},
	} {
		before := up.count()
		r := do(t, g, "GET", tt.target, "")
		if r.status != 400 || bytes.Contains(r.body, []byte(key)) {
			t.Errorf("%s: status %d, body %s", tt.name, r.status, r.body)
		}
		if up.count() != before {
			t.Errorf("%s: reached the upstream", tt.name)
		}
	}
}

package main

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/warden-gw/warden/kong/harness"
)

// TestE2EFindingsMetric drives the real binary and scrapes its metrics
// endpoint: findings counted by rule, direction and action, no value.
func TestE2EFindingsMetric(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	// Kong's workers pass a plugin server only the variables named by
	// nginx env directives (KONG_NGINX_MAIN_ENV): without one the
	// variable is set here but never reaches the binary.
	env := strings.ToUpper(strings.ReplaceAll(runner, "-", "_")) + "_METRICS_ADDR" // WARDEN_LEAKGUARD_METRICS_ADDR, or warden-suite's
	t.Setenv(env, addr)
	s := newSecrets()
	g, _, _ := startGateway(t, s)
	if r := do(t, g, "GET", "/redact/leak/json", ""); r.status != 200 {
		t.Fatalf("redact: status %d", r.status)
	}
	if resp, err := http.Get("http://" + addr + "/metrics"); err == nil {
		resp.Body.Close()
		t.Fatal("metrics served from an environment variable the worker does not pass on")
	}
	g.Close()
	g, _, _ = startGateway(t, s, func(o *harness.Options) { o.Env = []string{env} })

	if r := do(t, g, "GET", "/redact/leak/json", ""); r.status != 200 {
		t.Fatalf("redact: status %d", r.status)
	}
	if r := do(t, g, "GET", "/redact/orders/1?debug="+s.github, ""); r.status != 400 {
		t.Fatalf("query: status %d", r.status)
	}
	if r := do(t, g, "GET", "/logonly/leak/text", ""); r.status != 200 {
		t.Fatalf("log_only: status %d", r.status)
	}

	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	m := string(b)
	for _, want := range []string{
		`warden_leakguard_findings_total{action="redact",direction="response",plugin="warden-leakguard",rule="github-pat"} 1`,
		`warden_leakguard_findings_total{action="redact",direction="response",plugin="warden-leakguard",rule="aws-access-key-id"} 1`,
		`warden_leakguard_findings_total{action="redact",direction="response",plugin="warden-leakguard",rule="database-url-password"} 1`,
		`warden_leakguard_findings_total{action="block",direction="request",plugin="warden-leakguard",rule="github-pat"} 1`,
		`warden_leakguard_findings_total{action="log_only",direction="response",plugin="warden-leakguard",rule="slack-webhook-url"} 1`,
	} {
		if !strings.Contains(m, want+"\n") {
			t.Errorf("metrics lack %s", want)
		}
	}
	for _, secret := range s.all() {
		if strings.Contains(m, secret) {
			t.Error("a planted secret is in the metrics")
		}
	}
	if t.Failed() {
		for line := range strings.Lines(m) {
			if strings.HasPrefix(line, "warden_leakguard_") {
				t.Log(strings.TrimSpace(line))
			}
		}
	}
}

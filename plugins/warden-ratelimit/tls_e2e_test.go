package main

import (
	"crypto/x509"
	"strings"
	"testing"

	"github.com/warden-gw/warden/kong/harness"
	"github.com/warden-gw/warden/kong/harness/harnesstest"
	"github.com/warden-gw/warden/pkg/ratelimit/redistest"
)

// TestE2ERedisTLS runs the real binary against a TLS-only Redis with
// client certificate auth, the PEMs handed over as vault references: the
// route whose config trusts the right CA decides on Redis; the one that
// trusts another CA fails its handshake, refuses (on_redis_error deny)
// and audits the failure as tls.
func TestE2ERedisTLS(t *testing.T) {
	const serverName = "redis.warden.test"
	ca := redistest.NewCA(t, "warden e2e CA")
	addr := redistest.StartTLS(t, ca, serverName)
	cert, key := ca.Issue(t, "warden e2e", x509.ExtKeyUsageClientAuth)
	secrets := map[string]string{
		"RL_CA": ca.PEM, "RL_OTHER_CA": redistest.NewCA(t, "warden e2e CA").PEM, "RL_CERT": cert, "RL_KEY": key,
	}
	dir := harnesstest.BuildPlugins(t, "./plugins/warden-ratelimit")
	up := harnesstest.NewEchoUpstream(t)
	logs := &harnesstest.LogBuffer{}
	logs.LogOnFailure(t)
	route := func(name, caRef string) string {
		return `
      - name: ` + name + `
        paths: ["/` + name + `"]
        plugins:
          - name: warden-ratelimit
            config:
              algorithm: gcra
              limit_by: [ip]
              on_redis_error: deny
              limits: [{window: hour, limit: 1}]
              redis:
                addresses: ["` + addr + `"]
                timeout_ms: 2000
                ssl: true
                server_name: ` + serverName + `
                ca_cert: "{vault://env/` + caRef + `}"
                client_cert: "{vault://env/RL_CERT}"
                client_key: "{vault://env/RL_KEY}"`
	}
	yml := `
_format_version: "3.0"
services:
  - name: svc
    url: ` + up.URL + `
    routes:` + route("trusted", "rl-ca") + route("untrusted", "rl-other-ca") + "\n"
	g := harnesstest.StartGateway(t, harness.Options{
		Config: []byte(yml), PluginDir: dir, Log: logs,
		LookupEnv: func(name string) (string, bool) { v, ok := secrets[name]; return v, ok },
	})

	if r := get(t, g, "/trusted"); r.status != 200 {
		t.Fatalf("first request over TLS: %d %s", r.status, r.body)
	}
	r := get(t, g, "/trusted")
	if r.status != 429 || r.header.Get("Retry-After") == "" {
		t.Fatalf("second request over TLS: %d %s, want 429 with Retry-After", r.status, r.body)
	}
	if r := get(t, g, "/untrusted"); r.status != 429 {
		t.Fatalf("request through the untrusting instance: %d %s, want 429 (deny on Redis error)", r.status, r.body)
	}
	if up.Count() != 1 {
		t.Errorf("upstream saw %d requests, want 1", up.Count())
	}
	g.WaitLogs()
	// The plugin's stderr reaches the log buffer through a pipe: give the
	// last line a moment.
	if !logs.Await(`"reason":"rate_limited"`) {
		t.Errorf("refusal by Redis over TLS not audited")
	}
	if !logs.Await(`"redis_error":"tls"`) {
		t.Errorf("handshake failure not audited as tls")
	}
	out := logs.String()
	for _, s := range []string{key[40:80], "PRIVATE KEY"} {
		if strings.Contains(out, s) {
			t.Errorf("logs quote the client key")
		}
	}
}

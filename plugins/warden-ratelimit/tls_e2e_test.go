package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/warden-gw/warden/kong/harness"
	"github.com/warden-gw/warden/kong/harness/harnesstest"
)

// pemCA is a throwaway certificate authority.
type pemCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	PEM  string
}

func newPEMCA(t *testing.T) *pemCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "warden e2e CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &pemCA{cert: cert, key: key, PEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))}
}

func (ca *pemCA) issue(t *testing.T, usage x509.ExtKeyUsage, dns ...string) (string, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: "warden e2e"}, DNSNames: dns,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalPKCS8PrivateKey(key)
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}))
}

// startTLSRedis runs a TLS-only redis-server requiring client
// certificates from ca, its certificate naming only serverName.
func startTLSRedis(t *testing.T, ca *pemCA, serverName string) string {
	t.Helper()
	path, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server not installed")
	}
	dir := t.TempDir()
	cert, key := ca.issue(t, x509.ExtKeyUsageServerAuth, serverName)
	for name, content := range map[string]string{"ca.crt": ca.PEM, "redis.crt": cert, "redis.key": key} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	addr := freeAddr(t)
	_, port, _ := net.SplitHostPort(addr)
	var out bytes.Buffer
	cmd := exec.Command(path, "--port", "0", "--tls-port", port, "--bind", "127.0.0.1",
		"--tls-cert-file", filepath.Join(dir, "redis.crt"), "--tls-key-file", filepath.Join(dir, "redis.key"),
		"--tls-ca-cert-file", filepath.Join(dir, "ca.crt"), "--tls-auth-clients", "yes",
		"--save", "", "--appendonly", "no", "--dir", dir)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-exited })
	for i := 0; ; i++ {
		select {
		case <-exited:
			if strings.Contains(strings.ToLower(out.String()), "tls") {
				t.Skipf("this redis-server was built without TLS support: %s", strings.TrimSpace(out.String()))
			}
			t.Fatalf("TLS redis-server exited: %s", out.String())
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond); err == nil {
			c.Close()
			return addr
		}
		if i == 200 {
			t.Fatalf("TLS redis-server did not start: %s", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestE2ERedisTLS runs the real binary against a TLS-only Redis with
// client certificate auth, the PEMs handed over as vault references: the
// route whose config trusts the right CA decides on Redis; the one that
// trusts another CA fails its handshake, refuses (on_redis_error deny)
// and audits the failure as tls.
func TestE2ERedisTLS(t *testing.T) {
	const serverName = "redis.warden.test"
	ca := newPEMCA(t)
	addr := startTLSRedis(t, ca, serverName)
	cert, key := ca.issue(t, x509.ExtKeyUsageClientAuth)
	secrets := map[string]string{
		"RL_CA": ca.PEM, "RL_OTHER_CA": newPEMCA(t).PEM, "RL_CERT": cert, "RL_KEY": key,
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
	if !waitLog(logs, `"reason":"rate_limited"`) {
		t.Errorf("refusal by Redis over TLS not audited")
	}
	if !waitLog(logs, `"redis_error":"tls"`) {
		t.Errorf("handshake failure not audited as tls")
	}
	out := logs.String()
	for _, s := range []string{key[40:80], "PRIVATE KEY"} {
		if strings.Contains(out, s) {
			t.Errorf("logs quote the client key")
		}
	}
}

// waitLog reports whether s shows up in the logs within two seconds.
func waitLog(logs *harnesstest.LogBuffer, s string) bool {
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if strings.Contains(logs.String(), s) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

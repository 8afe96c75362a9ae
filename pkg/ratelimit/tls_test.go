package ratelimit

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// testCA is a certificate authority a test generates.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	PEM  string
}

func newTestCA(t *testing.T, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &testCA{cert: cert, key: key, PEM: pemBlock("CERTIFICATE", der)}
}

// issue returns a PEM certificate and key signed by the CA, for a server
// (with DNS names) or a client.
func (ca *testCA) issue(t *testing.T, cn string, usage x509.ExtKeyUsage, dnsNames ...string) (certPEM, keyPEM string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: cn},
		DNSNames:     dnsNames,
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{usage},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pemBlock("CERTIFICATE", der), pemBlock("PRIVATE KEY", kder)
}

func pemBlock(typ string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}

// tlsServerName is the only name in the TLS Redis's certificate: not
// 127.0.0.1, so a client must be told the name to verify it.
const tlsServerName = "redis.warden.test"

// startTLSRedis runs a redis-server that speaks only TLS on a free port,
// with a certificate for tlsServerName from ca, requiring clients to
// present a certificate from ca. It skips the test if this redis-server
// was built without TLS.
func startTLSRedis(t *testing.T, ca *testCA) string {
	t.Helper()
	path, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server not installed")
	}
	dir := t.TempDir()
	cert, key := ca.issue(t, tlsServerName, x509.ExtKeyUsageServerAuth, tlsServerName)
	files := map[string]string{"ca.crt": ca.PEM, "redis.crt": cert, "redis.key": key}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	port := freePort(t)
	var out bytes.Buffer
	cmd := exec.Command(path, "--port", "0", "--tls-port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--tls-cert-file", filepath.Join(dir, "redis.crt"), "--tls-key-file", filepath.Join(dir, "redis.key"),
		"--tls-ca-cert-file", filepath.Join(dir, "ca.crt"), "--tls-auth-clients", "yes",
		"--save", "", "--appendonly", "no", "--dir", dir)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	addr := "127.0.0.1:" + strconv.Itoa(port)
	for i := 0; ; i++ {
		select {
		case <-exited:
			// A build without TLS refuses the tls-* directives.
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
			t.Fatalf("TLS redis-server on %s did not start: %s", addr, out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestRedisTLS decides through a real TLS-only Redis that requires
// client certificates: it works with the right CA, client certificate and
// server name, and fails with each of them wrong or missing.
func TestRedisTLS(t *testing.T) {
	ca := newTestCA(t, "warden test CA")
	addr := startTLSRedis(t, ca)
	clientCert, clientKey := ca.issue(t, "warden-ratelimit", x509.ExtKeyUsageClientAuth)
	otherCA := newTestCA(t, "some other CA")
	otherCert, otherKey := otherCA.issue(t, "stranger", x509.ExtKeyUsageClientAuth)

	good := func() RedisConfig {
		var r RedisConfig
		r.SetDefaults()
		r.Addresses = []string{addr}
		r.TimeoutMS = 2000
		r.SSL = true
		r.ServerName = tlsServerName
		r.CACert = ca.PEM
		r.ClientCert, r.ClientKey = clientCert, clientKey
		return r
	}
	for _, tt := range []struct {
		name   string
		change func(r *RedisConfig)
		// check says whether err is the expected failure; nil means the
		// connection must work.
		check func(err error) bool
	}{
		{name: "ca, client certificate and server name"},
		{
			name:   "wrong ca",
			change: func(r *RedisConfig) { r.CACert = otherCA.PEM },
			check: func(err error) bool {
				var ua x509.UnknownAuthorityError
				return errors.As(err, &ua)
			},
		},
		{
			name:   "wrong server name",
			change: func(r *RedisConfig) { r.ServerName = "other.warden.test" },
			check: func(err error) bool {
				var he x509.HostnameError
				return errors.As(err, &he)
			},
		},
		{
			name:   "no server name: 127.0.0.1 is not in the certificate",
			change: func(r *RedisConfig) { r.ServerName = "" },
			check: func(err error) bool {
				var he x509.HostnameError
				return errors.As(err, &he)
			},
		},
		{
			name:   "no client certificate",
			change: func(r *RedisConfig) { r.ClientCert, r.ClientKey = "", "" },
			check:  serverRefused("tls: certificate required"),
		},
		{
			name:   "client certificate from another ca",
			change: func(r *RedisConfig) { r.ClientCert, r.ClientKey = otherCert, otherKey },
			check:  serverRefused("tls: unknown certificate authority"),
		},
		{
			// The loudly documented switch: no verification at all.
			name: "ssl_verify false accepts the unknown ca",
			change: func(r *RedisConfig) {
				r.CACert, r.ServerName, r.SSLVerify = otherCA.PEM, "", false
			},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := good()
			if tt.change != nil {
				tt.change(&r)
			}
			c, err := NewClient(r)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			res, err := NewRedis(c, "warden-tls-test:"+t.Name()+":", FixedWindow).
				Decide(context.Background(), "u", []Limit{PerMinute(2)}, 1, false)
			switch {
			case tt.check == nil && err != nil:
				t.Fatalf("decision over TLS failed: %v", err)
			case tt.check == nil && !res.Allowed:
				t.Fatalf("first request refused: %+v", res)
			case tt.check != nil && err == nil:
				t.Fatal("decision succeeded, want a TLS failure")
			case tt.check != nil && !tt.check(err):
				t.Fatalf("failed with %v (%T), not the expected TLS failure", err, err)
			}
			if err != nil {
				t.Logf("error: %v", err)
				closed := errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF)
				if c := ErrorClass(err); c != "tls" && !closed {
					t.Errorf("error class %q, want tls", c)
				}
				for _, secret := range []string{clientKey, otherKey} {
					if strings.Contains(err.Error(), strings.TrimSpace(secret)[40:80]) {
						t.Error("error quotes key material")
					}
				}
			}
		})
	}
}

// serverRefused returns a check for a handshake the server ended with
// an alert (its text, as crypto/tls names it) because of the client's
// certificate. With TLS 1.3 the client learns it on its first read, as a
// *net.OpError "remote error"; should the server close before the alert
// is read, the client sees the connection end instead.
func serverRefused(alert string) func(error) bool {
	return func(err error) bool {
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "remote error" {
			return op.Err.Error() == alert
		}
		return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF)
	}
}

// TestRedisTLSPolicy compiles a whole policy against the TLS Redis, as
// the plugin does: decisions come from Redis, not a fallback.
func TestRedisTLSPolicy(t *testing.T) {
	ca := newTestCA(t, "warden test CA")
	addr := startTLSRedis(t, ca)
	cert, key := ca.issue(t, "warden-ratelimit", x509.ExtKeyUsageClientAuth)
	cfg := &Config{}
	cfg.SetDefaults()
	cfg.Redis.SetDefaults()
	cfg.Limits = []LimitConfig{{Window: "minute", Limit: 2}}
	cfg.LimitBy = []string{IdentifierIP}
	cfg.OnRedisError = string(OnErrorDeny)
	cfg.Redis.Addresses = []string{addr}
	cfg.Redis.TimeoutMS = 2000
	cfg.Redis.SSL = true
	cfg.Redis.ServerName = tlsServerName
	cfg.Redis.CACert = ca.PEM
	cfg.Redis.ClientCert, cfg.Redis.ClientKey = cert, key
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	c, err := NewClient(cfg.Redis)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	p, err := CompileWith(cfg, CompileOptions{Backend: &Backend{Client: c, Breaker: NewBreaker(3, time.Second, nil)}})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []bool{true, true, false} {
		v := p.Decide(context.Background(), Request{IP: "192.0.2.7"})
		if v.Source != SourceRedis || v.Refuse == want {
			t.Fatalf("request %d: source %s refuse %v err %v, want from redis, refuse %v", i, v.Source, v.Refuse, v.Err, !want)
		}
	}
}

package ratelimit

import (
	"context"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/warden-gw/warden/pkg/ratelimit/redistest"
)

// tlsServerName is the only name in the TLS Redis's certificate: not
// 127.0.0.1, so a client must be told the name to verify it.
const tlsServerName = "redis.warden.test"

// TestRedisTLS decides through a real TLS-only Redis that requires
// client certificates: it works with the right CA, client certificate and
// server name, and fails with each of them wrong or missing.
func TestRedisTLS(t *testing.T) {
	ca := redistest.NewCA(t, "warden test CA")
	addr := redistest.StartTLS(t, ca, tlsServerName)
	clientCert, clientKey := ca.Issue(t, "warden-ratelimit", x509.ExtKeyUsageClientAuth)
	otherCA := redistest.NewCA(t, "some other CA")
	otherCert, otherKey := otherCA.Issue(t, "stranger", x509.ExtKeyUsageClientAuth)

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
	ca := redistest.NewCA(t, "warden test CA")
	addr := redistest.StartTLS(t, ca, tlsServerName)
	cert, key := ca.Issue(t, "warden-ratelimit", x509.ExtKeyUsageClientAuth)
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

package ratelimit

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/warden-gw/warden/pkg/pool"
)

// Backend is a Redis client and the circuit breaker guarding it, shared
// by every instance with the same Redis settings: one dead server opens
// one breaker for all of them.
type Backend struct {
	Client  redis.UniversalClient
	Breaker *Breaker
	// Nodes counts the gateway nodes using this Redis and key prefix
	// (heartbeats); nil learns nothing.
	Nodes *Nodes
}

var backends = pool.New[*Backend]()

// SharedBackend returns the process-wide backend for r, creating it the
// first time. It does not connect: go-redis dials on first use, and the
// node heartbeat (one small script call every two seconds, off the
// request path) starts when a local fallback first asks for the count. The
// breaker reports its state changes to onChange (may be nil) of the call
// that created it: pass a process-wide function such as a metric.
func SharedBackend(r RedisConfig, onChange func(from, to BreakerState)) (*Backend, error) {
	return backends.Get(r, func() (*Backend, error) {
		c, err := NewClient(r)
		if err != nil {
			return nil, err
		}
		b := NewBreaker(r.BreakerFailures, time.Duration(r.BreakerCooldownMS)*time.Millisecond, nil)
		b.SetWindow(time.Duration(r.BreakerWindowMS) * time.Millisecond)
		b.OnChange(onChange)
		n := newNodes(c, r.KeyPrefix+nodesKey, time.Duration(r.TimeoutMS)*time.Millisecond)
		return &Backend{Client: c, Breaker: b, Nodes: n}, nil
	})
}

// NewClient builds a go-redis client for r: a plain client, a Sentinel
// failover client or a Cluster client. Retries are off and every timeout
// is the operation timeout, so a decision never waits longer than that.
func NewClient(r RedisConfig) (redis.UniversalClient, error) {
	timeout := time.Duration(r.TimeoutMS) * time.Millisecond
	o := &redis.UniversalOptions{
		Addrs:                 r.Addresses,
		Username:              r.Username,
		Password:              r.Password,
		DB:                    r.Database,
		MasterName:            r.SentinelMaster,
		SentinelUsername:      r.SentinelUsername,
		SentinelPassword:      r.SentinelPassword,
		PoolSize:              r.PoolSize,
		MinIdleConns:          min(2, r.PoolSize),
		DialTimeout:           timeout,
		ReadTimeout:           timeout,
		WriteTimeout:          timeout,
		PoolTimeout:           timeout,
		ContextTimeoutEnabled: true,
		MaxRetries:            -1,
		// One dial attempt: go-redis would retry a refused dial five
		// times with 100 ms pauses, holding the request.
		DialerRetries:      1,
		DialerRetryTimeout: time.Millisecond,
		MaxRedirects:       3,
		DisableIdentity:    true,
	}
	if r.SSL {
		t, err := tlsConfig(r)
		if err != nil {
			return nil, err
		}
		o.TLSConfig = t
	}
	switch r.Mode {
	case RedisCluster:
		return redis.NewClusterClient(o.Cluster()), nil
	case RedisSentinel:
		return redis.NewFailoverClient(o.Failover()), nil
	}
	return redis.NewClient(o.Simple()), nil
}

// ErrTLS reports unusable TLS material; it never quotes the material.
var ErrTLS = errors.New("redis tls settings")

func tlsConfig(r RedisConfig) (*tls.Config, error) {
	t := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		ServerName:         r.ServerName,
		InsecureSkipVerify: !r.SSLVerify, //nolint:gosec // documented ssl_verify=false
	}
	if r.CACert != "" {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM([]byte(r.CACert)) {
			return nil, fmt.Errorf("%w: ca_cert holds no PEM certificate", ErrTLS)
		}
		t.RootCAs = pool
	}
	if r.ClientCert != "" {
		cert, err := tls.X509KeyPair([]byte(r.ClientCert), []byte(r.ClientKey))
		if err != nil {
			return nil, fmt.Errorf("%w: client_cert and client_key do not form a key pair", ErrTLS)
		}
		t.Certificates = []tls.Certificate{cert}
	}
	return t, nil
}

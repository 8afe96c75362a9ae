package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/warden-gw/warden/kong/harness"
	"github.com/warden-gw/warden/kong/harness/harnesstest"
)

// redisProxy forwards TCP connections to the test Redis until Cut, which
// closes every connection and refuses new ones: a Redis outage for the
// gateways behind it only.
type redisProxy struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
	cut   bool
}

func newRedisProxy(t *testing.T) *redisProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &redisProxy{ln: ln}
	t.Cleanup(p.Cut)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", "127.0.0.1:6379")
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			if p.cut {
				p.mu.Unlock()
				c.Close()
				up.Close()
				return
			}
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { io.Copy(up, c); up.Close() }()
			go func() { io.Copy(c, up); c.Close() }()
		}
	}()
	return p
}

func (p *redisProxy) Addr() string { return p.ln.Addr().String() }

// Cut ends the outage-free time: every connection closes, new ones are
// refused.
func (p *redisProxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = true
	p.ln.Close()
	for _, c := range p.conns {
		c.Close()
	}
}

// TestE2ELocalFallbackShare is issue #13 item 11: during a Redis outage
// each gateway process admitted the whole limit locally, so three
// processes admitted three times the limit. The processes learn from
// Redis heartbeats that they are three, and each admits a third.
func TestE2ELocalFallbackShare(t *testing.T) {
	prefix := fmt.Sprintf("share%d:", time.Now().UnixNano())
	t.Cleanup(func() { deleteKeys(prefix) })
	proxy := newRedisProxy(t)
	conf := fmt.Sprintf(`
algorithm: fixed_window
limit_by: [ip]
redis: {addresses: ["%s"], key_prefix: "%s"}
limits:
  - {window: hour, limit: 30}
`, proxy.Addr(), prefix)
	var gws []*harness.Gateway
	for i := 0; i < 3; i++ {
		g, _, _ := startGateway(t, conf)
		gws = append(gws, g)
		// The first request starts the instance, and with it the
		// process's heartbeat.
		if r := get(t, g, "/limited"); r.status != 200 {
			t.Fatalf("gateway %d: %d %s", i, r.status, r.body)
		}
	}
	admin := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer admin.Close()
	for start := time.Now(); admin.ZCard(context.Background(), prefix+"nodes").Val() != 3; time.Sleep(50 * time.Millisecond) {
		if time.Since(start) > 5*time.Second {
			t.Fatalf("heartbeat set holds %d nodes, want 3", admin.ZCard(context.Background(), prefix+"nodes").Val())
		}
	}
	// Every process reads the count at its next heartbeat.
	time.Sleep(2500 * time.Millisecond)
	proxy.Cut()
	total := 3
	for i, g := range gws {
		admitted := 0
		for j := 0; j < 15; j++ {
			if r := get(t, g, "/limited"); r.status == 200 {
				admitted++
			}
		}
		// Its share, 30 / 3 nodes, less the request it admitted through
		// Redis this hour.
		if admitted != 9 {
			t.Errorf("gateway %d admitted %d of 15 during the outage, want 9 (its share 10, less 1 admitted through Redis)", i, admitted)
		}
		total += admitted
	}
	t.Logf("three processes admitted %d this hour, %d of them during the outage; the limit is 30", total, total-3)
}

// TestE2EGatewayNodesConfigured: gateway_nodes overrides what heartbeats
// say; Redis down since start teaches nothing.
func TestE2EGatewayNodesConfigured(t *testing.T) {
	g, _, _ := startGateway(t, `
limit_by: [ip]
gateway_nodes: 4
redis: {addresses: ["`+harnesstest.FreeAddr(t)+`"]}
limits:
  - {window: hour, limit: 10}
`)
	admitted := 0
	for j := 0; j < 5; j++ {
		if r := get(t, g, "/limited"); r.status == 200 {
			admitted++
		}
	}
	if admitted != 2 {
		t.Errorf("admitted %d during the outage, want 2 (10 / 4 nodes)", admitted)
	}
}

package ratelimit

import (
	"context"
	"net"
	"testing"
	"time"
)

// TestNodesHeartbeat: each process's heartbeat adds it to one set per
// Redis and key prefix; the count read back is every node heard from.
func TestNodesHeartbeat(t *testing.T) {
	t.Parallel()
	c, prefix := testRedis(t)
	ctx := context.Background()
	var a, b Nodes
	if a.Count() != 0 {
		t.Fatal("count known before any heartbeat")
	}
	for i, step := range []struct {
		n     *Nodes
		id    string
		wantA int
	}{
		{n: &a, id: "a", wantA: 1},
		{n: &b, id: "b", wantA: 1},
		{n: &a, id: "a", wantA: 2},
		{n: &a, id: "a", wantA: 2}, // a beating again is still one node
	} {
		if err := step.n.beat(ctx, c, prefix+nodesKey, step.id, time.Second); err != nil {
			t.Fatal(err)
		}
		if got := a.Count(); got != step.wantA {
			t.Errorf("step %d: a counts %d nodes, want %d", i, got, step.wantA)
		}
	}
	if ttl := c.PTTL(ctx, prefix+nodesKey).Val(); ttl <= 0 || ttl > nodeTTL {
		t.Errorf("heartbeat set ttl %s, want at most %s", ttl, nodeTTL)
	}
	// Redis gone: the last count stays, which is when it matters.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := ln.Addr().String()
	ln.Close()
	gone := testBackend(t, dead, 20*time.Millisecond)
	if err := a.beat(ctx, gone.Client, prefix+nodesKey, "a", 20*time.Millisecond); err == nil {
		t.Fatal("heartbeat to a dead Redis succeeded")
	}
	if a.Count() != 2 {
		t.Errorf("count after a failed heartbeat %d, want the last one, 2", a.Count())
	}
}

// TestLocalFallbackShare is issue #13 item 11: the local fallback admits
// this node's share of each limit, not the whole limit, whatever the
// algorithm; fewer than two nodes, or none known, is the whole limit.
func TestLocalFallbackShare(t *testing.T) {
	t.Parallel()
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := ln.Addr().String()
	ln.Close()
	b := testBackend(t, dead, 20*time.Millisecond)
	for _, tt := range []struct {
		name  string
		alg   Algorithm
		nodes func() int
		limit Limit
		want  int
	}{
		{name: "fixed, 3 nodes", alg: FixedWindow, nodes: func() int { return 3 }, limit: PerHour(30), want: 10},
		{name: "sliding, 4 nodes", alg: SlidingWindow, nodes: func() int { return 4 }, limit: PerHour(10), want: 2},
		{name: "gcra burst, 2 nodes", alg: GCRA, nodes: func() int { return 2 }, limit: PerHour(100).WithBurst(8), want: 4},
		{name: "more nodes than the limit", alg: FixedWindow, nodes: func() int { return 50 }, limit: PerHour(10), want: 1},
		{name: "one node", alg: FixedWindow, nodes: func() int { return 1 }, limit: PerHour(5), want: 5},
		{name: "unknown", alg: FixedWindow, limit: PerHour(5), want: 5},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l, err := New(Options{
				Algorithm: tt.alg, Limits: []Limit{tt.limit}, Redis: NewRedis(b.Client, uniquePrefix(t), tt.alg),
				Timeout: 20 * time.Millisecond, OnError: OnErrorLocal, Nodes: tt.nodes,
			})
			if err != nil {
				t.Fatal(err)
			}
			admitted := 0
			for i := 0; i < 2*int(tt.limit.EffectiveBurst())+5; i++ {
				d := l.Decide(context.Background(), "u", 1)
				if d.Source != SourceFallbackLocal {
					t.Fatalf("source %s", d.Source)
				}
				if d.Allowed {
					admitted++
				}
			}
			if admitted != tt.want {
				t.Errorf("admitted %d, want %d", admitted, tt.want)
			}
		})
	}
}

// TestHeartbeatStartsOnFirstCount: compiling a policy (warden check
// does, offline) writes no heartbeat; the first count asked for by a
// local fallback starts them.
func TestHeartbeatStartsOnFirstCount(t *testing.T) {
	t.Parallel()
	c, prefix := testRedis(t)
	ctx := context.Background()
	n := newNodes(c, prefix+nodesKey, time.Second)
	time.Sleep(50 * time.Millisecond)
	if c.Exists(ctx, prefix+nodesKey).Val() != 0 {
		t.Fatal("heartbeat written before any count was asked for")
	}
	n.Count()
	for start := time.Now(); n.Count() != 1; time.Sleep(10 * time.Millisecond) {
		if time.Since(start) > 2*time.Second {
			t.Fatalf("count %d after the first heartbeat, want 1", n.Count())
		}
	}
	if c.ZCard(ctx, prefix+nodesKey).Val() != 1 {
		t.Error("no heartbeat in Redis")
	}
}

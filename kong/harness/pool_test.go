package harness

import (
	"net"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

func TestConnPoolReusesLikeSetkeepalive(t *testing.T) {
	socket := filepath.Join(t.TempDir(), "p.socket")
	ln, err := net.Listen("unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var accepted atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			defer c.Close()
		}
	}()
	p := &connPool{socket: socket}
	a, err := p.get()
	if err != nil {
		t.Fatal(err)
	}
	p.put(a)
	b, _ := p.get()
	if a != b {
		t.Fatal("a pooled connection was not reused")
	}
	// An idle connection past the keepalive timeout is not reused.
	p.idle = append(p.idle, idleConn{c: b, since: time.Now().Add(-connPoolMaxIdle - time.Second)})
	c, _ := p.get()
	if c == b {
		t.Fatal("an expired connection was reused")
	}
	// The pool keeps at most connPoolSize idle connections.
	conns := []net.Conn{c}
	for i := 0; i < connPoolSize+5; i++ {
		d, err := p.get()
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, d)
	}
	for _, d := range conns {
		p.put(d)
	}
	if len(p.idle) != connPoolSize {
		t.Fatalf("%d idle connections, want %d", len(p.idle), connPoolSize)
	}
	p.closeAll()
	if len(p.idle) != 0 {
		t.Fatal("closeAll kept connections")
	}
	deadline := time.Now().Add(time.Second)
	for accepted.Load() != int32(connPoolSize+7) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := accepted.Load(); got != int32(connPoolSize+7) {
		t.Fatalf("dialled %d connections, want %d", got, connPoolSize+7)
	}
}

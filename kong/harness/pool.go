package harness

import (
	"net"
	"sync"
	"time"
)

// Kong returns a plugin-server connection to nginx's cosocket pool after
// each RPC (pb_rpc.lua Rpc:call: c:setkeepalive()), and the next
// ngx.socket.connect to the same socket takes it from there. With nginx's
// defaults (lua_socket_pool_size 30, lua_socket_keepalive_timeout 60s) a
// pool keeps up to 30 idle connections, each for at most 60 seconds.
const (
	connPoolSize    = 30
	connPoolMaxIdle = 60 * time.Second
)

// connPool is the keepalive pool of one plugin server's socket.
type connPool struct {
	socket string

	mu   sync.Mutex
	idle []idleConn
}

type idleConn struct {
	c     net.Conn
	since time.Time
}

// get returns the most recently pooled live connection, or dials.
func (p *connPool) get() (net.Conn, error) {
	p.mu.Lock()
	for len(p.idle) > 0 {
		ic := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		if time.Since(ic.since) < connPoolMaxIdle {
			p.mu.Unlock()
			return ic.c, nil
		}
		ic.c.Close()
	}
	p.mu.Unlock()
	return net.DialTimeout("unix", p.socket, 5*time.Second)
}

// put returns c for reuse, closing it when the pool is full.
func (p *connPool) put(c net.Conn) {
	_ = c.SetDeadline(time.Time{})
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.idle) >= connPoolSize {
		c.Close()
		return
	}
	p.idle = append(p.idle, idleConn{c: c, since: time.Now()})
}

// closeAll drops every pooled connection (the plugin server went away).
func (p *connPool) closeAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, ic := range p.idle {
		ic.c.Close()
	}
	p.idle = nil
}

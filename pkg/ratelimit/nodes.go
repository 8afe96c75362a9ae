package ratelimit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Node heartbeats: every plugin process writes its id and Redis TIME into
// one sorted set per Redis backend and key prefix, and reads back how many
// processes wrote within nodeTTL. That count is what the local fallback
// divides the limits by when gateway_nodes is not configured: during an
// outage each node admits its share, not the whole limit. A process is a
// gateway node: Kong runs one plugin server per binary per node, shared by
// its workers (kong/runloop/plugin_servers/process.lua).
const (
	nodeInterval = 2 * time.Second
	nodeTTL      = 5 * nodeInterval
	nodesKey     = "nodes"
)

// nodeID names this process in the heartbeat set.
var nodeID = func() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	host, _ := os.Hostname()
	return host + "/" + strconv.Itoa(os.Getpid()) + "/" + hex.EncodeToString(b)
}()

// heartbeatScript adds this node (ARGV[1]) at Redis TIME, drops nodes
// silent for ARGV[2] milliseconds and returns how many remain.
var heartbeatScript = redis.NewScript(`
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - ttl)
redis.call('PEXPIRE', KEYS[1], ttl)
return redis.call('ZCARD', KEYS[1])
`)

// Nodes is the number of gateway nodes learnt from Redis heartbeats.
type Nodes struct {
	n     atomic.Int64
	once  sync.Once
	start func() // the heartbeat, started by the first Count
}

// newNodes returns a count learnt by heartbeats to c under key, which
// start with the first Count: a process that never decides with a local
// fallback (on_redis_error allow or deny, gateway_nodes set, or warden
// check compiling configs offline) writes none.
func newNodes(c redis.Scripter, key string, timeout time.Duration) *Nodes {
	n := &Nodes{}
	n.start = func() { go n.heartbeat(c, key, timeout) }
	return n
}

// Count returns the last count learnt, 0 before the first answer. A
// Redis outage keeps the last count: that is when it is needed.
func (n *Nodes) Count() int {
	if n == nil {
		return 0
	}
	if n.start != nil {
		n.once.Do(n.start)
	}
	return int(n.n.Load())
}

// beat writes one heartbeat as node id under key and stores the count.
func (n *Nodes) beat(ctx context.Context, c redis.Scripter, key, id string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	v, err := heartbeatScript.Run(ctx, c, []string{key}, id, nodeTTL.Milliseconds()).Int64()
	if err != nil {
		return err
	}
	n.n.Store(max(v, 1))
	return nil
}

// heartbeat beats now and every nodeInterval for as long as the process
// lives: backends are shared process-wide and never closed, as go-pdk
// never closes instances.
func (n *Nodes) heartbeat(c redis.Scripter, key string, timeout time.Duration) {
	_ = n.beat(context.Background(), c, key, nodeID, timeout)
	for range time.Tick(nodeInterval) {
		_ = n.beat(context.Background(), c, key, nodeID, timeout)
	}
}

// Package pool shares long-lived clients (Redis, HTTP for JWKS and token
// introspection) across plugin instances, keyed by their settings.
//
// go-pdk never tells an instance that Kong closed it (go-pdk
// server/instance.go CloseInstance frees nothing), so a client made per
// instance would leak on every config change. Instead every instance asks
// the pool; instances with the same settings get the same client, and a
// config change that keeps the settings reuses it. The number of clients is
// bounded by the number of distinct settings the process has seen.
package pool

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sync"
)

// Pool holds clients of one kind.
type Pool[T any] struct {
	mu      sync.Mutex
	entries map[string]*entry[T]
}

type entry[T any] struct {
	once sync.Once
	val  T
	err  error
}

// New returns an empty pool.
func New[T any]() *Pool[T] { return &Pool[T]{entries: map[string]*entry[T]{}} }

// Get returns the client for settings, creating it with create the first
// time. settings is any JSON-encodable value holding everything that makes
// two clients different (addresses, credentials, TLS files, timeouts); it
// is hashed, never stored or logged. A failed create is not cached, so the
// next instance with the same settings tries again.
func (p *Pool[T]) Get(settings any, create func() (T, error)) (T, error) {
	key, err := Key(settings)
	if err != nil {
		var zero T
		return zero, err
	}
	p.mu.Lock()
	e, ok := p.entries[key]
	if !ok {
		e = &entry[T]{}
		p.entries[key] = e
	}
	p.mu.Unlock()
	e.once.Do(func() { e.val, e.err = create() })
	if e.err != nil {
		p.mu.Lock()
		if p.entries[key] == e {
			delete(p.entries, key)
		}
		p.mu.Unlock()
	}
	return e.val, e.err
}

// Len reports how many clients the pool holds.
func (p *Pool[T]) Len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.entries)
}

// Key hashes settings into a pool key.
func Key(settings any) (string, error) {
	b, err := json.Marshal(settings)
	if err != nil {
		return "", fmt.Errorf("pool: encoding settings: %w", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

package validator

import (
	"crypto/sha256"
	"sync"
	"time"
)

// Kong starts a plugin instance again on every configuration change (a new
// __seq__: kong/runloop/plugin_servers/plugin.lua get_instance_id), and
// several routes may carry the same document; each instance runs Validate
// and New. An imported document is therefore kept per process, by content
// hash, and imported once: a caller that finds the same document being
// imported waits for that import instead of starting another.
//
// Kong gives up on an instance start after its socket timeout (60 s,
// lua_socket_read_timeout) and, for requests queued behind it, after 10 s,
// then starts the instance again (plugin.lua, WAIT_TIME): each retry of a
// slow document joins the import in flight.

// importedDoc is one document's import, done or in flight.
type importedDoc struct {
	done  chan struct{} // closed when ops and err are set
	ops   []Operation
	draft Draft
	err   error
	used  time.Time // guarded by docCache.mu

	// compiled are the operations compiled from ops, by what else they
	// depend on (see Config.operationsFrom): the same document under the
	// same settings is compiled once, whatever instance asks. Compiled
	// operations are never changed after compile, so instances share them.
	mu       sync.Mutex
	compiled map[string]compiledOps
}

type compiledOps struct {
	ops []*operation
	err error
}

// docCacheSize bounds the imported documents kept: the latest ones used.
// An instance keeps what it compiled whatever the cache drops.
const docCacheSize = 8

var docCache = struct {
	mu   sync.Mutex
	docs map[docKey]*importedDoc
}{docs: map[docKey]*importedDoc{}}

type docKey struct {
	sum       [sha256.Size]byte
	responses bool
}

// docImports counts imports started, for tests.
var docImports struct {
	sync.Mutex
	n int
}

// importCached returns the import of spec, starting it unless the same
// document is imported or being imported. The caller waits on done.
func importCached(spec []byte, withResponses bool) *importedDoc {
	key := docKey{sha256.Sum256(spec), withResponses}
	docCache.mu.Lock()
	defer docCache.mu.Unlock()
	if d, ok := docCache.docs[key]; ok {
		d.used = time.Now()
		return d
	}
	if len(docCache.docs) >= docCacheSize {
		var oldest docKey
		var at time.Time
		for k, d := range docCache.docs {
			select {
			case <-d.done:
			default:
				continue // in flight: others may be waiting on it
			}
			if at.IsZero() || d.used.Before(at) {
				oldest, at = k, d.used
			}
		}
		if !at.IsZero() {
			delete(docCache.docs, oldest)
		}
	}
	d := &importedDoc{done: make(chan struct{}), used: time.Now()}
	docCache.docs[key] = d
	docImports.Lock()
	docImports.n++
	docImports.Unlock()
	spec = append([]byte(nil), spec...)
	go func() {
		defer close(d.done)
		defer func() {
			if r := recover(); r != nil {
				d.err = errImportPanic
			}
		}()
		d.ops, d.draft, d.err = importOpenAPI(spec, withResponses)
	}()
	return d
}

// wait waits for the import at most timeout; ok is false when it is still
// in flight.
func (d *importedDoc) wait(timeout time.Duration) (ok bool) {
	select {
	case <-d.done:
		return true
	default:
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-d.done:
		return true
	case <-t.C:
		return false
	}
}

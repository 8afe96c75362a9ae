// Package audit writes one JSON line per security decision. Lines go to
// stderr, which Kong copies into its error log for plugin servers
// (kong/runloop/plugin_servers/process.lua pipes the server's output into
// ngx.log), and optionally to a file of their own.
//
// An event never carries a secret, token or credential value: callers put
// codes, ids, lengths and keyed fingerprints in it, and Details is meant
// for exactly those.
package audit

import (
	"encoding/json"
	"io"
	"os"
	"sync"
	"time"
)

// Decision is the outcome of a security check.
type Decision string

// Decisions.
const (
	Allow Decision = "allow"
	Deny  Decision = "deny"
	// Error means the plugin could not decide and failed closed.
	Error Decision = "error"
	// ShadowDeny is a deny that was only recorded (shadow or log-only
	// mode); the request went on.
	ShadowDeny Decision = "shadow_deny"
)

// Event is one audit record.
type Event struct {
	Type   string    `json:"type"`
	Time   time.Time `json:"time"`
	Plugin string    `json:"plugin"`
	// Via names the plugin that ran Plugin's policy, when that is not
	// Plugin itself: warden-suite, which runs several in one.
	Via       string         `json:"via,omitempty"`
	Decision  Decision       `json:"decision"`
	Reason    string         `json:"reason"`
	Status    int            `json:"status,omitempty"`
	RequestID string         `json:"request_id,omitempty"`
	RouteID   string         `json:"route_id,omitempty"`
	ServiceID string         `json:"service_id,omitempty"`
	Consumer  string         `json:"consumer,omitempty"`
	Subject   string         `json:"subject,omitempty"`
	LatencyUS int64          `json:"latency_us"`
	Details   map[string]any `json:"details,omitempty"`
}

// EventType marks Warden audit lines among other log lines.
const EventType = "warden.audit"

// Sink writes events as JSON lines to its writers. It is safe for
// concurrent use; each event is one Write call per writer.
type Sink struct {
	mu sync.Mutex
	ws []io.Writer
}

// NewSink returns a sink writing to ws.
func NewSink(ws ...io.Writer) *Sink { return &Sink{ws: ws} }

// Add attaches another writer, such as an audit file.
func (s *Sink) Add(w io.Writer) {
	s.mu.Lock()
	s.ws = append(s.ws, w)
	s.mu.Unlock()
}

// OpenFile appends events to the file at path as well.
func (s *Sink) OpenFile(path string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	s.Add(f)
	return nil
}

// Write records e, filling Type and Time.
func (s *Sink) Write(e Event) {
	e.Type = EventType
	if e.Time.IsZero() {
		e.Time = time.Now().UTC()
	}
	line, err := json.Marshal(e)
	if err != nil {
		// Details held something unencodable; keep the decision.
		e.Details = map[string]any{"details_error": err.Error()}
		line, _ = json.Marshal(e)
	}
	line = append(line, '\n')
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, w := range s.ws {
		_, _ = w.Write(line)
	}
}

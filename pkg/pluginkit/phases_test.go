package pluginkit

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/warden-gw/warden/pkg/audit"
	"github.com/warden-gw/warden/pkg/config"
	"github.com/warden-gw/warden/pkg/metrics"
)

// TestWrapDeclaresExactlyTheHandlersPhases checks what go-pdk will see:
// it reflects on method names (go-pdk server/rpc.go getHandlerNames) and
// json.Unmarshals the config into the constructed value.
func TestWrapDeclaresExactlyTheHandlersPhases(t *testing.T) {
	t.Parallel()
	all := []string{"Rewrite", "Access", "Response", "Log"}
	for mask := 1; mask < 16; mask++ {
		v := wrap(mask, &instance{})
		if v == nil {
			t.Fatalf("mask %04b: no type", mask)
		}
		typ := reflect.TypeOf(v)
		for i, name := range all {
			_, has := typ.MethodByName(name)
			if want := mask&(1<<i) != 0; has != want {
				t.Errorf("mask %04b: %s declared=%v, want %v", mask, name, has, want)
			}
		}
		for _, extra := range []string{"Certificate", "Preread"} {
			if _, has := typ.MethodByName(extra); has {
				t.Errorf("mask %04b declares %s", mask, extra)
			}
		}
		if _, ok := v.(json.Unmarshaler); !ok {
			t.Errorf("mask %04b: go-pdk could not hand the config to the instance", mask)
		}
	}
}

type accessOnly struct{}

func (accessOnly) Access(*Kong) error { return nil }

type everyPhase struct{ accessOnly }

func (everyPhase) Rewrite(*Kong) error  { return nil }
func (everyPhase) Response(*Kong) error { return nil }
func (everyPhase) Log(*Kong) error      { return nil }

func TestPhasesOf(t *testing.T) {
	t.Parallel()
	if m, names := phasesOf(reflect.TypeFor[accessOnly]()); m != bitAccess || !slices.Equal(names, []string{"access"}) {
		t.Errorf("accessOnly: %04b %v", m, names)
	}
	if m, names := phasesOf(reflect.TypeFor[everyPhase]()); m != 15 || !slices.Equal(names, []string{"rewrite", "access", "response", "log"}) {
		t.Errorf("everyPhase: %04b %v", m, names)
	}
	if err := (Plugin[struct{}, struct{}]{Name: "x", Version: "1", New: func(*struct{}) (struct{}, error) { return struct{}{}, nil }}).check(); err == nil {
		t.Error("a handler with no phase must be refused")
	}
}

type lifeConfig struct {
	Path string `json:"path"`
}

func (c *lifeConfig) Validate() error {
	if !strings.HasPrefix(c.Path, "/") {
		return config.Errorf("path", "must start with /")
	}
	return nil
}

func testRuntime(w io.Writer) *processRuntime {
	return &processRuntime{name: "warden-test", logger: log.New(w, "warden-test: ", 0),
		audit: audit.NewSink(w), metrics: metrics.New("warden-test")}
}

// TestInstanceLifecycle runs the config steps as go-pdk triggers them.
func TestInstanceLifecycle(t *testing.T) {
	t.Parallel()
	compile := func(raw []byte) (any, error) {
		cfg, err := config.Load[lifeConfig](raw)
		if err != nil {
			return nil, err
		}
		if cfg.Path == "/panic" {
			panic("compile bug")
		}
		if cfg.Path == "/fail" {
			return nil, errors.New("compile refused")
		}
		return accessOnly{}, nil
	}
	tests := []struct {
		name    string
		raw     string
		wantErr string
	}{
		{"valid", `{"path": "/ok", "__seq__": 1, "__plugin_id": "abc"}`, ""},
		{"validate error", `{"path": "bad", "__plugin_id": "abc"}`, "path: must start with /"},
		{"unknown field", `{"pth": "/x", "__plugin_id": "abc"}`, "pth: unknown field"},
		{"compile error", `{"path": "/fail", "__plugin_id": "abc"}`, "compile refused"},
		{"compile panic", `{"path": "/panic", "__plugin_id": "abc"}`, "compiling config panicked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var logs bytes.Buffer
			in := &instance{rt: testRuntime(&logs), compile: compile}
			v := wrap(bitAccess, in)
			if err := json.Unmarshal([]byte(tt.raw), v); err != nil {
				t.Fatalf("go-pdk's Unmarshal must never fail: %v", err)
			}
			if in.pluginID != "abc" {
				t.Errorf("plugin id %q", in.pluginID)
			}
			if tt.wantErr == "" {
				if in.err != nil || in.handler == nil || logs.Len() != 0 {
					t.Fatalf("err %v handler %v logs %q", in.err, in.handler, logs.String())
				}
				return
			}
			if in.err == nil || !strings.Contains(in.err.Error(), tt.wantErr) {
				t.Fatalf("err %v, want %q", in.err, tt.wantErr)
			}
			if n := strings.Count(logs.String(), "config refused"); n != 1 {
				t.Fatalf("config error logged %d times, want once: %q", n, logs.String())
			}
			if !strings.Contains(logs.String(), tt.wantErr) {
				t.Fatalf("log %q lacks the precise error", logs.String())
			}
		})
	}
}

func TestAuditLevel(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in            string
		allow, denied bool
	}{{"", true, true}, {"all", true, true}, {"all_ids", true, true}, {"DENY", false, true}, {"off", false, false}} {
		l, err := parseAuditLevel(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if l.wants(audit.Allow) != tt.allow || l.wants(audit.Deny) != tt.denied || l.wants(audit.Error) != tt.denied {
			t.Errorf("level %q: allow %v deny %v", tt.in, l.wants(audit.Allow), l.wants(audit.Deny))
		}
	}
	if _, err := parseAuditLevel("some"); err == nil {
		t.Error("unknown level accepted")
	}
}

func TestRateLog(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	rt := testRuntime(&logs)
	var r rateLog
	for i := 0; i < 100; i++ {
		r.printf(rt, "redis down")
	}
	if n := strings.Count(logs.String(), "redis down"); n != 1 {
		t.Fatalf("logged %d lines in one interval, want 1", n)
	}
	if r.dropped.Load() != 99 {
		t.Fatalf("dropped %d, want 99", r.dropped.Load())
	}
}

type accessAndResponse struct{ accessOnly }

func (accessAndResponse) Response(*Kong) error { return nil }

// TestOptionalResponse: an opt-in response phase is declared, in the dump
// and to go-pdk, only when asked for.
func TestOptionalResponse(t *testing.T) {
	t.Parallel()
	p := Plugin[struct{}, accessAndResponse]{Name: "x", Version: "1", OptionalResponse: true,
		New: func(*struct{}) (accessAndResponse, error) { return accessAndResponse{}, nil }}
	if err := p.check(); err != nil {
		t.Fatal(err)
	}
	if m, names := p.phases(false); m != bitAccess || !slices.Equal(names, []string{"access"}) {
		t.Errorf("without the flag: %04b %v", m, names)
	}
	if m, names := p.phases(true); m != bitAccess|bitResponse || !slices.Equal(names, []string{"access", "response"}) {
		t.Errorf("with the flag: %04b %v", m, names)
	}
	if info, err := pluginInfo(p, true); err != nil || !slices.Equal(info.Phases, []string{"access", "response"}) {
		t.Errorf("dump with the flag: %v %v", info.Phases, err)
	}
	p.OptionalResponse = false
	if m, _ := p.phases(false); m != bitAccess|bitResponse {
		t.Errorf("a plain response phase is always declared: %04b", m)
	}
	bad := Plugin[struct{}, accessOnly]{Name: "x", Version: "1", OptionalResponse: true,
		New: func(*struct{}) (accessOnly, error) { return accessOnly{}, nil }}
	if err := bad.check(); err == nil {
		t.Error("OptionalResponse without a response phase passes check")
	}
}

func TestKnownNoiseFilter(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	f := knownNoiseFilter{w: &out}
	lines := []string{
		"2026/12/04 19:58:28 write unix /tmp/kh1/warden-test.socket->@: use of closed network connection\n",
		"2026/12/04 19:58:28 Listening on socket: /tmp/kh1/warden-test.socket\n",
		"2026/12/04 19:58:28 read unix /tmp/kh1/warden-test.socket->@: connection reset by peer\n",
	}
	for _, l := range lines {
		if n, err := f.Write([]byte(l)); n != len(l) || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	if want := lines[1] + lines[2]; out.String() != want {
		t.Errorf("passed %q, want %q", out.String(), want)
	}
}

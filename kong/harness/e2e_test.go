package harness_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/warden-gw/warden/kong/harness"
	"github.com/warden-gw/warden/kong/harness/harnesstest"
)

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func startProbe(t *testing.T, upstream string, buffered bool) (*harness.Gateway, *syncBuf) {
	t.Helper()
	dir := harnesstest.BuildPlugins(t, "./kong/harness/testdata/plugins/probe")
	cfg := fmt.Sprintf(`_format_version: "3.0"
services:
- name: echo
  url: %s/base
  routes:
  - name: api
    paths: ["/api"]
  plugins:
  - name: probe
    config:
      greeting: hello
      deny: bad
`, upstream)
	logs := &syncBuf{}
	g := harnesstest.StartGateway(t, harness.Options{Config: []byte(cfg), PluginDir: dir, Log: logs})
	return g, logs
}

func TestEndToEndProxyAndResponsePhase(t *testing.T) {
	up := harnesstest.NewEchoUpstream(t)
	g, logs := startProbe(t, up.URL, true)

	req, _ := http.NewRequest("POST", g.URL()+"/api/things?q=1", strings.NewReader("payload"))
	req.Header.Set("X-Probe", "good")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || string(body) != "PAYLOAD" {
		t.Fatalf("client got %d %q, want 200 PAYLOAD", res.StatusCode, body)
	}
	if res.Header.Get("X-Rewritten") != "yes" || res.Header.Get("X-Upstream") != "echo" {
		t.Errorf("response headers: %v", res.Header)
	}
	// An exit in the response phase leaves ctx.KONG_PROXIED set: Kong's
	// proxy headers, not X-Kong-Response-Latency (handler.lua header_filter.after).
	if res.Header.Get("Via") != "1.1 kong/3.9.1" || res.Header.Get("X-Kong-Upstream-Latency") == "" || res.Header.Get("X-Kong-Response-Latency") != "" {
		t.Errorf("Kong's headers after a response-phase exit: %v", res.Header)
	}
	if res.Header.Get("X-Service-Headers") != "0" || res.Header.Get("X-Seen-Upstream") != "echo" || res.Header.Get("X-Seen-Greeting") != "hello" {
		t.Errorf("response phase: kong.service.response.get_headers must be empty and kong.response.get_headers hold the upstream's: %v", res.Header)
	}
	rid := res.Header.Get("X-Kong-Request-Id")
	if len(rid) != 32 {
		t.Fatalf("X-Kong-Request-Id = %q", rid)
	}
	last, ok := up.Last()
	if !ok {
		t.Fatal("upstream got nothing")
	}
	if last.Path != "/base/things" || last.RawQuery != "q=1" || string(last.Body) != "payload" {
		t.Errorf("upstream got %s %s?%s %q", last.Method, last.Path, last.RawQuery, last.Body)
	}
	if last.Header.Get("X-Greeting") != "hello" || last.Header.Get("X-Body-Len") != "7" {
		t.Errorf("upstream headers: %v", last.Header)
	}
	if last.Header.Get("X-Forwarded-Prefix") != "/api" || last.Header.Get("X-Kong-Request-Id") != rid || last.Header.Get("X-Real-Ip") == "" {
		t.Errorf("forwarding headers: %v", last.Header)
	}
	g.WaitLogs()
	calls := g.Calls(rid)
	want := map[string]int{
		"kong.request.get_query_arg": 1, "kong.request.get_raw_body": 1,
		"kong.ctx.shared.set": 1, "kong.service.request.set_header": 3,
		"kong.service.response.get_raw_body": 1, "kong.response.exit": 1,
		"kong.service.response.get_headers": 1, "kong.response.get_headers": 1, "kong.request.get_header": 3,
		"kong.response.get_status": 1, "kong.ctx.shared.get": 1, "kong.log.notice": 1,
	}
	for m, n := range want {
		if got := calls.Count("probe", m); got != n {
			t.Errorf("calls[%s] = %d, want %d (all: %v)", m, got, n, calls.ByPlugin["probe"])
		}
	}
	if calls.Events["probe"] != 3 {
		t.Errorf("events = %d, want 3 (access, response, log)", calls.Events["probe"])
	}
	if !strings.Contains(logs.String(), "[kong] [probe] log phase status=200 header=good shared.q=1") {
		t.Errorf("log output lacks the log-phase line:\n%s", logs.String())
	}
}

func TestEndToEndExit401(t *testing.T) {
	up := harnesstest.NewEchoUpstream(t)
	g, logs := startProbe(t, up.URL, true)
	req, _ := http.NewRequest("GET", g.URL()+"/api", nil)
	req.Header.Set("X-Probe", "bad")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 401 || string(body) != `{"message":"denied"}` || res.Header.Get("WWW-Authenticate") != "Probe" {
		t.Fatalf("got %d %q %v", res.StatusCode, body, res.Header)
	}
	if up.Count() != 0 {
		t.Errorf("upstream was called after exit")
	}
	g.WaitLogs()
	rid := res.Header.Get("X-Kong-Request-Id")
	if c := g.Calls(rid); c.Events["probe"] != 2 || c.Count("probe", "kong.response.exit") != 1 {
		t.Errorf("calls: %+v", c)
	}
	if !strings.Contains(logs.String(), "log phase status=401 header=bad") {
		t.Errorf("log output:\n%s", logs.String())
	}
}

func TestEndToEndNoRoute(t *testing.T) {
	up := harnesstest.NewEchoUpstream(t)
	g, _ := startProbe(t, up.URL, true)
	res, err := http.Get(g.URL() + "/nowhere")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	want := "{\n  \"message\":\"no Route matched with those values\",\n  \"request_id\":\"" + res.Header.Get("X-Kong-Request-Id") + "\"\n}"
	if res.StatusCode != 404 || string(body) != want {
		t.Fatalf("got %d %q", res.StatusCode, body)
	}
}

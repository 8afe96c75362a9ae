package harness_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
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

// rawRequest sends a request line and headers byte for byte (net/http's
// client would drop a fragment or upper-case nothing) and reads the answer.
func rawRequest(t *testing.T, gatewayURL, method, target string) (*http.Response, string) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(gatewayURL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n\r\n", method, target)
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return res, string(body)
}

// TestEndToEndUpstreamPath: the harness routes on and forwards what Kong
// does: the normalized path (kong/router/utils.lua strip_uri_args), escaped
// (kong/runloop/handler.lua escape(match_t.upstream_uri)), "#" raw, $args
// ended at a "#", X-Forwarded-Path as the client sent it.
func TestEndToEndUpstreamPath(t *testing.T) {
	up := harnesstest.NewEchoUpstream(t)
	g, _ := startProbe(t, up.URL, true)
	tests := []struct {
		target, upstream, forwardedPath string
	}{
		{"/api/admin/%2e%2e/x", "/base/x", "/api/admin/%2e%2e/x"},
		{"/api/a/b/../../x", "/base/x", "/api/a/b/../../x"},
		{"/api//things///y?q=1", "/base/things/y?q=1", "/api//things///y"},
		{"/api/admin#x", "/base/admin#x", "/api/admin#x"},
		{"/api/a?q=1#frag", "/base/a?q=1", "/api/a"},
		{"/api/caf%C3%A9%20x", "/base/caf%C3%A9%20x", "/api/caf%C3%A9%20x"},
		{"/api/%61dmin%2Fx", "/base/admin%2Fx", "/api/%61dmin%2Fx"},
	}
	for _, tc := range tests {
		res, body := rawRequest(t, g.URL(), "GET", tc.target)
		if res.StatusCode != 200 {
			t.Errorf("%s: %d %q", tc.target, res.StatusCode, body)
			continue
		}
		last, _ := up.Last()
		if last.RequestURI != tc.upstream {
			t.Errorf("%s: upstream request target %q, want %q", tc.target, last.RequestURI, tc.upstream)
		}
		if got := last.Header.Get("X-Forwarded-Path"); got != tc.forwardedPath {
			t.Errorf("%s: X-Forwarded-Path %q, want %q", tc.target, got, tc.forwardedPath)
		}
	}
	// The route matches the normalized path: /api/../other is /other.
	if res, _ := rawRequest(t, g.URL(), "GET", "/api/../other"); res.StatusCode != 404 {
		t.Errorf("/api/../other: %d, want 404 (normalized to /other, no route)", res.StatusCode)
	}
}

// TestEndToEndNginxMethod: nginx refuses a method with anything but A-Z,
// '_' and '-' with 400 before Kong runs a plugin
// (src/http/ngx_http_parse.c ngx_http_parse_request_line).
func TestEndToEndNginxMethod(t *testing.T) {
	up := harnesstest.NewEchoUpstream(t)
	g, _ := startProbe(t, up.URL, true)
	for _, m := range []string{"get", "Get", "GET1", "G.T"} {
		res, _ := rawRequest(t, g.URL(), m, "/api/x")
		if res.StatusCode != 400 {
			t.Errorf("%s: %d, want 400", m, res.StatusCode)
		}
		if rid := res.Header.Get("X-Kong-Request-Id"); rid != "" && g.Calls(rid).Events["probe"] != 0 {
			t.Errorf("%s: a plugin ran", m)
		}
	}
	if up.Count() != 0 {
		t.Errorf("upstream called %d times", up.Count())
	}
	for _, m := range []string{"PURGE", "X_CUSTOM", "M-SEARCH"} {
		if res, body := rawRequest(t, g.URL(), m, "/api/x"); res.StatusCode != 200 {
			t.Errorf("%s: %d %q, want it proxied", m, res.StatusCode, body)
		}
	}
}

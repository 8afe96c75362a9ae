package pluginkit_test

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/warden-gw/warden/kong/harness"
	"github.com/warden-gw/warden/kong/harness/harnesstest"
)

var update = flag.Bool("update", false, "rewrite golden files")

const testPlugins = "./pkg/pluginkit/testdata/plugins/..."

const secretValue = "s3cr3t-value-never-logged"

func startGateway(t *testing.T, kongYML string, serverArgs ...string) (*harness.Gateway, *harnesstest.EchoUpstream, *harnesstest.LogBuffer) {
	t.Helper()
	dir := harnesstest.BuildPlugins(t, testPlugins)
	up := harnesstest.NewEchoUpstream(t)
	logs := &harnesstest.LogBuffer{}
	logs.LogOnFailure(t)
	g := harnesstest.StartGateway(t, harness.Options{
		Config:     []byte(strings.ReplaceAll(kongYML, "UPSTREAM", up.URL)),
		PluginDir:  dir,
		Log:        logs,
		ServerArgs: map[string][]string{"warden-test": serverArgs},
		LookupEnv: func(name string) (string, bool) {
			if name == "WARDEN_TEST_SECRET" {
				return secretValue, true
			}
			return "", false
		},
	})
	return g, up, logs
}

const gatewayYML = `
_format_version: "3.0"
services:
  - name: svc
    url: UPSTREAM
    routes:
      - name: main
        paths: ["/main"]
        plugins:
          - name: warden-test
            config:
              message: go away
              secret: "{vault://env/WARDEN_TEST_SECRET}"
              rules: [{path: /ok}]
          - name: warden-test-reader
            config: {identity: true}
      - name: invalid
        paths: ["/invalid"]
        plugins:
          - name: warden-test
            config:
              message: m
              rules: [{path: /ok}, {path: not-a-path}, {path: also-bad}]
      - name: uncompilable
        paths: ["/uncompilable"]
        plugins:
          - name: warden-test
            config: {message: m, fail_compile: true}
      - name: panics
        paths: ["/panics"]
        plugins:
          - name: warden-test
            config: {message: m, panic: true}
      - name: rewrites
        paths: ["/rewrites"]
        plugins:
          - name: warden-test
            config: {message: m, rewrite_body: gateway}
`

func do(t *testing.T, method, url string, body string, headers ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestAuditFlag: -audit deny, given in the start command as Kong's
// pluginserver_<name>_start_cmd would, writes denies and not allows.
func TestAuditFlag(t *testing.T) {
	g, _, logs := startGateway(t, gatewayYML, "-audit", "deny")
	if resp, _ := do(t, "POST", g.URL()+"/main/x", "hello", "X-User", "alice"); resp.StatusCode != 200 {
		t.Fatalf("allowed request: %d", resp.StatusCode)
	}
	if resp, _ := do(t, "GET", g.URL()+"/main/x", "", "X-Deny", "1"); resp.StatusCode != 401 {
		t.Fatalf("denied request: %d", resp.StatusCode)
	}
	if !logs.Await(`"decision":"deny","reason":"test_denied"`) {
		t.Fatal("deny not audited")
	}
	g.WaitLogs()
	if n := logs.Count(`"decision":"allow"`); n != 0 {
		t.Errorf("%d allow events under -audit deny", n)
	}
}

// TestTooManyHeaders: Kong hands a plugin at most 1000 request headers and
// does not say it cut the rest, so a request with that many is refused
// (431) instead of hiding a header past them; a few less pass (the client adds
// Host, User-Agent, Content-Length and Accept-Encoding to these).
func TestTooManyHeaders(t *testing.T) {
	g, up, _ := startGateway(t, gatewayYML)
	for n, want := range map[int]int{990: 200, 1000: 431} {
		h := []string{"X-User", "alice"}
		for i := range n - 1 {
			h = append(h, fmt.Sprintf("X-Filler-%04d", i), "x")
		}
		before := up.Count()
		resp, _ := do(t, "POST", g.URL()+"/main/x", "hello", h...)
		if resp.StatusCode != want || (want == 431) != (up.Count() == before) {
			t.Errorf("%d headers: %d, upstream reached %v", n+1, resp.StatusCode, up.Count() > before)
		}
	}
}

// TestRuntimeEndToEnd drives the real test plugin binaries through the
// Kong-protocol harness over real Unix sockets, with a real upstream.
func TestRuntimeEndToEnd(t *testing.T) {
	g, up, logs := startGateway(t, gatewayYML)

	t.Run("allowed request: identity crosses plugins through kong.ctx.shared, vault secret resolved", func(t *testing.T) {
		before := up.Count()
		resp, _ := do(t, "POST", g.URL()+"/main/x", "hello upstream", "X-User", "alice")
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		last, _ := up.Last()
		if up.Count() != before+1 {
			t.Fatal("request did not reach the upstream")
		}
		if got := last.Header.Get("X-Identity"); got != "alice via test" {
			t.Errorf("reader plugin saw identity %q, want %q", got, "alice via test")
		}
		if got, want := last.Header.Get("X-Warden-Test"), fmt.Sprintf("limit=10;secret_len=%d", len(secretValue)); got != want {
			t.Errorf("upstream header %q, want %q (defaults and vault reference applied)", got, want)
		}
		rid := resp.Header.Get("X-Kong-Request-Id")
		g.WaitLogs()
		calls := g.Calls(rid)
		// access: get_headers + ctx.shared.set (identity) +
		// service.request.set_header; log: ctx.shared.get (identity). The
		// allow audit takes the route id from the route-scoped config.
		if got := calls.Total["warden-test"]; got != 4 {
			t.Errorf("warden-test made %d PDK calls, want 4: %v", got, calls.ByPlugin["warden-test"])
		}
		// access: ctx.shared.get + service.request.set_header.
		if got := calls.Total["warden-test-reader"]; got != 2 {
			t.Errorf("warden-test-reader made %d PDK calls, want 2: %v", got, calls.ByPlugin["warden-test-reader"])
		}
		if !waitFor(func() bool { return strings.Contains(logs.String(), `"reason":"test_logged"`) }) {
			t.Errorf("log phase audit event missing:\n%s", logs.String())
		}
		for _, line := range strings.Split(logs.String(), "\n") {
			if strings.Contains(line, `"reason":"test_logged"`) && (!strings.Contains(line, `"subject":"alice"`) || !strings.Contains(line, `"route_id":"`)) {
				t.Errorf("log-phase audit event lacks subject or route id: %s", line)
			}
		}
	})

	t.Run("deny: 401 with challenge, upstream not reached, audited", func(t *testing.T) {
		before := up.Count()
		resp, body := do(t, "GET", g.URL()+"/main/x", "", "X-Deny", "1")
		if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") != `Bearer realm="test"` {
			t.Fatalf("got %d %v", resp.StatusCode, resp.Header)
		}
		if body != `{"message":"go away"}` {
			t.Errorf("body %q", body)
		}
		if up.Count() != before {
			t.Error("a denied request reached the upstream")
		}
		if !waitFor(func() bool {
			return strings.Contains(logs.String(), `"decision":"deny","reason":"test_denied","status":401`)
		}) {
			t.Errorf("deny audit event missing:\n%s", logs.String())
		}
	})

	for _, tt := range []struct{ path, logWant string }{
		{"/invalid", "rules[2].path: must start with /; rules[3].path: must start with /"},
		{"/uncompilable", "compile step refused the config"},
	} {
		t.Run("bad config fails closed: "+tt.path, func(t *testing.T) {
			before := up.Count()
			for i := 0; i < 3; i++ {
				resp, body := do(t, "GET", g.URL()+tt.path, "")
				if resp.StatusCode != 500 || body != `{"message":"An unexpected error occurred"}` {
					t.Fatalf("got %d %q, want 500 with a generic body", resp.StatusCode, body)
				}
			}
			if up.Count() != before {
				t.Error("a request on a broken instance reached the upstream")
			}
			logs.Await(tt.logWant)
			// Once in the plugin server's own output (Kong logs it at
			// info) and once through kong.log.err, which Kong's default
			// log_level (notice) shows.
			if n, e := countLines(logs.String(), tt.logWant, ""), countLines(logs.String(), tt.logWant, "[error] [kong] [warden-test] "); n != 2 || e != 1 {
				t.Errorf("precise config error logged %d times (%d at error through the PDK), want once per instance on each path:\n%s", n, e, logs.String())
			}
		})
	}

	t.Run("panic: 500, logged once with a stack, the process keeps serving", func(t *testing.T) {
		for i := 0; i < 3; i++ {
			resp, body := do(t, "GET", g.URL()+"/panics", "")
			if resp.StatusCode != 500 || body != `{"message":"An unexpected error occurred"}` {
				t.Fatalf("got %d %q", resp.StatusCode, body)
			}
		}
		logs.Await("goroutine ")
		if n, e := countLines(logs.String(), "panic in access phase", ""), countLines(logs.String(), "panic in access phase", "[error] [kong] [warden-test] "); n != 2 || e != 1 {
			t.Errorf("panic logged %d times (%d at error through the PDK), want once on each path:\n%s", n, e, logs.String())
		}
		if !strings.Contains(logs.String(), "goroutine ") {
			t.Error("panic log has no stack")
		}
		if resp, _ := do(t, "GET", g.URL()+"/main/after-panic", ""); resp.StatusCode != 200 {
			t.Errorf("after a panic the plugin server answers %d", resp.StatusCode)
		}
	})

	t.Run("a response phase that fails answers 500 without the upstream's headers", func(t *testing.T) {
		resp, body := do(t, "POST", g.URL()+"/rewrites", "fail-in-response")
		if resp.StatusCode != 500 || resp.Header.Get("X-Upstream") != "" || strings.Contains(body, "fail-in-response") {
			t.Fatalf("got %d %q %v", resp.StatusCode, body, resp.Header)
		}
	})

	t.Run("response phase rewrites the upstream answer", func(t *testing.T) {
		resp, body := do(t, "POST", g.URL()+"/rewrites", "from upstream")
		if resp.StatusCode != 200 || body != "from gateway" || resp.Header.Get("X-Rewritten") != "1" {
			t.Fatalf("got %d %q %v", resp.StatusCode, body, resp.Header)
		}
	})

	g.WaitLogs()
	if strings.Contains(logs.String(), secretValue) {
		t.Error("the resolved vault secret appears in the logs")
	}
}

// TestSchemaRejectsBadConfig checks that the dumped schema makes the
// Admin-API-like validation refuse configs before they reach the plugin.
func TestSchemaRejectsBadConfig(t *testing.T) {
	dir := harnesstest.BuildPlugins(t, testPlugins)
	tests := []struct{ name, config, want string }{
		{"required field missing", `{}`, "message"},
		{"one_of", `{message: m, mode: sometimes}`, "mode"},
		{"between", `{message: m, limit: 1000}`, "limit"},
		{"unknown field", `{message: m, colour: red}`, "colour"},
		{"nested record", `{message: m, upstream: {timeout_ms: 0}}`, "upstream.timeout_ms"},
		{"array element required", `{message: m, rules: [{effect: deny}]}`, "path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			yml := fmt.Sprintf("_format_version: \"3.0\"\nplugins:\n  - name: warden-test\n    config: %s\n", tt.config)
			g, err := harness.Start(context.Background(), harness.Options{Config: []byte(yml), PluginDir: dir, Log: io.Discard})
			if err == nil {
				_ = g.Close()
				t.Fatal("config accepted")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q does not name %q", err, tt.want)
			}
		})
	}
}

// TestDumpGolden pins the schema Kong sees for the test plugin.
func TestDumpGolden(t *testing.T) {
	dir := harnesstest.BuildPlugins(t, testPlugins)
	harnesstest.DumpGolden(t, dir, "warden-test", filepath.Join("testdata", "warden-test.dump.json"), *update)
}

func waitFor(cond func() bool) bool {
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return cond()
}

// countLines counts the log lines holding s (and marker, when set).
func countLines(logs, s, marker string) int {
	n := 0
	for _, line := range strings.Split(logs, "\n") {
		if strings.Contains(line, s) && strings.Contains(line, marker) {
			n++
		}
	}
	return n
}

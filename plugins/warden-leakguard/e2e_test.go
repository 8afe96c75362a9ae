package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/warden-gw/warden/kong/harness"
	"github.com/warden-gw/warden/kong/harness/harnesstest"
)

var update = flag.Bool("update", false, "rewrite golden files")

const pluginName = "warden-leakguard"

// runner is the plugin that runs warden-leakguard's policy in this run's
// shape (itself, or warden-suite): its PDK calls are counted, and its
// process settings read, under that name.
var runner = harnesstest.Runner(pluginName)

// Fake secrets, generated per run: random bodies in the providers'
// public formats, GitHub's with a valid checksum. None is real.
type secrets struct {
	github, stripe, aws, slackHook, dbPassword, jwt string
}

func newSecrets() secrets {
	r := rand.New(rand.NewPCG(rand.Uint64(), 7))
	s := func(alphabet string, n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		return string(b)
	}
	const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	body := s(alnum, 30)
	return secrets{
		github:     "ghp_" + body + base62CRC32(body),
		stripe:     "sk_live_" + s(alnum, 32),
		aws:        "AKIA" + s("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16),
		slackHook:  "https://hooks.slack.com/services/T" + s("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 8) + "/B" + s("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 10) + "/" + s(alnum, 24),
		dbPassword: s(alnum, 18),
		jwt:        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI" + s(alnum, 20) + "IiwiaWF0IjoxNzAwMDAwMDAwfQ." + s(alnum+"_-", 43),
	}
}

func (s secrets) all() []string {
	return []string{s.github, s.stripe, s.aws, s.slackHook, s.dbPassword}
}

func base62CRC32(body string) string {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	n := crc32.ChecksumIEEE([]byte(body))
	out := make([]byte, 6)
	for i := 5; i >= 0; i-- {
		out[i] = alphabet[n%62]
		n /= 62
	}
	return string(out)
}

// leakyUpstream serves responses that leak the planted secrets and
// records the requests it gets.
type leakyUpstream struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []*http.Request
	body map[string][]byte
}

func (s secrets) leakJSON() []byte {
	doc := map[string]any{
		"id":     42,
		"owner":  "alice",
		"config": map[string]any{"ci": map[string]any{"token": s.github}, "note": "line1\nline2 \"quoted\" </script>"},
		"keys":   []any{s.aws, "not-a-secret"},
		"dsn":    "postgres://app:" + s.dbPassword + "@db.internal:5432/orders",
	}
	b, _ := json.Marshal(doc)
	return b
}

func newLeakyUpstream(t *testing.T, s secrets) *leakyUpstream {
	u := &leakyUpstream{body: map[string][]byte{}}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write(s.leakJSON())
	_ = zw.Close()
	var bomb bytes.Buffer
	zw = gzip.NewWriter(&bomb)
	_, _ = zw.Write(make([]byte, 8<<20)) // 8 MiB of zeros in a few KiB
	_ = zw.Close()
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		u.mu.Lock()
		r2 := r.Clone(r.Context())
		u.reqs = append(u.reqs, r2)
		u.body[r.URL.Path] = body
		u.mu.Unlock()
		switch r.URL.Path {
		case "/leak/json":
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(s.leakJSON())
		case "/leak/gzip":
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Encoding", "gzip")
			_, _ = w.Write(gz.Bytes())
		case "/leak/bomb":
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Encoding", "gzip")
			_, _ = w.Write(bomb.Bytes())
		case "/token":
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"access_token":"`+s.jwt+`","debug":"`+s.jwt+`"}`)
		case "/leak/header":
			w.Header().Set("Content-Type", "text/plain")
			w.Header().Set("X-Debug-Key", s.stripe)
			_, _ = io.WriteString(w, "ok")
		case "/leak/text":
			w.Header().Set("Content-Type", "text/plain")
			_, _ = io.WriteString(w, "webhook="+s.slackHook+"\n")
		case "/empty":
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", "0")
			w.WriteHeader(http.StatusOK)
		case "/brotli":
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Encoding", "br")
			_, _ = io.WriteString(w, "\x1b\x00 "+s.github)
		case "/image":
			w.Header().Set("Content-Type", "image/png")
			_, _ = io.WriteString(w, "\x89PNG "+s.github)
		default:
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"orders":[{"id":1,"total":"12.50"}],"trace":"550e8400-e29b-41d4-a716-446655440000"}`)
		}
	}))
	t.Cleanup(u.Close)
	return u
}

func (u *leakyUpstream) count() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.reqs)
}

func (u *leakyUpstream) last() *http.Request {
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.reqs) == 0 {
		return nil
	}
	return u.reqs[len(u.reqs)-1]
}

const gatewayYML = `
_format_version: "3.0"
services:
  - name: leaky
    url: UPSTREAM
    routes:
      - name: redact
        paths: ["/redact"]
        plugins:
          - name: warden-leakguard
            config:
              fingerprint_key: e2e-fingerprint-key
              max_scan_bytes: 1048576
      - name: block
        paths: ["/block"]
        plugins:
          - name: warden-leakguard
            config:
              fingerprint_key: e2e-fingerprint-key
              response: {action: block}
      - name: blockall
        paths: ["/blockall"]
        plugins:
          - name: warden-leakguard
            config:
              fingerprint_key: e2e-fingerprint-key
              unscannable_action: block
              response: {action: block}
      - name: responsesonly
        paths: ["/responsesonly"]
        plugins:
          - name: warden-leakguard
            config:
              fingerprint_key: e2e-fingerprint-key
              request: {enabled: false}
      - name: logonly
        paths: ["/logonly"]
        plugins:
          - name: warden-leakguard
            config:
              request: {action: log_only}
              response: {action: log_only}
      - name: reqredact
        paths: ["/reqredact"]
        plugins:
          - name: warden-leakguard
            config:
              request: {action: redact}
      - name: login
        paths: ["/login"]
        plugins:
          - name: warden-leakguard
            config:
              fingerprint_key: e2e-fingerprint-key
              allow_routes:
                - {path: "^/login/token$", rules: [jwt], pointers: [/access_token]}
      - name: badconf
        paths: ["/badconf"]
        plugins:
          - name: warden-leakguard
            config:
              rules_toml: |
                [[rules]]
                id = "lookahead-rule"
                regex = '''secret(?=[0-9])'''
`

func startGateway(t *testing.T, s secrets, opts ...func(*harness.Options)) (*harness.Gateway, *leakyUpstream, *harnesstest.LogBuffer) {
	t.Helper()
	dir := harnesstest.BuildPlugins(t, "./plugins/"+pluginName)
	up := newLeakyUpstream(t, s)
	logs := &harnesstest.LogBuffer{}
	t.Cleanup(func() {
		if t.Failed() || os.Getenv("LEAKGUARD_E2E_LOGS") != "" {
			t.Logf("gateway and plugin logs:\n%s", logs.String())
		}
	})
	yml := strings.Replace(gatewayYML, "UPSTREAM", up.URL, 1)
	o := harness.Options{Config: []byte(yml), PluginDir: dir, Log: logs}
	for _, f := range opts {
		f(&o)
	}
	g := harnesstest.StartGateway(t, o)
	return g, up, logs
}

type reply struct {
	status int
	header http.Header
	body   []byte
	calls  harness.CallStats
}

func do(t *testing.T, g *harness.Gateway, method, path string, body string, header ...string) reply {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, g.URL()+path, rd)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	// The client asks for gzip itself so Go's transport does not decode.
	if req.Header.Get("Accept-Encoding") == "" {
		req.Header.Set("Accept-Encoding", "identity")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, body: b, calls: g.Calls(resp.Header.Get("X-Kong-Request-Id"))}
}

func TestE2E(t *testing.T) {
	s := newSecrets()
	g, up, logs := startGateway(t, s)

	t.Run("response redaction keeps valid JSON", func(t *testing.T) {
		r := do(t, g, "GET", "/redact/leak/json", "")
		if r.status != 200 {
			t.Fatalf("status %d %s", r.status, r.body)
		}
		var doc map[string]any
		if err := json.Unmarshal(r.body, &doc); err != nil {
			t.Fatalf("redacted body is not JSON: %v\n%s", err, r.body)
		}
		token := doc["config"].(map[string]any)["ci"].(map[string]any)["token"]
		if token != "[REDACTED:github-pat]" {
			t.Errorf("token = %v", token)
		}
		if k := doc["keys"].([]any); k[0] != "[REDACTED:aws-access-key-id]" || k[1] != "not-a-secret" {
			t.Errorf("keys = %v", k)
		}
		if doc["dsn"] != "postgres://app:[REDACTED:database-url-password]@db.internal:5432/orders" {
			t.Errorf("dsn = %v", doc["dsn"])
		}
		if doc["config"].(map[string]any)["note"] != "line1\nline2 \"quoted\" </script>" || doc["owner"] != "alice" {
			t.Errorf("untouched fields changed: %s", r.body)
		}
		if got := r.header.Get("Content-Length"); got != itoa(len(r.body)) {
			t.Errorf("Content-Length %s for %d bytes", got, len(r.body))
		}
		// get_headers, get_raw_body, get_status, exit + audit ids (3).
		if n := r.calls.Total[runner]; n > 12 {
			t.Errorf("%d PDK calls on a redacted response: %v", n, r.calls.ByPlugin[runner])
		}
	})

	t.Run("gzip response is decoded, redacted and sent plain", func(t *testing.T) {
		r := do(t, g, "GET", "/redact/leak/gzip", "", "Accept-Encoding", "gzip")
		if r.status != 200 || r.header.Get("Content-Encoding") != "" {
			t.Fatalf("status %d, Content-Encoding %q", r.status, r.header.Get("Content-Encoding"))
		}
		if !json.Valid(r.body) || !bytes.Contains(r.body, []byte("[REDACTED:github-pat]")) {
			t.Errorf("body %s", r.body)
		}
	})

	t.Run("decompression bomb is refused", func(t *testing.T) {
		r := do(t, g, "GET", "/redact/leak/bomb", "", "Accept-Encoding", "gzip")
		if r.status != 502 {
			t.Errorf("status %d, want 502", r.status)
		}
	})

	t.Run("response header redacted", func(t *testing.T) {
		r := do(t, g, "GET", "/redact/leak/header", "")
		if r.status != 200 || r.header.Get("X-Debug-Key") != "[REDACTED:stripe-secret-key]" || string(r.body) != "ok" {
			t.Errorf("status %d header %q body %q", r.status, r.header.Get("X-Debug-Key"), r.body)
		}
	})

	t.Run("allow_routes: the login route returns its token, nothing else", func(t *testing.T) {
		r := do(t, g, "GET", "/login/token", "")
		var doc map[string]string
		if err := json.Unmarshal(r.body, &doc); r.status != 200 || err != nil {
			t.Fatalf("status %d body %s", r.status, r.body)
		}
		if doc["access_token"] != s.jwt || doc["debug"] != "[REDACTED:jwt]" {
			t.Errorf("body %s", r.body)
		}
		// The allow-list needs the path in the response phase too: one
		// more request-line read than a plain route's one in access.
		if n := r.calls.ByPlugin[runner]["kong.nginx.get_var"]; n != 2 {
			t.Errorf("%d request-line reads: %v", n, r.calls.ByPlugin[runner])
		}
	})

	t.Run("clean response untouched and cheap", func(t *testing.T) {
		r := do(t, g, "GET", "/redact/orders/1", "")
		if r.status != 200 || !bytes.Contains(r.body, []byte(`"total":"12.50"`)) {
			t.Fatalf("status %d body %s", r.status, r.body)
		}
		calls := r.calls.ByPlugin[runner]
		resp := calls["kong.response.get_headers"] + calls["kong.service.response.get_raw_body"] + calls["kong.request.get_path"]
		if resp != 2 {
			t.Errorf("%d PDK calls in the response phase of a clean body, want 2 (headers, body): %v", resp, calls)
		}
		// Access: the request line and the headers; an HTTP/1.1 request
		// without Content-Length or Transfer-Encoding has no body to read
		// (over HTTP/2 it might, and would be read).
		if n := r.calls.Total[runner]; n != 4 {
			t.Errorf("%d PDK calls for a clean GET, want 4: %v", n, calls)
		}
		t.Logf("clean GET: %d PDK calls %v", r.calls.Total[runner], calls)
	})

	t.Run("binary content type is not scanned", func(t *testing.T) {
		r := do(t, g, "GET", "/redact/image", "")
		if r.status != 200 || !bytes.Contains(r.body, []byte(s.github)) {
			t.Errorf("status %d", r.status)
		}
		if r.calls.Count(runner, "kong.service.response.get_raw_body") != 0 {
			t.Errorf("read an out-of-scope body")
		}
	})

	t.Run("headers alone skip an empty or undecodable body", func(t *testing.T) {
		for _, path := range []string{"/redact/empty", "/redact/brotli", "/block/empty"} {
			r := do(t, g, "GET", path, "")
			if r.status != 200 {
				t.Errorf("%s: status %d", path, r.status)
			}
			if n := r.calls.Count(runner, "kong.service.response.get_raw_body"); n != 0 {
				t.Errorf("%s: read the body (%d calls)", path, n)
			}
			t.Logf("%s: %d PDK calls %v", path, r.calls.Total[runner], r.calls.ByPlugin[runner])
		}
		if r := do(t, g, "GET", "/redact/brotli", ""); !bytes.Contains(r.body, []byte(s.github)) {
			t.Errorf("an undecodable body passes unchanged under unscannable_action=pass: %q", r.body)
		}
	})

	t.Run("block answers 502 with a generic body", func(t *testing.T) {
		r := do(t, g, "GET", "/block/leak/text", "")
		if r.status != 502 || bytes.Contains(r.body, []byte("hooks.slack")) {
			t.Errorf("status %d body %s", r.status, r.body)
		}
	})

	t.Run("block drops the upstream's headers, the leaking one included", func(t *testing.T) {
		r := do(t, g, "GET", "/block/leak/header", "")
		if r.status != 502 || r.header.Get("X-Debug-Key") != "" || bytes.Contains(r.body, []byte(s.stripe)) {
			t.Errorf("status %d headers %v", r.status, r.header)
		}
		r = do(t, g, "GET", "/block/leak/gzip", "", "Accept-Encoding", "gzip")
		if r.status != 502 || r.header.Get("Content-Encoding") != "" || r.header.Get("Content-Type") != "application/json; charset=utf-8" {
			t.Errorf("blocked gzip answer: status %d headers %v", r.status, r.header)
		}
	})

	t.Run("a WebSocket upgrade cannot skip response scanning", func(t *testing.T) {
		// Kong proxies it unbuffered and runs no response handler.
		r := do(t, g, "GET", "/blockall/leak/text", "", "Connection", "Upgrade", "Upgrade", "websocket")
		if r.status != 400 || bytes.Contains(r.body, []byte("hooks.slack")) {
			t.Errorf("unscannable_action block: status %d body %s", r.status, r.body)
		}
		r = do(t, g, "GET", "/block/leak/text", "", "Connection", "Upgrade", "Upgrade", "websocket")
		if r.status != 200 || !logs.Await(`"unscanned":"connection_upgrade"`) {
			t.Errorf("unscannable_action pass: status %d, or no audit of the unscanned response", r.status)
		}
	})

	t.Run("request scanning off: the access phase reads the headers only", func(t *testing.T) {
		r := do(t, g, "GET", "/responsesonly/orders", "")
		calls := r.calls.ByPlugin[runner]
		if r.status != 200 || r.calls.Total[runner] != 3 || calls["kong.request.get_headers"] != 1 || calls["kong.request.get_path_with_query"] != 0 {
			t.Errorf("status %d, calls %v, want get_headers in access and 2 in the response phase", r.status, calls)
		}
	})

	t.Run("log_only passes the response and audits", func(t *testing.T) {
		r := do(t, g, "GET", "/logonly/leak/text", "")
		if r.status != 200 || !bytes.Contains(r.body, []byte(s.slackHook)) {
			t.Errorf("status %d", r.status)
		}
	})

	t.Run("token in a query string is blocked", func(t *testing.T) {
		before := up.count()
		r := do(t, g, "GET", "/redact/search?q=x&token="+s.github, "")
		if r.status != 400 || bytes.Contains(r.body, []byte("ghp_")) {
			t.Errorf("status %d body %s", r.status, r.body)
		}
		if up.count() != before {
			t.Errorf("blocked request reached the upstream")
		}
	})

	t.Run("request body redacted before the upstream", func(t *testing.T) {
		r := do(t, g, "POST", "/reqredact/echo", `{"note":"deploy with `+s.stripe+`"}`, "Content-Type", "application/json")
		if r.status != 200 {
			t.Fatalf("status %d", r.status)
		}
		up.mu.Lock()
		got := string(up.body["/echo"])
		up.mu.Unlock()
		if got != `{"note":"deploy with [REDACTED:stripe-secret-key]"}` {
			t.Errorf("upstream got %s", got)
		}
	})

	t.Run("request body without a length header is still scanned", func(t *testing.T) {
		// An unknown-length body goes out chunked; the harness, like an
		// HTTP/2 request in Kong, hands it over with no Content-Length.
		body := io.MultiReader(strings.NewReader(`{"note":"deploy with ` + s.stripe + `"}`))
		req, _ := http.NewRequest("POST", g.URL()+"/reqredact/echo", body)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		up.mu.Lock()
		got := string(up.body["/echo"])
		up.mu.Unlock()
		if got != `{"note":"deploy with [REDACTED:stripe-secret-key]"}` {
			t.Errorf("upstream got %s", got)
		}
	})

	t.Run("own credential header is not scanned", func(t *testing.T) {
		r := do(t, g, "GET", "/redact/orders/1", "", "Authorization", "token "+s.github)
		if r.status != 200 {
			t.Errorf("status %d", r.status)
		}
		r = do(t, g, "GET", "/redact/orders/1", "", "X-Forwarded-Secret", s.github)
		if r.status != 400 {
			t.Errorf("secret in another header: status %d, want 400", r.status)
		}
	})

	t.Run("bad config fails closed", func(t *testing.T) {
		before := up.count()
		r := do(t, g, "GET", "/badconf/orders/1", "")
		if r.status != 500 || up.count() != before {
			t.Errorf("status %d, upstream calls %d", r.status, up.count()-before)
		}
		if !logs.Await("lookahead-rule") {
			t.Errorf("config error does not name the rule")
		}
	})

	g.WaitLogs()
	t.Run("audit events carry findings", func(t *testing.T) {
		for _, want := range []string{`"reason":"secret_redacted"`, `"reason":"secret_blocked"`, `"reason":"secret_detected"`,
			`"reason":"decompression_limit"`, `"pointer":"/config/ci/token"`, `"rule":"github-pat"`, `"location":"request.query"`, `"name":"token"`} {
			if !logs.Await(want) {
				t.Errorf("logs lack %s", want)
			}
		}
	})

	t.Run("no planted secret in any log line", func(t *testing.T) {
		out := logs.String()
		for _, secret := range s.all() {
			// Not the secret, and not any 10-byte piece of it.
			for i := 0; i+10 <= len(secret); i++ {
				piece := secret[i : i+10]
				if public := "https://hooks.slack.com/services/"; strings.HasPrefix(secret, public) && i+10 <= len(public) {
					continue // the webhook's public URL prefix is not secret
				}
				if strings.Contains(out, piece) {
					t.Errorf("log output contains %q, part of a planted secret", piece)
					break
				}
			}
		}
	})
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestDumpGolden(t *testing.T) {
	dir := harnesstest.BuildPlugins(t, "./plugins/"+pluginName)
	out, err := exec.Command(filepath.Join(dir, pluginName), "-dump").Output()
	if err != nil {
		t.Fatal(err)
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, out, "", "  "); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "dump.golden.json")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, pretty.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(want, pretty.Bytes()) {
		t.Errorf("dump differs from %s; run go test ./plugins/%s -update", golden, pluginName)
	}
}

package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/warden-gw/warden/kong/harness"
	"github.com/warden-gw/warden/kong/harness/harnesstest"
)

// cardToken stands for a secret the upstream must never send back.
const cardToken = "tok_4242SECRETCARD"

// orderAPI is an upstream that answers what the client asks for in
// X-Reply, so each case picks the response under test.
func orderAPI(t *testing.T) (string, *atomic.Int64) {
	t.Helper()
	order := `{"id":"o-1","status":"open","currency":"EUR","items":[{"sku":"A-1","quantity":2}]}`
	replies := map[string]struct {
		status int
		ctype  string
		body   string
		gzip   bool
	}{
		"valid":        {201, "application/json", order, false},
		"leaks-token":  {201, "application/json", strings.Replace(order, `"id"`, `"card_token":"`+cardToken+`","id"`, 1), false},
		"bad-gzip":     {201, "application/json", strings.Replace(order, `"open"`, `"lost"`, 1), true},
		"valid-gzip":   {201, "application/json", order, true},
		"server-error": {500, "text/plain", "database down", false},
		"html-problem": {400, "text/html", "<h1>bad</h1>", false},
	}
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		rep, ok := replies[r.Header.Get("X-Reply")]
		if !ok {
			http.Error(w, "unknown X-Reply", 500)
			return
		}
		body := []byte(rep.body)
		if rep.gzip {
			var buf bytes.Buffer
			zw := gzip.NewWriter(&buf)
			zw.Write(body)
			zw.Close()
			body = buf.Bytes()
			w.Header().Set("Content-Encoding", "gzip")
		}
		w.Header().Set("Content-Type", rep.ctype)
		w.Header().Set("Set-Cookie", "session=upstream-session")
		w.WriteHeader(rep.status)
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, &hits
}

// startOrders runs warden-validator with the orders OpenAPI document on
// three routes: /v1 validates responses in block mode, /shadow in
// log_only mode, /plain not at all (its instance shares the process).
func startOrders(t *testing.T, args []string, logs *harnesstest.LogBuffer, opts ...func(*harness.Options)) (*harness.Gateway, *atomic.Int64) {
	t.Helper()
	dir := harnesstest.BuildPlugins(t, "./plugins/warden-validator")
	spec, err := filepath.Abs("../../pkg/validator/testdata/orders-openapi-3.0.yaml")
	if err != nil {
		t.Fatal(err)
	}
	url, hits := orderAPI(t)
	conf := func(base, mode string, enabled bool) string {
		b, _ := json.Marshal(map[string]any{"openapi_file": spec, "base_path": base,
			"response_validation": map[string]any{"enabled": enabled, "mode": mode}})
		return string(b)
	}
	route := func(name, base, config string) string {
		return `
      - name: ` + name + `
        paths: ["` + base + `"]
        strip_path: false
        plugins:
          - name: warden-validator
            config: ` + config
	}
	yml := `
_format_version: "3.0"
services:
  - name: orders
    url: ` + url + `
    routes:` + route("v1", "/v1", conf("/v1", "block", true)) + route("shadow", "/shadow", conf("/shadow", "log_only", true)) +
		route("plain", "/plain", conf("/plain", "block", false)) + "\n"
	o := harness.Options{Config: []byte(yml), PluginDir: dir, Log: logs,
		ServerArgs: map[string][]string{"warden-validator": args}}
	for _, f := range opts {
		f(&o)
	}
	g := harnesstest.StartGateway(t, o)
	return g, hits
}

// phaseOff is the server arguments that leave the response phase
// undeclared: none for warden-validator, which declares it only with
// -response-phase; -response-phase=false for warden-suite, which declares
// it unless told not to. The tests below of a missing phase run in both
// shapes with these.
func phaseOff() []string {
	if harnesstest.Suite() {
		return []string{"-response-phase=false"}
	}
	return nil
}

// postOrder posts a valid order; the upstream answers as replyWith says.
// Extra headers come as name, value pairs.
func postOrder(t *testing.T, g *harness.Gateway, path, replyWith string, header ...string) reply {
	t.Helper()
	req, _ := http.NewRequest("POST", g.URL()+path, strings.NewReader(`{"currency":"EUR","items":[{"sku":"A-1","quantity":2}]}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept-Encoding", "gzip") // so the gzip answers reach the client as sent
	req.Header.Set("X-Reply", replyWith)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	return reply{resp.StatusCode, resp.Header, b.String(), g.Calls(resp.Header.Get("X-Kong-Request-Id"))}
}

func TestE2EResponseValidation(t *testing.T) {
	logs := &harnesstest.LogBuffer{}
	logs.LogOnFailure(t)
	g, hits := startOrders(t, []string{"-response-phase"}, logs)
	for _, p := range g.Plugins() {
		if !slices.Equal(p.Phases, []string{"access", "response"}) {
			t.Fatalf("with -response-phase the dump declares %v", p.Phases)
		}
	}

	r := postOrder(t, g, "/v1/orders", "valid")
	if r.status != 201 || !strings.Contains(r.body, `"id":"o-1"`) {
		t.Fatalf("valid response: %d %s", r.status, r.body)
	}
	// Access: the request line, headers, body. Response: the request
	// line, status, headers, body.
	calls := r.calls.ByPlugin[runner]
	if n := r.calls.Total[runner]; n > 7 || calls["kong.service.response.get_raw_body"] != 1 || calls["kong.service.response.get_status"] != 1 {
		t.Errorf("a validated response cost %d PDK calls in all, want at most 7 (3 access + 4 response): %v", n, calls)
	}
	t.Logf("PDK calls, valid POST with its response validated: %d %v", r.calls.Total[runner], calls)

	r = postOrder(t, g, "/v1/orders", "leaks-token")
	if r.status != 502 || r.header.Get("Content-Type") != "application/problem+json" || strings.Contains(r.body, cardToken) || strings.Contains(r.body, "o-1") {
		t.Fatalf("response echoing a writeOnly card token: %d %s %s", r.status, r.header.Get("Content-Type"), r.body)
	}
	if !logs.Await(`"locations":["response/body/card_token"]`) {
		t.Error("no audit event locating the violation")
	}
	if logs.Count(cardToken) != 0 {
		t.Error("the card token reached the logs")
	}

	// A blocked answer replaces the upstream's headers too: a gzip
	// Content-Encoding on the plain problem body would make it unreadable,
	// and the upstream's cookies must not ride along.
	r = postOrder(t, g, "/v1/orders", "bad-gzip")
	var problem map[string]any
	if r.status != 502 || r.header.Get("Content-Encoding") != "" || r.header.Get("Set-Cookie") != "" || json.Unmarshal([]byte(r.body), &problem) != nil {
		t.Errorf("gzip response with a bad enum: %d %v %q", r.status, r.header, r.body)
	}
	if r = postOrder(t, g, "/v1/orders", "valid-gzip"); r.status != 201 || r.header.Get("Content-Encoding") != "gzip" || r.header.Get("Set-Cookie") == "" {
		t.Errorf("valid gzip response: %d %q", r.status, r.header.Get("Content-Encoding"))
	}
	if r = postOrder(t, g, "/v1/orders", "html-problem"); r.status != 502 {
		t.Errorf("a 400 answered in text/html where the 4XX response is problem+json: %d", r.status)
	}
	// 500 falls to default, which documents no content: passed as is,
	// after reading only method, target and status.
	r = postOrder(t, g, "/v1/orders", "server-error")
	if r.status != 500 || r.body != "database down" || r.calls.Count(runner, "kong.response.get_headers") != 0 {
		t.Errorf("500 with no documented content: %d %q %v", r.status, r.body, r.calls.ByPlugin[runner])
	}

	// log_only: the invalid response is delivered and audited as a shadow deny.
	r = postOrder(t, g, "/shadow/orders", "leaks-token")
	if r.status != 201 {
		t.Errorf("log_only: %d %s", r.status, r.body)
	}
	if !logs.Await(`"decision":"shadow_deny"`) {
		t.Error("log_only: no shadow_deny audit event")
	}
	// A valid request is a decision too: audited (and counted) as an
	// allow naming its operation, at no PDK cost.
	if !logs.Await(`"decision":"allow","reason":"valid"`) || !strings.Contains(logs.String(), `"operation":"POST /orders"`) {
		t.Error("no allow audit event for a valid request")
	}

	// An instance without response validation in the same process reads
	// nothing in the response phase, though Kong still sends the event.
	r = postOrder(t, g, "/plain/orders", "leaks-token")
	if r.status != 201 || r.calls.Events[runner] != 2 || r.calls.Count(runner, "kong.service.response.get_status") != 0 || r.calls.Count(runner, "kong.nginx.get_var") != 1 {
		t.Errorf("response validation off: %d, %d events, calls %v", r.status, r.calls.Events[runner], r.calls.ByPlugin[runner])
	}
	if hits.Load() != 8 {
		t.Errorf("upstream saw %d requests, want 8 (every response is checked after the upstream answered)", hits.Load())
	}
}

// TestE2EResponseValidationNeedsFlag: without -response-phase the binary
// declares only access, so Kong does not buffer responses, and an
// instance that asks for response validation fails closed, naming the
// field, instead of silently checking nothing.
func TestE2EResponseValidationNeedsFlag(t *testing.T) {
	logs := &harnesstest.LogBuffer{}
	logs.LogOnFailure(t)
	g, hits := startOrders(t, phaseOff(), logs)
	for _, p := range g.Plugins() {
		if !slices.Equal(p.Phases, []string{"access"}) {
			t.Fatalf("without -response-phase the dump declares %v", p.Phases)
		}
	}
	r := postOrder(t, g, "/v1/orders", "valid")
	if r.status != 500 || hits.Load() != 0 {
		t.Fatalf("response validation without the phase: %d %s, upstream saw %d", r.status, r.body, hits.Load())
	}
	if !logs.Await(harnesstest.Field("warden-validator", "response_validation.enabled") + ": needs the response phase") {
		t.Error("the error does not name response_validation.enabled")
	}
	r = postOrder(t, g, "/plain/orders", "valid")
	if r.status != 201 || r.calls.Events[runner] != 1 {
		t.Errorf("instance without response validation: %d, %d events", r.status, r.calls.Events[runner])
	}
}

// TestE2EUpgradeCannotSkipResponseValidation: Kong proxies a request
// asking for a WebSocket upgrade unbuffered and never runs response
// handlers for it, so such a request on an operation whose responses are
// validated is refused in block mode, and audited in log_only mode.
func TestE2EUpgradeCannotSkipResponseValidation(t *testing.T) {
	logs := &harnesstest.LogBuffer{}
	logs.LogOnFailure(t)
	g, hits := startOrders(t, []string{"-response-phase"}, logs)
	upgrade := func(path string) reply {
		t.Helper()
		return postOrder(t, g, path, "leaks-token", "Connection", "Upgrade", "Upgrade", "WebSocket")
	}
	if r := upgrade("/v1/orders"); r.status != 400 || strings.Contains(r.body, cardToken) || hits.Load() != 0 {
		t.Fatalf("upgrade on a validated operation, block: %d %s, upstream saw %d", r.status, r.body, hits.Load())
	}
	if r := upgrade("/shadow/orders"); r.status != 201 || hits.Load() != 1 {
		t.Fatalf("upgrade, log_only: %d %s", r.status, r.body)
	}
	if !logs.Await(`"reason":"upgrade_not_allowed"`) {
		t.Error("no audit event for the unvalidated response")
	}
}

// TestE2EResponsePhaseMissingFromQueryCommand: with -response-phase in
// the start command only, the instance compiles but Kong, which learned
// the phases from the dump, sends no response event. The plugin says so,
// once: after 100 proxied requests that should have had one over a
// minute, or at once after 1000 (the case run here).
func TestE2EResponsePhaseMissingFromQueryCommand(t *testing.T) {
	logs := &harnesstest.LogBuffer{}
	logs.LogOnFailure(t)
	g, _ := startOrders(t, []string{"-response-phase"}, logs, func(o *harness.Options) {
		o.QueryArgs = map[string][]string{"warden-validator": phaseOff()}
	})
	const warning = "Kong sent no response event for 1000 proxied requests"
	for i := range 1010 {
		if r := postOrder(t, g, "/v1/orders", "leaks-token"); r.status != 201 {
			t.Fatalf("request %d: %d %s", i, r.status, r.body)
		}
		if i == 998 {
			g.WaitLogs()
			if logs.Count("Kong sent no response event") != 0 {
				t.Fatal("warned before 1000 requests within a minute")
			}
		}
	}
	if !logs.Await(warning) {
		t.Fatal("no warning about the missing response phase")
	}
	g.WaitLogs()
	if n := logs.Count("Kong sent no response event"); n != 1 {
		t.Errorf("warned %d times, want once", n)
	}
}

// TestE2EResponsePhaseMissingFromStartCommand: the reverse mistake, the
// flag in the query command only. Kong sends response events, which the
// server answers (without it, go-pdk would close the connection and Kong
// would retry without end), saying once what is wrong; an instance that
// asks for response validation fails closed.
func TestE2EResponsePhaseMissingFromStartCommand(t *testing.T) {
	logs := &harnesstest.LogBuffer{}
	logs.LogOnFailure(t)
	g, hits := startOrders(t, phaseOff(), logs, func(o *harness.Options) {
		o.QueryArgs = map[string][]string{"warden-validator": {"-response-phase"}}
	})
	for range 3 {
		if r := postOrder(t, g, "/plain/orders", "valid"); r.status != 201 || r.calls.Events[runner] != 2 {
			t.Fatalf("instance without response validation: %d %s, %d events", r.status, r.body, r.calls.Events[runner])
		}
	}
	const warning = "Kong sends response events, but this process does not declare the response phase"
	if !logs.Await(warning) {
		t.Fatal("no warning")
	}
	if r := postOrder(t, g, "/v1/orders", "valid"); r.status != 500 || hits.Load() != 3 {
		t.Errorf("instance with response validation: %d, upstream saw %d", r.status, hits.Load())
	}
	g.WaitLogs()
	if n := logs.Count(warning); n != 1 {
		t.Errorf("warned %d times, want once", n)
	}
}

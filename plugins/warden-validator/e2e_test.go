package main

import (
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/warden-gw/warden/kong/harness"
	"github.com/warden-gw/warden/kong/harness/harnesstest"
)

var update = flag.Bool("update", false, "rewrite golden files")

// runner is the plugin that runs warden-validator's policy in this run's
// shape (itself, or warden-suite): its PDK calls and events are counted
// under that name.
var runner = harnesstest.Runner("warden-validator")

const orderSchema = `{"type":"object","required":["currency","items"],"properties":{"currency":{"type":"string","enum":["EUR","GBP"]},"items":{"type":"array","minItems":1,"items":{"type":"object","required":["sku","quantity"],"properties":{"sku":{"type":"string"},"quantity":{"type":"integer","minimum":1}}}}}}`

func start(t *testing.T, pluginConfig string) (*harness.Gateway, *harnesstest.EchoUpstream) {
	t.Helper()
	dir := harnesstest.BuildPlugins(t, "./plugins/warden-validator")
	up := harnesstest.NewEchoUpstream(t)
	yml := `
_format_version: "3.0"
services:
  - name: orders
    url: ` + up.URL + `
    routes:
      - name: orders
        paths: ["/orders"]
        strip_path: false
        plugins:
          - name: warden-validator
            config: ` + pluginConfig + "\n"
	return harnesstest.StartGateway(t, harness.Options{Config: []byte(yml), PluginDir: dir}), up
}

type reply struct {
	status int
	header http.Header
	body   string
	calls  harness.CallStats
}

func do(t *testing.T, g *harness.Gateway, method, path, ctype, body string) reply {
	t.Helper()
	req, _ := http.NewRequest(method, g.URL()+path, strings.NewReader(body))
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{resp.StatusCode, resp.Header, string(b), g.Calls(resp.Header.Get("X-Kong-Request-Id"))}
}

func TestE2E(t *testing.T) {
	cfg, _ := json.Marshal(map[string]any{
		"unknown_operation": "405",
		"operations": []any{
			map[string]any{"method": "POST", "path": "/orders", "body_schema": orderSchema, "body_required": true},
			map[string]any{"method": "GET", "path": "/orders/{id}", "parameters": []any{
				map[string]any{"name": "id", "in": "path", "schema": `{"type":"integer","minimum":1}`}}},
		},
	})
	g, up := start(t, string(cfg))
	valid := `{"currency":"EUR","items":[{"sku":"A-1","quantity":2}]}`

	r := do(t, g, "POST", "/orders", "application/json; charset=utf-8", valid)
	if r.status != 200 || up.Count() != 1 {
		t.Fatalf("valid order: %d %s (upstream saw %d)", r.status, r.body, up.Count())
	}
	if n := r.calls.Total[runner]; n > 4 {
		t.Errorf("valid order cost %d PDK calls, want at most 4: %v", n, r.calls.ByPlugin[runner])
	}
	t.Logf("PDK calls, valid POST: %d %v", r.calls.Total[runner], r.calls.ByPlugin[runner])

	r = do(t, g, "POST", "/orders", "application/json", `{"currency":"EUR","items":[{"sku":"A-1","quantity":0}]}`)
	if r.status != 400 || r.header.Get("Content-Type") != "application/problem+json" || !strings.Contains(r.body, `"location":"body/items/0/quantity"`) || up.Count() != 1 {
		t.Fatalf("invalid order: %d %s %s", r.status, r.header.Get("Content-Type"), r.body)
	}
	r = do(t, g, "POST", "/orders", "text/plain", valid)
	if r.status != 415 || up.Count() != 1 {
		t.Fatalf("text/plain: %d %s", r.status, r.body)
	}
	r = do(t, g, "GET", "/orders/7", "", "")
	if r.status != 200 || up.Count() != 2 {
		t.Fatalf("GET /orders/7: %d %s", r.status, r.body)
	}
	t.Logf("PDK calls, valid GET: %d %v", r.calls.Total[runner], r.calls.ByPlugin[runner])
	r = do(t, g, "DELETE", "/orders/7", "", "")
	if r.status != 405 || r.header.Get("Allow") != "GET" || up.Count() != 2 {
		t.Fatalf("DELETE: %d %s allow %q", r.status, r.body, r.header.Get("Allow"))
	}
}

func TestE2EBadConfigFailsClosed(t *testing.T) {
	g, up := start(t, `{"operations":[{"method":"POST","path":"/orders","body_schema":"{\"$ref\":\"http://127.0.0.1:1/x.json\"}"}]}`)
	r := do(t, g, "POST", "/orders", "application/json", `{}`)
	if r.status != 500 || up.Count() != 0 {
		t.Fatalf("bad config: %d %s, upstream saw %d", r.status, r.body, up.Count())
	}
}

func TestDumpGolden(t *testing.T) {
	dir := harnesstest.BuildPlugins(t, "./plugins/warden-validator")
	harnesstest.DumpGolden(t, dir, "warden-validator", filepath.Join("testdata", "dump.golden.json"), *update)
}

// TestE2EBodyWithoutContentLength: a body sent without Content-Length (as
// an HTTP/2 client may; here chunked, which Go's server, like nginx's
// HTTP/2 module, leaves out of the request headers) is still validated,
// not proxied unchecked.
func TestE2EBodyWithoutContentLength(t *testing.T) {
	cfg, _ := json.Marshal(map[string]any{
		"operations": []any{
			map[string]any{"method": "POST", "path": "/orders", "body_schema": orderSchema},
		},
	})
	g, up := start(t, string(cfg))
	post := func(body string) reply {
		t.Helper()
		// An io.Reader that is not a *strings.Reader: unknown length, so
		// the client sends no Content-Length.
		req, _ := http.NewRequest("POST", g.URL()+"/orders", io.MultiReader(strings.NewReader(body)))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return reply{resp.StatusCode, resp.Header, string(b), g.Calls(resp.Header.Get("X-Kong-Request-Id"))}
	}
	if r := post(`{"currency":"EUR","items":[{"sku":"A-1","quantity":0}]}`); r.status != 400 || up.Count() != 0 {
		t.Fatalf("invalid body without Content-Length: %d %s (upstream saw %d)", r.status, r.body, up.Count())
	}
	if r := post(`{"currency":"EUR","items":[{"sku":"A-1","quantity":2}]}`); r.status != 200 || up.Count() != 1 {
		t.Fatalf("valid body without Content-Length: %d %s (upstream saw %d)", r.status, r.body, up.Count())
	}
}

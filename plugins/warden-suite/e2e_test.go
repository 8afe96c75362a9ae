package main

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/warden-gw/warden/kong/harness"
	"github.com/warden-gw/warden/kong/harness/harnesstest"
	"github.com/warden-gw/warden/pkg/leakguard/leaktest"
)

var update = flag.Bool("update", false, "rewrite golden files")

// aliceKey and its SHA-256 (the demo key of examples/demo.env).
const (
	aliceKey    = "alice-demo-key"
	aliceKeySHA = "0572c17ed012b3efdf9df98db1718f225887132739b8da945d81ac5a7d1fea45"
)

// kongYML: /api runs four policies in one warden-suite entity; /shared
// runs warden-suite's auth alone, sharing the identity with a
// stand-alone warden-authz after it, and /private the same without
// sharing; /broken has a policy config warden-suite refuses.
const kongYML = `
_format_version: "3.0"
services:
- name: api
  url: UPSTREAM
  routes:
  - name: api
    paths: ["/api"]
    strip_path: false
    plugins:
    - name: warden-suite
      config:
        auth: {api_keys: {keys: [{name: alice, sha256: "KEYSHA", subject: alice, roles: [reader]}]}}
        authz: {rules: [{name: readers, methods: [GET], paths: ["/api/**"], roles: {any_of: [reader]}}]}
        ratelimit: {policy: local, limits: [{window: minute, limit: 100}]}
        leakguard: {fingerprint_key: k}
  - name: shared
    paths: ["/shared"]
    strip_path: false
    plugins:
    - name: warden-suite
      config:
        auth: {api_keys: {keys: [{name: alice, sha256: "KEYSHA", subject: alice, roles: [reader]}]}}
        share_identity: true
    - name: warden-authz
      config: {rules: [{name: readers, paths: ["/shared/**"], roles: {any_of: [reader]}}]}
  - name: private
    paths: ["/private"]
    strip_path: false
    plugins:
    - name: warden-suite
      config:
        auth: {api_keys: {keys: [{name: alice, sha256: "KEYSHA", subject: alice, roles: [reader]}]}}
    - name: warden-authz
      config: {rules: [{name: readers, paths: ["/private/**"], roles: {any_of: [reader]}}]}
  - name: broken
    paths: ["/broken"]
    strip_path: false
    plugins:
    - name: warden-suite
      config:
        ratelimit: {policy: local, limits: [{window: minute, limit: 10}], limit_by: [header]}
`

func start(t *testing.T, args map[string][]string) (*harness.Gateway, *harnesstest.EchoUpstream, *harnesstest.LogBuffer) {
	t.Helper()
	if harnesstest.Suite() {
		t.Skip("warden-suite's own tests run in the plugins shape only")
	}
	dir := harnesstest.BuildPlugins(t, "./plugins/warden-suite", "./plugins/warden-authz")
	up := harnesstest.NewEchoUpstream(t)
	logs := &harnesstest.LogBuffer{}
	cfg := strings.NewReplacer("UPSTREAM", up.URL, "KEYSHA", aliceKeySHA).Replace(kongYML)
	g := harnesstest.StartGateway(t, harness.Options{Config: []byte(cfg), PluginDir: dir, Log: logs, ServerArgs: args})
	logs.LogOnFailure(t)
	return g, up, logs
}

func get(t *testing.T, g *harness.Gateway, path, key string) *http.Response {
	t.Helper()
	req, err := http.NewRequest("GET", g.URL()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("apikey", key)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res
}

// TestSuiteE2E: the policies of one entity decide in one event, hand the
// identity on in process, answer with each other's headers, and audit
// under their own plugin names.
func TestSuiteE2E(t *testing.T) {
	metricsAddr := harnesstest.FreeAddr(t)
	g, up, logs := start(t, map[string][]string{"warden-suite": {"-metrics-addr=" + metricsAddr}})

	t.Run("allowed: one event, credential stripped, rate-limit headers", func(t *testing.T) {
		res := get(t, g, "/api/items/1", aliceKey)
		if res.StatusCode != 200 || res.Header.Get("RateLimit-Limit") == "" {
			t.Fatalf("status %d, RateLimit-Limit %q", res.StatusCode, res.Header.Get("RateLimit-Limit"))
		}
		last, _ := up.Last()
		if last.Header.Get("apikey") != "" {
			t.Error("the API key reached the upstream")
		}
		g.WaitLogs()
		calls := g.Calls(res.Header.Get("X-Kong-Request-Id"))
		if calls.Events["warden-suite"] != 2 || len(calls.Events) != 1 {
			t.Errorf("events %v, want warden-suite's access and response only", calls.Events)
		}
		for _, plugin := range []string{"warden-auth", "warden-authz"} {
			if !logs.Await(`"plugin":"` + plugin + `","via":"warden-suite","decision":"allow"`) {
				t.Errorf("no allow audit event from %s via warden-suite", plugin)
			}
		}
	})

	t.Run("a later policy's refusal carries the earlier ones' headers", func(t *testing.T) {
		token := leaktest.NewGen(1).Checksummed("ghp_")
		before := up.Count()
		res := get(t, g, "/api/items/1?debug="+token, aliceKey)
		if res.StatusCode != 400 || up.Count() != before {
			t.Fatalf("a GitHub token in the query: %d, proxied %v", res.StatusCode, up.Count() != before)
		}
		if res.Header.Get("RateLimit-Remaining") == "" {
			t.Error("warden-ratelimit's headers are missing from warden-leakguard's refusal")
		}
		if !logs.Await(`"plugin":"warden-leakguard","via":"warden-suite","decision":"deny"`) || logs.Count(token) != 0 {
			t.Error("no deny event from warden-leakguard, or the token in the logs")
		}
	})

	t.Run("refused at auth: nothing after it runs", func(t *testing.T) {
		res := get(t, g, "/api/items/1", "wrong-key")
		if res.StatusCode != 401 || res.Header.Get("RateLimit-Limit") != "" {
			t.Errorf("status %d, RateLimit-Limit %q", res.StatusCode, res.Header.Get("RateLimit-Limit"))
		}
	})

	t.Run("share_identity hands the identity to a stand-alone plugin", func(t *testing.T) {
		if res := get(t, g, "/shared/x", aliceKey); res.StatusCode != 200 {
			t.Errorf("shared: %d, want 200 (warden-authz saw alice's roles)", res.StatusCode)
		}
		// Without it, warden-authz finds no Warden identity and no Kong
		// consumer (the key maps to none): a refusal.
		if res := get(t, g, "/private/x", aliceKey); res.StatusCode != 401 && res.StatusCode != 403 {
			t.Errorf("not shared: %d, want a refusal", res.StatusCode)
		}
	})

	t.Run("a refused policy config fails closed, naming the field from the top", func(t *testing.T) {
		res := get(t, g, "/broken/x", "")
		if res.StatusCode != 500 {
			t.Errorf("status %d, want 500", res.StatusCode)
		}
		if !logs.Await("ratelimit.header_name") {
			t.Error("the error log does not name ratelimit.header_name")
		}
	})

	t.Run("metrics carry each policy's name", func(t *testing.T) {
		res, err := http.Get("http://" + metricsAddr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		for _, want := range []string{`plugin="warden-auth",reason="authenticated"`, `plugin="warden-leakguard"`, `plugin="warden-suite"`} {
			if !strings.Contains(string(b), want) {
				t.Errorf("metrics lack %s", want)
			}
		}
	})
}

// TestResponsePhaseOff: started with -response-phase=false, warden-suite
// declares no response phase, and an instance scanning responses
// (leakguard's default) is refused, saying what to change.
func TestResponsePhaseOff(t *testing.T) {
	g, _, logs := start(t, map[string][]string{"warden-suite": {"-response-phase=false"}})
	for _, p := range g.Plugins() {
		if p.Name == "warden-suite" && strings.Contains(fmt.Sprint(p.Phases), "response") {
			t.Errorf("phases %v with -response-phase=false", p.Phases)
		}
	}
	if res := get(t, g, "/api/items/1", aliceKey); res.StatusCode != 500 {
		t.Errorf("status %d, want 500", res.StatusCode)
	}
	if !logs.Await("leakguard.response.enabled") || !logs.Await("remove -response-phase=false") {
		t.Error("the error log does not name leakguard.response.enabled and the fix")
	}
}

func TestDumpGolden(t *testing.T) {
	if harnesstest.Suite() {
		t.Skip("plugins shape only")
	}
	dir := harnesstest.BuildPlugins(t, "./plugins/warden-suite")
	harnesstest.DumpGolden(t, dir, "warden-suite", filepath.Join("testdata", "dump.golden.json"), *update)
}

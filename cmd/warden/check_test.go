package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// demoEnv returns the demo secrets kong/kong.yml references, as
// examples/demo.env gives them to make run, make check and make demo, so
// the tests follow the files as they change.
func demoEnv(t *testing.T) map[string]string {
	t.Helper()
	env := map[string]string{}
	for _, line := range strings.Split(string(readFile(t, "../../examples/demo.env")), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if name, val, ok := strings.Cut(line, "="); ok {
			env[name] = val
		}
	}
	if len(env) == 0 {
		t.Fatal("no demo secrets in examples/demo.env")
	}
	return env
}

func lookup(env map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := env[name]
		return v, ok
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCheckExampleConfig(t *testing.T) {
	t.Parallel()
	data := readFile(t, "../../kong/kong.yml")
	r := check(data, checkOptions{LookupEnv: lookup(demoEnv(t))})
	if len(r.Errors) > 0 || len(r.Notes) > 0 {
		t.Fatalf("kong/kong.yml: errors %q, notes %q", r.Errors, r.Notes)
	}
	if want := strings.Count(string(data), "- name: warden-"); r.Checked != want {
		t.Errorf("checked %d plugin configs, want %d", r.Checked, want)
	}
	// Without -env the references stay unresolved: notes, no errors.
	r = check(data, checkOptions{})
	if len(r.Errors) > 0 {
		t.Fatalf("unresolved: errors %q", r.Errors)
	}
	if want := strings.Count(string(data), `"{vault://env/`); len(r.Notes) != want {
		t.Errorf("unresolved: notes %q, want one per reference (%d)", r.Notes, want)
	}
	for _, n := range r.Notes {
		if !strings.Contains(n, "left unresolved") {
			t.Errorf("unresolved: note %q", n)
		}
	}
}

func TestCheckBroken(t *testing.T) {
	t.Parallel()
	data := readFile(t, "testdata/broken.yml")
	tests := []struct {
		name   string
		env    map[string]string
		errors []string
		notes  []string
	}{
		{
			name: "env",
			env:  map[string]string{},
			errors: []string{
				"consumers[alice].plugins[warden-ratelimit].config.limits[1].window: expected one of: second, minute, hour, day",
				"services[orders].routes[orders].plugins[warden-validator].config.max_body: unknown field",
				"services[orders].plugins[warden-auth].config.api_keys.keys[1].sha256: vault reference {vault://env/ALICE_SHA} cannot be resolved: environment variable not set",
				"services[orders].plugins[warden-auth].config.api_keys.keys[2].sha256: must be 64 hex digits",
				"services[orders].plugins[warden-authz].config.rules[3].paths[1]: must start with /",
				"services[2].plugins[warden-leakguard].config.request.action: expected one of: block, redact, log_only",
				"plugins[warden-validator].config.operations[1].body_schema: compiling schema: type: Must validate at least one schema (anyOf); type: type must be one of",
			},
			notes: []string{
				"services[2].plugins[key-auth]: key-auth is not a Warden plugin; not checked",
			},
		},
		{
			name: "unresolved",
			errors: []string{
				"consumers[alice].plugins[warden-ratelimit].config.limits[1].window: expected one of: second, minute, hour, day",
				"services[orders].routes[orders].plugins[warden-validator].config.max_body: unknown field",
				"services[orders].plugins[warden-auth].config.api_keys.keys[2].sha256: must be 64 hex digits",
				"services[orders].plugins[warden-authz].config.rules[3].paths[1]: must start with /",
				"services[2].plugins[warden-leakguard].config.request.action: expected one of: block, redact, log_only",
				"plugins[warden-validator].config.operations[1].body_schema: compiling schema: type: Must validate at least one schema (anyOf); type: type must be one of",
			},
			notes: []string{
				"services[orders].plugins[warden-auth].config.api_keys.keys[1].sha256: vault reference {vault://env/ALICE_SHA} left unresolved; checks on this field skipped (use -env to resolve it)",
				"services[2].plugins[key-auth]: key-auth is not a Warden plugin; not checked",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := checkOptions{}
			if tt.env != nil {
				o.LookupEnv = lookup(tt.env)
			}
			r := check(data, o)
			assertLines(t, "errors", r.Errors, tt.errors)
			assertLines(t, "notes", r.Notes, tt.notes)
		})
	}
}

// assertLines wants every line of want to be a prefix of one line of got,
// and no other line.
func assertLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	left := slices.Clone(got)
	for _, w := range want {
		i := slices.IndexFunc(left, func(g string) bool { return strings.HasPrefix(g, w) })
		if i < 0 {
			t.Errorf("%s: missing %q", what, w)
			continue
		}
		left = slices.Delete(left, i, i+1)
	}
	for _, g := range left {
		t.Errorf("%s: unexpected %q", what, g)
	}
	if t.Failed() {
		t.Logf("%s:\n%s", what, strings.Join(got, "\n"))
	}
}

// TestCheckStaysOffline checks a config whose issuer uses OIDC discovery
// against a local listener that records any hit: compiling for a check must
// not fetch keys.
func TestCheckStaysOffline(t *testing.T) {
	var hits atomic.Int32
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer idp.Close()
	yml := filepath.Join(t.TempDir(), "kong.yml")
	cfg := `_format_version: "3.0"
plugins:
  - name: warden-auth
    config: {issuers: [{issuer: "` + idp.URL + `", discovery: true, algorithms: [RS256]}], http: {allow_http: true}}
`
	if err := os.WriteFile(yml, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if code := run([]string{"check", yml}, &out, &out); code != 0 {
		t.Fatalf("exit %d: %s", code, out.String())
	}
	time.Sleep(200 * time.Millisecond) // a background fetch would have landed by now
	if n := hits.Load(); n != 0 {
		t.Fatalf("the check fetched from the issuer %d times", n)
	}
}

// TestExamplesPass keeps the shipped example configs valid.
func TestExamplesPass(t *testing.T) {
	for _, f := range []string{"../../kong/kong.yml", "../../examples/deck/warden.yaml"} {
		var out bytes.Buffer
		if code := run([]string{"check", f}, &out, &out); code != 0 {
			t.Errorf("%s: exit %d\n%s", f, code, out.String())
		}
	}
}

// TestCheckResponseValidationNote: a config that turns response
// validation on checks clean, with a note on the process flag it needs.
func TestCheckResponseValidationNote(t *testing.T) {
	t.Parallel()
	data := []byte(`
_format_version: "3.0"
services:
  - name: orders
    url: http://127.0.0.1:9
    routes:
      - name: orders
        paths: ["/orders"]
        plugins:
          - name: warden-validator
            config:
              response_validation: {enabled: true, mode: block}
              operations:
                - method: GET
                  path: /orders/{id}
                  responses: [{status: "200", body_schema: '{"type":"object"}'}]
`)
	r := check(data, checkOptions{})
	if len(r.Errors) > 0 || len(r.Notes) != 1 || !strings.Contains(r.Notes[0], "routes[orders].plugins[warden-validator]: response_validation needs warden-validator started with -response-phase") {
		t.Fatalf("errors %q, notes %q", r.Errors, r.Notes)
	}
}

// TestCheckAssertionHeaderScanned: a leakguard that would scan
// warden-auth's identity assertion (a JWT every later plugin sees) is
// noted; the default skip list covers the default header.
func TestCheckAssertionHeaderScanned(t *testing.T) {
	t.Parallel()
	conf := func(authHeader, leakRequest string) []byte {
		return []byte(`
_format_version: "3.0"
services:
  - name: orders
    url: http://127.0.0.1:9
    routes:
      - name: orders
        paths: ["/orders"]
    plugins:
      - name: warden-auth
        config:
          api_keys: {keys: [{name: k, subject: k, sha256: "` + strings.Repeat("ab", 32) + `"}]}
          assertion: {private_key: "{vault://env/WARDEN_ASSERTION_KEY}", audience: orders` + authHeader + `}
      - name: warden-leakguard
        config: {fingerprint_key: k` + leakRequest + `}
`)
	}
	for _, tc := range []struct {
		name, authHeader, leakRequest string
		notes                         int
	}{
		{"defaults", "", "", 0},
		{"renamed header", ", header: x-id-assertion", "", 1},
		{"renamed and skipped", ", header: x-id-assertion", ", request: {skip_headers: [authorization, x-id-assertion]}", 0},
		{"custom skip list without it", "", ", request: {skip_headers: [authorization]}", 1},
		{"request headers not scanned", ", header: x-id-assertion", ", request: {headers: false}", 0},
	} {
		r := check(conf(tc.authHeader, tc.leakRequest), checkOptions{})
		var notes []string
		for _, n := range r.Notes {
			if strings.Contains(n, "identity assertion") {
				notes = append(notes, n)
			}
		}
		if len(r.Errors) > 0 || len(notes) != tc.notes {
			t.Errorf("%s: errors %q, notes %q, want %d", tc.name, r.Errors, notes, tc.notes)
		}
	}
}

// TestCheckPluginNotEnabled: Kong refuses a plugin entity whose plugin
// kong.conf does not enable (kong/db/schema/entities/plugins.lua); so does
// warden check, unless -enabled names it. Bundled plugins are known.
func TestCheckPluginNotEnabled(t *testing.T) {
	t.Parallel()
	data := []byte(`_format_version: "3.0"
services:
- name: s
  url: http://x:80
  plugins:
  - name: warden-authx
    config: {}
  - name: cors
  - name: my-lua-plugin
`)
	r := check(data, checkOptions{})
	want := []string{
		"services[s].plugins[warden-authx]: plugin 'warden-authx' not enabled; add it to the 'plugins' configuration property",
		"services[s].plugins[my-lua-plugin]: plugin 'my-lua-plugin' not enabled; add it to the 'plugins' configuration property",
	}
	if !equalStrings(r.Errors, want) {
		t.Errorf("errors %q, want %q", r.Errors, want)
	}
	r = check(data, checkOptions{Enabled: []string{"my-lua-plugin"}})
	if !equalStrings(r.Errors, want[:1]) {
		t.Errorf("with -enabled my-lua-plugin: errors %q, want %q", r.Errors, want[:1])
	}
}

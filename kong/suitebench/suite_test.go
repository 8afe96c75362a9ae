// Package suitebench measures what a Kong operator pays for Warden as a
// whole: one route with the five plugins, one with warden-suite running
// the same five policies, and the same route with none, through the
// Kong-protocol harness with the real plugin binaries, as socket round
// trips (events + PDK calls) and end-to-end latency.
package suitebench

import (
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/warden-gw/warden/kong/harness"
	"github.com/warden-gw/warden/kong/harness/harnesstest"
)

// aliceKey and its SHA-256, as warden-auth's api_keys take it (the demo
// key of examples/demo.env).
const (
	aliceKey    = "alice-demo-key"
	aliceKeySHA = "0572c17ed012b3efdf9df98db1718f225887132739b8da945d81ac5a7d1fea45"
)

// policies are the five policies as an operator would configure them
// for a small API (API key, one authz rule, one validated path parameter,
// a local rate limit, leakguard defaults), in YAML flow form by plugin.
func policies(keySHA string, responses bool) map[string]string {
	leak := "{}"
	if !responses {
		leak = "{response: {enabled: false}}"
	}
	return map[string]string{
		"warden-auth":      fmt.Sprintf(`{api_keys: {keys: [{name: alice, sha256: %q, subject: alice, roles: [reader]}]}}`, keySHA),
		"warden-authz":     `{rules: [{name: readers, methods: [GET, POST], paths: ["/**"], roles: {any_of: [reader]}}]}`,
		"warden-validator": `{operations: [{method: GET, path: "/{shape}/items/{id}", parameters: [{name: shape, in: path, schema: '{"type":"string"}'}, {name: id, in: path, schema: '{"type":"integer"}'}]}, {method: POST, path: "/{shape}/items", parameters: [{name: shape, in: path, schema: '{"type":"string"}'}], body_schema: '{"type":"object","required":["name"],"properties":{"name":{"type":"string"}}}'}]}`,
		"warden-ratelimit": `{policy: local, limits: [{window: second, limit: 1000000}]}`,
		"warden-leakguard": leak,
	}
}

// order is the five plugins in Kong's order (priority, highest first).
var order = []string{"warden-auth", "warden-validator", "warden-authz", "warden-ratelimit", "warden-leakguard"}

var keys = map[string]string{"warden-auth": "auth", "warden-validator": "validator", "warden-authz": "authz", "warden-ratelimit": "ratelimit", "warden-leakguard": "leakguard"}

// suiteConfig: /all runs the five plugins, /suite one warden-suite entity
// with the same five policies, /none nothing; each configured on its
// route, as an operator scopes policies to an API's routes. With
// responses false, leakguard scans requests only.
func suiteConfig(upstream, keySHA string, responses bool) string {
	ps := policies(keySHA, responses)
	var all, suite strings.Builder
	for _, name := range order {
		fmt.Fprintf(&all, "    - {name: %s, config: %s}\n", name, ps[name])
		fmt.Fprintf(&suite, "        %s: %s\n", keys[name], ps[name])
	}
	return fmt.Sprintf(`_format_version: "3.0"
services:
- name: all
  url: %[1]s
  routes:
  - name: all
    paths: ["/all"]
    strip_path: false
    plugins:
%[2]s- name: suite
  url: %[1]s
  routes:
  - name: suite
    paths: ["/suite"]
    strip_path: false
    plugins:
    - name: warden-suite
      config:
%[3]s- name: none
  url: %[1]s
  routes: [{name: none, paths: ["/none"], strip_path: false}]
`, upstream, all.String(), suite.String())
}

// variant is how the plugin servers run: scanning responses (leakguard's
// default: warden-leakguard and warden-suite declare the response phase)
// or requests only (both started with -response-phase=false, leakguard's
// response scanning off).
type variant struct {
	name      string
	responses bool
}

var variants = []variant{{"requests only", false}, {"scanning responses", true}}

func start(tb testing.TB, v variant) (*harness.Gateway, *harnesstest.EchoUpstream) {
	tb.Helper()
	dir := harnesstest.BuildPlugins(tb, "./plugins/...")
	up := harnesstest.NewEchoUpstream(tb)
	opts := harness.Options{
		Config:    []byte(suiteConfig(up.URL, aliceKeySHA, v.responses)),
		PluginDir: dir, Log: io.Discard, LogLevel: "notice",
	}
	if !v.responses {
		off := []string{"-response-phase=false"}
		opts.ServerArgs = map[string][]string{"warden-leakguard": off, "warden-suite": off}
	}
	g := harnesstest.StartGateway(tb, opts)
	return g, up
}

type shot struct {
	status int
	rid    string
	took   time.Duration
}

func send(tb testing.TB, c *http.Client, method, url, key, body string) shot {
	tb.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	if key != "" {
		req.Header.Set("apikey", key)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	t0 := time.Now()
	res, err := c.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return shot{status: res.StatusCode, rid: res.Header.Get("X-Kong-Request-Id"), took: time.Since(t0)}
}

// request is one kind of request the suite is measured with.
type request struct {
	name, method, path, key, body string
	status                        int
}

var requests = []request{
	{"allowed GET", "GET", "/items/42", aliceKey, "", 200},
	{"allowed POST, validated 1 KB JSON body", "POST", "/items", aliceKey, `{"name":"` + strings.Repeat("x", 1000) + `"}`, 200},
	{"refused: bad API key", "GET", "/items/42", "wrong-key", "", 401},
	{"refused: invalid path parameter", "GET", "/items/abc", aliceKey, "", 400},
}

// goals are the round-trip goals of issue #17 for warden-suite with all
// five policies, scanning requests only, by request kind. (The goal for
// the five stand-alone plugins, 16, is reported by make bench, not held
// here: they need 18, see docs/benchmarks.md.)
var goals = map[string]map[string]int{
	"suite": {"allowed GET": 6, "refused: bad API key": 4, "allowed POST, validated 1 KB JSON body": 8},
}

// TestSuiteRoundTrips: the requests the benchmark measures do what they
// should through the five plugins and through warden-suite alike, and
// what each costs in round trips (events + PDK calls, per plugin) is
// printed; warden-suite scanning requests only meets the goals. The
// route without plugins costs none.
func TestSuiteRoundTrips(t *testing.T) {
	for _, v := range variants {
		g, up := start(t, v)
		c := &http.Client{}
		// A refusal of each shape first: a route-scoped instance reads its
		// route's service once for audit events, then remembers it.
		send(t, c, "GET", g.URL()+"/all/items/42", "wrong-key", "")
		send(t, c, "GET", g.URL()+"/suite/items/42", "wrong-key", "")
		for _, shape := range []string{"all", "suite", "none"} {
			for _, tc := range requests {
				if shape == "none" && tc.status != 200 {
					continue
				}
				want := tc.status
				if shape == "none" {
					want = 200
				}
				before := up.Count()
				s := send(t, c, tc.method, g.URL()+"/"+shape+tc.path, tc.key, tc.body)
				if s.status != want {
					t.Errorf("%s, %s, %s: %d, want %d", v.name, shape, tc.name, s.status, want)
					continue
				}
				if proxied := up.Count() > before; proxied != (want == 200) {
					t.Errorf("%s, %s, %s: proxied=%v", v.name, shape, tc.name, proxied)
				}
				g.WaitLogs()
				calls := g.Calls(s.rid)
				var per []string
				for _, p := range slices.Sorted(maps.Keys(calls.Events)) {
					per = append(per, fmt.Sprintf("%s %d+%d", strings.TrimPrefix(p, "warden-"), calls.Total[p], calls.Events[p]))
				}
				t.Logf("%-18s %-6s %-40s %2d round trips (PDK calls + events: %s)", v.name, shape, tc.name, calls.RoundTrips(), strings.Join(per, ", "))
				switch {
				case shape == "none" && calls.RoundTrips() != 0:
					t.Errorf("a route without plugins cost %d round trips", calls.RoundTrips())
				case shape == "all" && tc.status == 200 && len(calls.Events) != 5:
					t.Errorf("%s: events from %d plugins, want all five", tc.name, len(calls.Events))
				}
				if max, ok := goals[shape][tc.name]; ok && !v.responses && calls.RoundTrips() > max {
					t.Errorf("%s, %s, %s: %d round trips, goal ≤ %d", v.name, shape, tc.name, calls.RoundTrips(), max)
				}
			}
		}
	}
}

// BenchmarkSuite sends, interleaved, one allowed GET through the five
// plugins, one through warden-suite with the same policies and one
// through the route with none, on two gateways (scanning requests only,
// and scanning responses too), and reports each one's p50 and p99 and
// the round trips per allowed and refused request. The order inside a
// round rotates so no route always runs on a warm connection.
func BenchmarkSuite(b *testing.B) {
	type target struct {
		metric string
		url    string
		g      *harness.Gateway
		took   []time.Duration
	}
	var ts []*target
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	for _, v := range variants {
		g, _ := start(b, v)
		suffix := ""
		if v.responses {
			suffix = "-resp"
		}
		for _, shape := range []string{"all", "suite", "none"} {
			if shape == "none" && v.responses {
				continue
			}
			ts = append(ts, &target{metric: shape + suffix, url: g.URL() + "/" + shape, g: g})
		}
	}
	for i := 0; i < 50; i++ { // warm paths, instances and connections
		for _, t := range ts {
			send(b, c, "GET", t.url+"/items/42", aliceKey, "")
			send(b, c, "GET", t.url+"/items/42", "wrong-key", "")
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j := range ts {
			t := ts[(i+j)%len(ts)]
			t.took = append(t.took, send(b, c, "GET", t.url+"/items/42", aliceKey, "").took)
		}
	}
	b.StopTimer()
	for _, t := range ts {
		b.ReportMetric(quantile(t.took, 0.50), t.metric+"-p50-µs")
		b.ReportMetric(quantile(t.took, 0.99), t.metric+"-p99-µs")
		if strings.HasPrefix(t.metric, "none") {
			continue
		}
		ok := send(b, c, "GET", t.url+"/items/42", aliceKey, "")
		refused := send(b, c, "GET", t.url+"/items/42", "wrong-key", "")
		post := send(b, c, "POST", t.url+"/items", aliceKey, `{"name":"`+strings.Repeat("x", 1000)+`"}`)
		t.g.WaitLogs()
		b.ReportMetric(float64(t.g.Calls(ok.rid).RoundTrips()), t.metric+"-allowed-roundtrips")
		b.ReportMetric(float64(t.g.Calls(refused.rid).RoundTrips()), t.metric+"-refused-roundtrips")
		b.ReportMetric(float64(t.g.Calls(post.rid).RoundTrips()), t.metric+"-post-roundtrips")
	}
}

// quantile is the q-quantile of ds in microseconds (nearest rank).
func quantile(ds []time.Duration, q float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(q*float64(len(s))+0.5) - 1
	i = max(0, min(i, len(s)-1))
	return float64(s[i].Microseconds())
}

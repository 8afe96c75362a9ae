// Package suitebench measures what a Kong operator pays for Warden as a
// whole: one route with all five plugins against the same route with none,
// through the Kong-protocol harness with the real plugin binaries, as socket
// round trips (events + PDK calls) and end-to-end latency.
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

// suiteConfig: /all runs the five plugins, each configured as an operator
// would for a small API (API key, one authz rule, one validated path
// parameter, a local rate limit, leakguard defaults); /none runs nothing.
func suiteConfig(upstream, keySHA string) string {
	return fmt.Sprintf(`_format_version: "3.0"
services:
- name: all
  url: %[1]s
  routes: [{name: all, paths: ["/all"], strip_path: false}]
  plugins:
  - name: warden-auth
    config:
      api_keys: {keys: [{name: alice, sha256: %[2]q, subject: alice, roles: [reader]}]}
  - name: warden-authz
    config:
      rules: [{name: readers, methods: [GET, POST], paths: ["/all/**"], roles: {any_of: [reader]}}]
  - name: warden-validator
    config:
      operations:
      - {method: GET, path: "/all/items/{id}", parameters: [{name: id, in: path, schema: '{"type":"integer"}'}]}
      - {method: POST, path: "/all/items", body_schema: '{"type":"object","required":["name"],"properties":{"name":{"type":"string"}}}'}
  - name: warden-ratelimit
    config: {policy: local, limits: [{window: second, limit: 1000000}]}
  - name: warden-leakguard
    config: {}
- name: none
  url: %[1]s
  routes: [{name: none, paths: ["/none"], strip_path: false}]
`, upstream, keySHA)
}

func start(tb testing.TB) (*harness.Gateway, *harnesstest.EchoUpstream) {
	tb.Helper()
	dir := harnesstest.BuildPlugins(tb, "./plugins/...")
	up := harnesstest.NewEchoUpstream(tb)
	g := harnesstest.StartGateway(tb, harness.Options{
		Config:    []byte(suiteConfig(up.URL, aliceKeySHA)),
		PluginDir: dir, Log: io.Discard, LogLevel: "notice",
	})
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

// TestSuiteRoundTrips: the requests the benchmark measures do what they
// should, and what each costs in round trips (events + PDK calls, per
// plugin) is printed. The route without plugins costs none.
func TestSuiteRoundTrips(t *testing.T) {
	g, up := start(t)
	c := &http.Client{}
	cases := []struct {
		name, method, path, key, body string
		status                        int
	}{
		{"allowed GET", "GET", "/all/items/42", aliceKey, "", 200},
		{"allowed POST, validated 1 KB JSON body", "POST", "/all/items", aliceKey, `{"name":"` + strings.Repeat("x", 1000) + `"}`, 200},
		{"refused: bad API key", "GET", "/all/items/42", "wrong-key", "", 401},
		{"refused: invalid path parameter", "GET", "/all/items/abc", aliceKey, "", 400},
		{"no plugins", "GET", "/none/items/42", "", "", 200},
	}
	for _, tc := range cases {
		before := up.Count()
		s := send(t, c, tc.method, g.URL()+tc.path, tc.key, tc.body)
		if s.status != tc.status {
			t.Errorf("%s: %d, want %d", tc.name, s.status, tc.status)
			continue
		}
		if proxied := up.Count() > before; proxied != (tc.status == 200) {
			t.Errorf("%s: proxied=%v", tc.name, proxied)
		}
		g.WaitLogs()
		calls := g.Calls(s.rid)
		var per []string
		for _, p := range slices.Sorted(maps.Keys(calls.Events)) {
			per = append(per, fmt.Sprintf("%s %d+%d", strings.TrimPrefix(p, "warden-"), calls.Total[p], calls.Events[p]))
		}
		t.Logf("%-40s %2d round trips (PDK calls + events: %s)", tc.name, calls.RoundTrips(), strings.Join(per, ", "))
		if tc.path == "/none/items/42" && calls.RoundTrips() != 0 {
			t.Errorf("a route without plugins cost %d round trips", calls.RoundTrips())
		}
		if tc.status == 200 && tc.path != "/none/items/42" && len(calls.Events) != 5 {
			t.Errorf("%s: events from %d plugins, want all five", tc.name, len(calls.Events))
		}
	}
}

// BenchmarkSuite sends, interleaved, one allowed GET through the five
// plugins and one through the route with none, and reports each one's
// p50 and p99 and the five plugins' round trips per allowed and refused
// request. The order inside a pair alternates so neither side always runs
// on a warm connection.
func BenchmarkSuite(b *testing.B) {
	g, _ := start(b)
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	all, none := g.URL()+"/all/items/42", g.URL()+"/none/items/42"
	for i := 0; i < 50; i++ { // warm both paths, instances and connections
		send(b, c, "GET", all, aliceKey, "")
		send(b, c, "GET", none, "", "")
	}
	var tAll, tNone []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%2 == 0 {
			tAll = append(tAll, send(b, c, "GET", all, aliceKey, "").took)
			tNone = append(tNone, send(b, c, "GET", none, "", "").took)
		} else {
			tNone = append(tNone, send(b, c, "GET", none, "", "").took)
			tAll = append(tAll, send(b, c, "GET", all, aliceKey, "").took)
		}
	}
	b.StopTimer()
	ok := send(b, c, "GET", all, aliceKey, "")
	refused := send(b, c, "GET", all, "wrong-key", "")
	g.WaitLogs()
	b.ReportMetric(quantile(tAll, 0.50), "all-p50-µs")
	b.ReportMetric(quantile(tAll, 0.99), "all-p99-µs")
	b.ReportMetric(quantile(tNone, 0.50), "none-p50-µs")
	b.ReportMetric(quantile(tNone, 0.99), "none-p99-µs")
	b.ReportMetric(float64(g.Calls(ok.rid).RoundTrips()), "allowed-roundtrips")
	b.ReportMetric(float64(g.Calls(refused.rid).RoundTrips()), "refused-roundtrips")
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

package pluginkit_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/warden-gw/warden/kong/harness"
	"github.com/warden-gw/warden/kong/harness/harnesstest"
)

const benchYML = `
_format_version: "3.0"
services:
  - name: svc
    url: UPSTREAM
    routes:
      - name: none
        paths: ["/none"]
      - name: gopdk
        paths: ["/gopdk"]
        plugins:
          - name: gopdk-baseline
      - name: pluginkit
        paths: ["/pluginkit"]
        plugins:
          - name: warden-test-reader
            config: {identity: false}
`

// BenchmarkRuntimeOverhead measures one access event through the harness
// for a pluginkit plugin and for a minimal plain go-pdk plugin, each making
// one PDK call, in the same run. Requests to the three routes are
// interleaved so drift hits all alike; a route without plugins gives the
// proxy's own cost, which is subtracted. The ratio is the runtime's
// overhead (goal: at most 1.2).
func BenchmarkRuntimeOverhead(b *testing.B) {
	dir := harnesstest.BuildPlugins(b, testPlugins)
	up := harnesstest.NewEchoUpstream(b)
	g := harnesstest.StartGateway(b, harness.Options{
		Config: []byte(strings.ReplaceAll(benchYML, "UPSTREAM", up.URL)), PluginDir: dir, Log: io.Discard,
	})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	get := func(path string) time.Duration {
		start := time.Now()
		resp, err := client.Get(g.URL() + path)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("%s: %d", path, resp.StatusCode)
		}
		return time.Since(start)
	}
	for _, p := range []string{"/none", "/gopdk", "/pluginkit"} {
		for i := 0; i < 50; i++ { // warm connections and instances
			get(p)
		}
	}
	var none, base, kit time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		none += get("/none")
		base += get("/gopdk")
		kit += get("/pluginkit")
	}
	b.StopTimer()
	n := time.Duration(b.N)
	baseEvent, kitEvent := (base-none)/n, (kit-none)/n
	b.ReportMetric(float64(none/n), "proxy-ns/req")
	b.ReportMetric(float64(baseEvent), "gopdk-ns/event")
	b.ReportMetric(float64(kitEvent), "pluginkit-ns/event")
	if baseEvent > 0 {
		b.ReportMetric(float64(kitEvent)/float64(baseEvent), "overhead-ratio")
	}
	for _, c := range []struct{ path, plugin, unit string }{
		{"/gopdk", "gopdk-baseline", "gopdk-pdk-calls/req"},
		{"/pluginkit", "warden-test-reader", "pluginkit-pdk-calls/req"},
	} {
		resp, err := client.Get(g.URL() + c.path)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		g.WaitLogs()
		b.ReportMetric(float64(g.Calls(resp.Header.Get("X-Kong-Request-Id")).Total[c.plugin]), c.unit)
	}
}

package stage

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/warden-gw/warden/pkg/config"
	"github.com/warden-gw/warden/pkg/leakguard"
	"github.com/warden-gw/warden/pkg/leakguard/leaktest"
	"github.com/warden-gw/warden/pkg/pluginkit"
)

// scrape returns the process registry's exposition lines for the
// findings counter.
func scrape(t *testing.T) []string {
	t.Helper()
	rec := httptest.NewRecorder()
	pluginkit.Metrics().Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	var out []string
	for line := range strings.Lines(rec.Body.String()) {
		if strings.HasPrefix(line, findingsMetric+"{") {
			out = append(out, strings.TrimSpace(line))
		}
	}
	return out
}

// value finds the sample with all the given label pairs.
func value(lines []string, labels ...string) string {
	for _, l := range lines {
		ok := true
		for _, lb := range labels {
			ok = ok && strings.Contains(l, lb)
		}
		if ok {
			return l[strings.LastIndexByte(l, ' ')+1:]
		}
	}
	return ""
}

// TestFindingsMetric counts findings by rule, direction and action across
// two instances sharing the counter, and never exposes a value.
func TestFindingsMetric(t *testing.T) {
	declares = func(string) bool { return true }
	t.Cleanup(func() { declares = pluginkit.Declares })
	newH := func(doc string) *LeakGuard {
		cfg, err := config.Load[leakguard.Config]([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		h, err := NewLeakGuard(cfg, pluginkit.Metrics())
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	a := newH(`{"fingerprint_key":"k"}`)
	b := newH(`{"fingerprint_key":"k","request":{"action":"log_only"}}`)
	if a.findings != b.findings {
		t.Fatal("instances do not share the findings counter")
	}
	g := leaktest.NewGen(7)
	s := struct{ github, dbPassword string }{g.Checksummed("ghp_"), g.S(leaktest.Alnum, 18)}
	text := map[string][]string{"Content-Type": {"text/plain"}}
	body := []byte(strings.Repeat("key "+s.github+"\n", 3) + "dsn postgres://app:" + s.dbPassword + "@db/app\n")
	countFindings(a.findings, "response", a.g.InspectResponse(leakguard.Response{Headers: text, Body: body}))
	countFindings(b.findings, "response", b.g.InspectResponse(leakguard.Response{Headers: text, Body: body}))
	countFindings(a.findings, "request", a.g.InspectRequest(leakguard.Request{Path: "/", RawQuery: "t=" + s.github}))
	countFindings(b.findings, "request", b.g.InspectRequest(leakguard.Request{Path: "/", RawQuery: "t=" + s.github}))
	countFindings(a.findings, "response", a.g.InspectResponse(leakguard.Response{Headers: text, Body: []byte("clean")}))

	lines := scrape(t)
	for _, tc := range []struct {
		rule, direction, action, want string
	}{
		{"github-pat", "response", "redact", "6"},
		{"database-url-password", "response", "redact", "2"},
		{"github-pat", "request", "block", "1"},
		{"github-pat", "request", "log_only", "1"},
	} {
		got := value(lines, `rule="`+tc.rule+`"`, `direction="`+tc.direction+`"`, `action="`+tc.action+`"`)
		if got != tc.want {
			t.Errorf("%s %s %s = %q, want %s; exposition:\n%s", tc.rule, tc.direction, tc.action, got, tc.want, strings.Join(lines, "\n"))
		}
	}
	if len(lines) != 4 {
		t.Errorf("%d series, want 4:\n%s", len(lines), strings.Join(lines, "\n"))
	}
	all := strings.Join(lines, "\n")
	for _, secret := range []string{s.github, s.dbPassword} {
		if strings.Contains(all, secret) || strings.Contains(all, secret[:12]) {
			t.Error("a secret, or part of one, is in the metrics")
		}
	}
}

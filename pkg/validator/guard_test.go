package validator

import (
	"os"
	"strings"
	"testing"
)

func corpus(t *testing.T, file string) []string {
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

// TestGuardRates measures the injection guard on the corpora in testdata:
// the false positive rate on benign values, the detection rate on attacks.
func TestGuardRates(t *testing.T) {
	t.Parallel()
	benign, bad := corpus(t, "testdata/benign.txt"), corpus(t, "testdata/malicious.txt")
	fp := 0
	for _, s := range benign {
		if c := guardMatch(s); c != "" {
			fp++
			t.Logf("false positive (%s): %q", c, s)
		}
	}
	missed := 0
	for _, s := range bad {
		if guardMatch(s) == "" {
			missed++
			t.Errorf("missed: %q", s)
		}
	}
	t.Logf("false positives %d/%d (%.1f%%), detected %d/%d", fp, len(benign), 100*float64(fp)/float64(len(benign)), len(bad)-missed, len(bad))
	if fp*100 > len(benign)*2 {
		t.Errorf("false positive rate %d/%d is above 2%%", fp, len(benign))
	}
}

func TestGuardInRequests(t *testing.T) {
	t.Parallel()
	v := mustNew(t, ordersConfig(t, func(c *Config) { c.InjectionGuard.Enabled = true }))
	body := strings.Replace(orderJSON, "Please leave", "<script>alert(1)</script>", 1)
	d, _ := v.Check(post("/orders", "application/json", body), bodyOf(body))
	if d.Status != 400 || d.Violations[0].Location != "body/notes" || d.Violations[0].Code != CodeInjection {
		t.Fatalf("body: %+v", d)
	}
	d, _ = v.Check(&Request{Method: "GET", PathWithQuery: "/orders?q=1%27%20OR%201%3D1--", Headers: map[string][]string{}}, nil)
	if d.Status != 400 || d.Violations[0].Location != "query/q" {
		t.Fatalf("query: %+v", d)
	}
	d, _ = v.Check(post("/orders", "application/json", orderJSON), bodyOf(orderJSON))
	if !d.Valid() {
		t.Fatalf("benign order: %+v", d)
	}
	// A suspect name is reported without being echoed.
	d, _ = v.Check(&Request{Method: "GET", PathWithQuery: "/orders?%3Cscript%3E=1", Headers: map[string][]string{}}, nil)
	if d.Status != 400 || d.Violations[0].Location != "query/*" {
		t.Fatalf("query name: %+v", d)
	}
	body = strings.Replace(orderJSON, `"notes"`, `"<script>alert(1)</script>"`, 1)
	d, _ = v.Check(post("/orders", "application/json", body), bodyOf(body))
	for _, vi := range d.Violations {
		if strings.Contains(vi.Location, "script") {
			t.Errorf("a suspect member name is echoed: %+v", vi)
		}
	}
	if d.Status != 400 {
		t.Fatalf("member name: %+v", d)
	}
}

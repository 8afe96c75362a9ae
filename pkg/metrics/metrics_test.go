package metrics_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/warden-gw/warden/pkg/metrics"
)

func TestServeExposesDecisionsAndPhases(t *testing.T) {
	t.Parallel()
	r := metrics.New("warden-test")
	r.Decision("deny", "token_expired")
	r.Decision("deny", "token_expired")
	r.Phase("access", 300*time.Microsecond)
	r.Panic("access")
	addr, err := r.Serve("127.0.0.1:0", t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + addr.String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	body := string(b)
	for _, want := range []string{
		`warden_decisions_total{decision="deny",plugin="warden-test",reason="token_expired"} 2`,
		`warden_phase_duration_seconds_bucket{phase="access",plugin="warden-test",le="0.0005"} 1`,
		`warden_phase_duration_seconds_bucket{phase="access",plugin="warden-test",le="0.00025"} 0`,
		`warden_panics_total{phase="access",plugin="warden-test"} 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestCounterVecIsSharedAcrossInstances(t *testing.T) {
	t.Parallel()
	r := metrics.New("warden-x")
	a := r.CounterVec("warden_fallbacks_total", "Fallback decisions.", "source")
	b := r.CounterVec("warden_fallbacks_total", "Fallback decisions.", "source")
	a.WithLabelValues("redis").Inc()
	b.WithLabelValues("redis").Inc()
	if a != b {
		t.Fatal("a second instance must get the same counter")
	}
	rec := httptestGet(t, r)
	if !strings.Contains(rec, `warden_fallbacks_total{plugin="warden-x",source="redis"} 2`) {
		t.Fatalf("counter missing:\n%s", rec)
	}
}

func httptestGet(t *testing.T, r *metrics.Registry) string {
	t.Helper()
	rec := httptest.NewRecorder()
	r.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	return rec.Body.String()
}

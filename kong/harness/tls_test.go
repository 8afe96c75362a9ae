package harness_test

import (
	"crypto/tls"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/warden-gw/warden/kong/harness"
	"github.com/warden-gw/warden/kong/harness/harnesstest"
)

// TestHTTPSOnlyRoute checks kong/runloop/handler.lua's protocol rule on
// both listeners: an https-only route answers 426 over plain HTTP and
// proxies over TLS, telling the upstream the original scheme.
func TestHTTPSOnlyRoute(t *testing.T) {
	up := harnesstest.NewEchoUpstream(t)
	cfg := `
_format_version: "3.0"
services:
  - name: s
    url: ` + up.URL + `
    routes:
      - {name: secure, paths: ["/secure"], protocols: [https]}
      - {name: both, paths: ["/both"]}
`
	g := harnesstest.StartGateway(t, harness.Options{Config: []byte(cfg), ListenTLS: "127.0.0.1:0"})
	if !strings.HasPrefix(g.TLSURL(), "https://127.0.0.1:") {
		t.Fatalf("TLS URL %q", g.TLSURL())
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	get := func(url string) (*http.Response, string) {
		t.Helper()
		resp, err := client.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}

	resp, body := get(g.URL() + "/secure")
	if resp.StatusCode != 426 || !strings.Contains(body, "Please use HTTPS protocol") || resp.Header.Get("Upgrade") != "TLS/1.2, HTTP/1.1" {
		t.Fatalf("plain http to an https-only route: %d %q %v", resp.StatusCode, body, resp.Header)
	}
	if up.Count() != 0 {
		t.Fatal("the refused request reached the upstream")
	}
	for _, path := range []string{"/secure", "/both"} {
		resp, _ = get(g.TLSURL() + path)
		last, _ := up.Last()
		if resp.StatusCode != 200 || last.Header.Get("X-Forwarded-Proto") != "https" {
			t.Fatalf("https %s: %d, upstream saw X-Forwarded-Proto %q", path, resp.StatusCode, last.Header.Get("X-Forwarded-Proto"))
		}
	}
	if resp, _ = get(g.URL() + "/both"); resp.StatusCode != 200 {
		t.Fatalf("plain http to an http+https route: %d", resp.StatusCode)
	}
	if last, _ := up.Last(); last.Header.Get("X-Forwarded-Proto") != "http" {
		t.Fatalf("X-Forwarded-Proto %q over plain http", last.Header.Get("X-Forwarded-Proto"))
	}
}

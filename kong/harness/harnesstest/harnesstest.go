// Package harnesstest holds helpers for tests that drive plugins through the harness.
package harnesstest

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/warden-gw/warden/kong/harness"
)

var (
	buildMu    sync.Mutex
	buildCache = map[string]string{}
)

// BuildPlugins builds the given main packages (patterns as for go build, run
// from the module root) into one directory, once per test process per
// package list, and returns the directory. With harness.CoverDirEnv set
// (make cover) it builds them with -cover (coverBuild), so that the
// harness's plugin servers write their coverage to that directory.
func BuildPlugins(t testing.TB, pkgs ...string) string {
	t.Helper()
	if Suite() && slices.ContainsFunc(pkgs, func(p string) bool { return strings.Contains(p, "plugins/warden-") }) && !slices.Contains(pkgs, "./plugins/warden-suite") && !slices.Contains(pkgs, "./plugins/...") {
		pkgs = append(slices.Clone(pkgs), "./plugins/warden-suite")
	}
	key := strings.Join(pkgs, "\x00")
	buildMu.Lock()
	defer buildMu.Unlock()
	if dir, ok := buildCache[key]; ok {
		return dir
	}
	root, err := moduleRoot()
	if err != nil {
		t.Fatalf("finding module root: %v", err)
	}
	dir, err := os.MkdirTemp("", "harness-plugins")
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"build", "-o", dir + string(filepath.Separator)}
	cmd := exec.Command("go")
	if os.Getenv(harness.CoverDirEnv) != "" {
		cover, env, done, err := coverBuild(root, pkgs)
		if err != nil {
			t.Fatalf("preparing a -cover build: %v", err)
		}
		defer done()
		args = append(args, cover...)
		cmd.Env = append(os.Environ(), env...)
	}
	args = append(args, pkgs...)
	cmd.Args = append(cmd.Args, args...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	buildCache[key] = dir
	return dir
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", err
	}
	return filepath.Dir(strings.TrimSpace(string(out))), nil
}

// StartGateway starts a harness gateway and stops it when the test ends.
func StartGateway(t testing.TB, opts harness.Options) *harness.Gateway {
	t.Helper()
	if opts.Log == nil {
		opts.Log = &testWriter{t: t}
	}
	if Suite() {
		if err := toSuiteShape(&opts); err != nil {
			t.Fatal(err)
		}
	}
	if opts.LogLevel == "" {
		// Tests read plugin servers' own output (audit lines), which Kong
		// logs at info: as Kong with log_level = info. A test of what an
		// operator sees by default sets "notice".
		opts.LogLevel = "info"
	}
	g, err := harness.Start(context.Background(), opts)
	if err != nil {
		t.Fatalf("starting gateway: %v", err)
	}
	t.Cleanup(func() { _ = g.Close() })
	return g
}

// toSuiteShape rewrites opts for the warden-suite shape.
func toSuiteShape(opts *harness.Options) error {
	doc := opts.Config
	if opts.ConfigPath != "" {
		b, err := os.ReadFile(opts.ConfigPath)
		if err != nil {
			return err
		}
		doc, opts.ConfigPath = b, ""
	}
	merged, err := SuiteConfig(doc)
	if err != nil {
		return err
	}
	opts.Config = merged
	opts.ServerArgs = suiteArgs(opts.ServerArgs)
	opts.QueryArgs = suiteArgs(opts.QueryArgs)
	return nil
}

type testWriter struct {
	t  testing.TB
	mu sync.Mutex
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// Request is what the echo upstream last received.
type Request struct {
	Method, Path, RawQuery, Host string
	// RequestURI is the request target exactly as it arrived.
	RequestURI string
	Header     http.Header
	Body       []byte
}

// EchoUpstream is a real HTTP server recording requests and echoing the body.
type EchoUpstream struct {
	URL  string
	mu   sync.Mutex
	reqs []Request
}

// NewEchoUpstream starts an upstream that answers 200 with the request body
// (Content-Type text/plain) and an X-Upstream header; it stops with the test.
func NewEchoUpstream(t testing.TB) *EchoUpstream {
	t.Helper()
	e := &EchoUpstream{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<20))
		e.mu.Lock()
		e.reqs = append(e.reqs, Request{Method: r.Method, Path: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery, Host: r.Host, RequestURI: r.RequestURI, Header: r.Header.Clone(), Body: body})
		e.mu.Unlock()
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("X-Upstream", "echo")
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	e.URL = srv.URL
	return e
}

// Last returns the last request received, and false if none.
func (e *EchoUpstream) Last() (Request, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.reqs) == 0 {
		return Request{}, false
	}
	return e.reqs[len(e.reqs)-1], true
}

// Count is the number of requests received.
func (e *EchoUpstream) Count() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.reqs)
}

// FreeAddr returns a loopback address nothing listens on, for a server a
// test starts (a metrics endpoint, a child process's listener).
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

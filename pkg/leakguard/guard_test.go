package leakguard

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/warden-gw/warden/pkg/config"
	"github.com/warden-gw/warden/pkg/httpbody"
)

func newGuard(t testing.TB, mutate func(*Config)) *Guard {
	t.Helper()
	cfg, err := config.Load[Config]([]byte(`{"fingerprint_key":"k"}`))
	if err != nil {
		t.Fatal(err)
	}
	if mutate != nil {
		mutate(cfg)
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
	}
	g, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	_, _ = w.Write(b)
	_ = w.Close()
	return buf.Bytes()
}

func jsonHeaders(extra ...string) map[string][]string {
	h := map[string][]string{"Content-Type": {"application/json; charset=utf-8"}}
	for i := 0; i+1 < len(extra); i += 2 {
		h[extra[i]] = []string{extra[i+1]}
	}
	return h
}

func TestResponseJSONRedaction(t *testing.T) {
	g := newGuard(t, nil)
	gen := newGen(3)
	ghp := gen.Checksummed("ghp_")
	pem := gen.PEM("RSA PRIVATE KEY")
	doc := map[string]any{
		"a":        []any{1, 2.5e3, true, nil, "plain"},
		"token":    "Bearer " + ghp,
		"ssh":      pem, // newlines become \n escapes in the JSON text
		"a/b~c":    map[string]any{"k": `quote " and \ and ` + ghp},
		"password": "hunter2", // too weak for the generic rule: untouched
	}
	body, _ := json.Marshal(doc)
	d := g.InspectResponse(Response{Headers: jsonHeaders(), Body: body})
	if d.Action != ActionRedact || d.Reason != ReasonRedacted || !d.BodyChanged {
		t.Fatalf("decision %+v", d)
	}
	var out map[string]any
	if err := json.Unmarshal(d.Body, &out); err != nil {
		t.Fatalf("redacted body is not JSON: %v\n%s", err, d.Body)
	}
	want := map[string]any{
		"a":        []any{1.0, 2500.0, true, nil, "plain"},
		"token":    "Bearer [REDACTED:github-pat]",
		"ssh":      "[REDACTED:private-key-rsa]",
		"a/b~c":    map[string]any{"k": `quote " and \ and [REDACTED:github-pat]`},
		"password": "hunter2",
	}
	gotJSON, _ := json.Marshal(out)
	wantJSON, _ := json.Marshal(want)
	if !bytes.Equal(gotJSON, wantJSON) {
		t.Errorf("got  %s\nwant %s", gotJSON, wantJSON)
	}
	pointers := map[string]bool{}
	for _, f := range d.Findings {
		pointers[f.Pointer] = true
		if f.Location != LocResponseBody || f.Fingerprint == "" || f.Length == 0 || !f.Acted {
			t.Errorf("finding %+v", f)
		}
	}
	for _, p := range []string{"/token", "/ssh", "/a~1b~0c/k"} {
		if !pointers[p] {
			t.Errorf("no finding at %s: %+v", p, d.Findings)
		}
	}
	// Numbers and spacing outside redacted strings are kept byte for byte.
	if !bytes.Contains(d.Body, []byte(`2500`)) && !bytes.Contains(d.Body, []byte(`2.5e3`)) {
		t.Errorf("numbers rewritten: %s", d.Body)
	}
}

func TestSecretInJSONKeyIsRedactedInPointer(t *testing.T) {
	g := newGuard(t, nil)
	ghp := newGen(4).Checksummed("ghp_")
	body := []byte(`{"` + ghp + `":{"x":"sk_live_` + strings.Repeat("aB3", 10) + `"}}`)
	d := g.InspectResponse(Response{Headers: jsonHeaders(), Body: body})
	if d.Total != 2 {
		t.Fatalf("findings %+v", d.Findings)
	}
	for _, f := range d.Findings {
		if strings.Contains(f.Pointer, ghp) || strings.Contains(f.Pointer, "ghp_") {
			t.Errorf("pointer leaks the key: %s", f.Pointer)
		}
	}
	if !json.Valid(d.Body) || bytes.Contains(d.Body, []byte(ghp)) {
		t.Errorf("body %s", d.Body)
	}
}

func TestGzipAndDeflate(t *testing.T) {
	g := newGuard(t, nil)
	plain := []byte(`{"k":"` + newGen(5).Checksummed("ghp_") + `"}`)
	var fl bytes.Buffer
	fw, _ := flate.NewWriter(&fl, flate.BestSpeed)
	_, _ = fw.Write(plain)
	_ = fw.Close()
	for _, tt := range []struct {
		name, enc string
		body      []byte
	}{
		{"gzip", "gzip", gz(plain)},
		{"raw deflate", "deflate", fl.Bytes()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := g.InspectResponse(Response{Headers: jsonHeaders("Content-Encoding", tt.enc), Body: tt.body})
			if d.Action != ActionRedact || !d.BodyDecoded || string(d.Body) != `{"k":"[REDACTED:github-pat]"}` {
				t.Errorf("decision %+v body %s", d, d.Body)
			}
		})
	}
}

func TestDecompressionBombRefused(t *testing.T) {
	g := newGuard(t, func(c *Config) { c.MaxScanBytes = 64 << 10 })
	bomb := gz(make([]byte, 10<<20))
	d := g.InspectResponse(Response{Headers: jsonHeaders("Content-Encoding", "gzip"), Body: bomb})
	if d.Action != ActionBlock || d.Reason != ReasonDecodeLimit {
		t.Errorf("decision %+v", d)
	}
	if _, err := httpbody.Decode(bomb, "gzip", 1<<20); !errors.Is(err, ErrDecodedTooLarge) {
		t.Errorf("httpbody.Decode: %v", err)
	}
}

func TestUnscannable(t *testing.T) {
	for _, tt := range []struct {
		name, policy, enc string
		size              int
		wantAction        string
		wantWhy           string
	}{
		{"too large passes", UnscannablePass, "", 2048, ActionLogOnly, UnscannedTooLarge},
		{"too large blocked", UnscannableBlock, "", 2048, ActionBlock, UnscannedTooLarge},
		{"brotli passes", UnscannablePass, "br", 10, ActionLogOnly, UnscannedEncoding},
		{"brotli blocked", UnscannableBlock, "br", 10, ActionBlock, UnscannedEncoding},
		{"small identity scanned", UnscannableBlock, "identity", 10, "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := newGuard(t, func(c *Config) { c.MaxScanBytes = 1024; c.UnscannableAction = tt.policy })
			d := g.InspectResponse(Response{Headers: jsonHeaders("Content-Encoding", tt.enc), Body: bytes.Repeat([]byte("a"), tt.size)})
			if d.Action != tt.wantAction || d.Unscanned != tt.wantWhy {
				t.Errorf("action %q unscanned %q, want %q %q", d.Action, d.Unscanned, tt.wantAction, tt.wantWhy)
			}
		})
	}
}

func TestContentTypeScope(t *testing.T) {
	g := newGuard(t, nil)
	body := []byte("x " + newGen(6).Checksummed("ghp_"))
	for ct, scanned := range map[string]bool{
		"text/plain": true, "application/problem+json": true, "application/xml": true, "": true,
		"image/png": false, "application/octet-stream": false, "video/mp4": false,
	} {
		h := map[string][]string{}
		if ct != "" {
			h["content-type"] = []string{ct}
		}
		d := g.InspectResponse(Response{Headers: h, Body: body})
		if (d.Total > 0) != scanned {
			t.Errorf("%q: findings %d, scanned want %v", ct, d.Total, scanned)
		}
	}
}

func TestRequestQueryHeadersForm(t *testing.T) {
	gen := newGen(7)
	ghp := gen.Checksummed("ghp_")
	jwt := gen.JWT()
	t.Run("query blocked", func(t *testing.T) {
		g := newGuard(t, nil)
		d := g.InspectRequest(Request{Path: "/x", RawQuery: "a=1&access=" + ghp})
		if d.Action != ActionBlock || d.Findings[0].Location != LocRequestQuery || d.Findings[0].Name != "access" {
			t.Errorf("%+v", d)
		}
	})
	t.Run("percent-encoded query redacted", func(t *testing.T) {
		g := newGuard(t, func(c *Config) { c.Request.Action = ActionRedact })
		d := g.InspectRequest(Request{Path: "/x", RawQuery: "a=1&t=" + strings.Replace(ghp, "_", "%5F", 1) + "&b=2"})
		if !d.QueryChanged || d.Query != "a=1&t=%5BREDACTED%3Agithub-pat%5D&b=2" {
			t.Errorf("%+v", d)
		}
	})
	t.Run("credential header skipped, other header found", func(t *testing.T) {
		g := newGuard(t, nil)
		d := g.InspectRequest(Request{Path: "/", Headers: map[string][]string{"authorization": {"Bearer " + ghp}, "apikey": {ghp}}})
		if d.Action != "" {
			t.Errorf("credential headers scanned: %+v", d)
		}
		d = g.InspectRequest(Request{Path: "/", Headers: map[string][]string{"x-note": {ghp}}})
		if d.Action != ActionBlock || d.Findings[0].Name != "x-note" {
			t.Errorf("%+v", d)
		}
	})
	t.Run("skipped query parameter", func(t *testing.T) {
		g := newGuard(t, nil)
		if d := g.InspectRequest(Request{Path: "/", RawQuery: "jwt=" + jwt}); d.Total != 0 {
			t.Errorf("%+v", d)
		}
	})
	t.Run("medium confidence only logged", func(t *testing.T) {
		g := newGuard(t, nil)
		stk := "sk_test_" + gen.S(alnum, 24)
		d := g.InspectRequest(Request{Path: "/", RawQuery: "x=" + stk})
		if d.Action != ActionLogOnly || d.Findings[0].Acted || d.Findings[0].Rule != "stripe-test-secret-key" {
			t.Errorf("%+v", d)
		}
		g = newGuard(t, func(c *Config) { c.Request.ActMinConfidence = "medium" })
		if d := g.InspectRequest(Request{Path: "/", RawQuery: "x=" + stk}); d.Action != ActionBlock {
			t.Errorf("%+v", d)
		}
	})
	t.Run("form body redacted", func(t *testing.T) {
		g := newGuard(t, func(c *Config) { c.Request.Action = ActionRedact })
		d := g.InspectRequest(Request{Path: "/", Body: []byte("name=bob&client_secret=" + "Zx9" + gen.S(alnum, 10)),
			Headers: map[string][]string{"content-type": {"application/x-www-form-urlencoded"}}})
		if d.Total != 1 || d.Findings[0].Rule != "generic-secret-assignment" || d.Action != ActionLogOnly {
			t.Errorf("low-confidence generic finding: %+v", d)
		}
		d = g.InspectRequest(Request{Path: "/", Body: []byte("name=bob&note=" + ghp),
			Headers: map[string][]string{"content-type": {"application/x-www-form-urlencoded"}}})
		if string(d.Body) != "name=bob&note=%5BREDACTED%3Agithub-pat%5D" {
			t.Errorf("%s", d.Body)
		}
	})
}

func TestAllowLists(t *testing.T) {
	ghp := newGen(8).Checksummed("ghp_")
	body := []byte("token " + ghp)
	h := map[string][]string{"content-type": {"text/plain"}}
	for _, tt := range []struct {
		name   string
		mutate func(*Config)
		path   string
		found  bool
	}{
		{"none", nil, "/x", true},
		{"by rule id", func(c *Config) { c.AllowRules = []string{"github-pat"} }, "/x", false},
		{"by value", func(c *Config) { c.AllowValues = []string{"^ghp_"} }, "/x", false},
		{"by path", func(c *Config) { c.AllowPaths = []string{"^/docs/"} }, "/docs/tokens", false},
		{"path elsewhere", func(c *Config) { c.AllowPaths = []string{"^/docs/"} }, "/api", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := newGuard(t, tt.mutate)
			d := g.InspectResponse(Response{Path: tt.path, Headers: h, Body: body})
			if (d.Total > 0) != tt.found {
				t.Errorf("found %d, want %v", d.Total, tt.found)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	cfg, err := config.Load[Config]([]byte(`{
		"request": {"action": "explode", "act_min_confidence": "certain", "skip_headers": ["X-Upper"]},
		"max_scan_bytes": 0, "unscannable_action": "maybe",
		"content_types": ["text"], "allow_values": ["(?<=x)"], "allow_paths": ["["],
		"rules_toml": "x", "rules_file": "/y"}`))
	if err == nil {
		t.Fatalf("accepted %+v", cfg)
	}
	msg := err.Error()
	for _, want := range []string{"request.action", "request.act_min_confidence", "request.skip_headers[0]",
		"max_scan_bytes", "unscannable_action", "content_types[0]", "allow_values[0]", "allow_paths[0]", "rules_file"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %s: %s", want, msg)
		}
	}
}

func TestNewRefusesBadRules(t *testing.T) {
	cfg, err := config.Load[Config]([]byte(`{"rules_toml": "[[rules]]\nid = \"mine\"\nregex = '''a(?!b)'''\n"}`))
	if err != nil {
		t.Fatal(err)
	}
	_, err = New(cfg)
	if err == nil || !strings.Contains(err.Error(), "rules_toml") || !strings.Contains(err.Error(), "mine") {
		t.Errorf("err = %v", err)
	}
}

// TestUnscannableBlockWinsOverFindings: with unscannable_action block, a
// body that could not be scanned is blocked whatever the headers held: a
// redacted header secret, or a finding only logged, does not make the
// unscanned body safe to pass.
func TestUnscannableBlockWinsOverFindings(t *testing.T) {
	ghp := newGen(11).Checksummed("ghp_")
	for _, tt := range []struct {
		name, policy, action string
		wantAction, wantWhy  string
	}{
		{"redact, blocked", UnscannableBlock, ActionRedact, ActionBlock, ReasonUnscannableBlock},
		{"log_only, blocked", UnscannableBlock, ActionLogOnly, ActionBlock, ReasonUnscannableBlock},
		{"redact, passes", UnscannablePass, ActionRedact, ActionRedact, ReasonRedacted},
		{"log_only, passes", UnscannablePass, ActionLogOnly, ActionLogOnly, ReasonDetected},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := newGuard(t, func(c *Config) {
				c.MaxScanBytes, c.UnscannableAction, c.Response.Action = 1024, tt.policy, tt.action
			})
			d := g.InspectResponse(Response{Headers: jsonHeaders("X-Token", ghp), Body: bytes.Repeat([]byte("a"), 2048)})
			if d.Action != tt.wantAction || d.Reason != tt.wantWhy || d.Unscanned != UnscannedTooLarge || d.Total == 0 {
				t.Errorf("action %q reason %q unscanned %q findings %d, want %q %q %q and the header's finding",
					d.Action, d.Reason, d.Unscanned, d.Total, tt.wantAction, tt.wantWhy, UnscannedTooLarge)
			}
		})
	}
}

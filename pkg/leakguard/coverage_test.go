package leakguard

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/warden-gw/warden/pkg/config"
)

// Tests for the gaps issue #14 found with the provider corpus
// (bench/leakguard): each failed before its fix.

func respond(g *Guard, ct, body string) Decision {
	return g.InspectResponse(Response{Headers: map[string][]string{"Content-Type": {ct}}, Body: []byte(body)})
}

// outBody is what the client gets.
func outBody(d Decision, in string) string {
	if d.BodyChanged {
		return string(d.Body)
	}
	return in
}

func TestNoHalfSecretLeft(t *testing.T) {
	t.Parallel()
	gen := newGen(14)
	asia, secret := "ASIA"+gen.S(leaktestBase32, 16), gen.S(alnum, 38)+"/+"
	session := "IQoJb3JpZ2luX2VjE" + gen.S(alnum, 300) + "=="
	twilioSK, twilioSecret := "SK"+gen.S(hexLower, 32), gen.S(alnum, 32)
	ali, aliSecret := "LTAI"+gen.S(alnum, 20), gen.S(alnum, 30)
	tests := []struct {
		name, ct, body string
		secrets        []string
	}{
		{"aws session next to ASIA id", "application/json",
			`{"Credentials":{"AccessKeyId":"` + asia + `","SecretAccessKey":"` + secret + `","SessionToken":"` + session + `"}}`,
			[]string{asia, secret, session}},
		{"aws secret in a k/v sibling", "application/json",
			`[{"k":"aws_access_key_id","v":"` + asia + `"},{"k":"aws_secret_access_key","v":"` + secret + `"}]`,
			[]string{asia, secret}},
		{"twilio secret in a Name/Value sibling", "application/json",
			`{"Parameters":[{"Name":"TWILIO_API_KEY","Value":"` + twilioSK + `"},{"Name":"TWILIO_API_SECRET","Value":"` + twilioSecret + `"}]}`,
			[]string{twilioSK, twilioSecret}},
		{"alibaba secret in a key/value sibling", "application/json",
			`{"env":[{"key":"ALIBABA_CLOUD_ACCESS_KEY_ID","value":"` + ali + `"},{"key":"ALIBABA_CLOUD_ACCESS_KEY_SECRET","value":"` + aliSecret + `"}]}`,
			[]string{ali, aliSecret}},
		{"html form", "text/html",
			`<input name="aws_secret_access_key" value="` + secret + `"><input name="AccessKeyId" value="` + asia + `">`,
			[]string{asia, secret}},
		{"kubernetes secret, base64 data", "application/json",
			`{"kind":"Secret","data":{"AWS_ACCESS_KEY_ID":"` + base64.StdEncoding.EncodeToString([]byte(ali)) + `","AWS_SECRET_ACCESS_KEY":"` + base64.StdEncoding.EncodeToString([]byte(secret)) + `"}}`,
			[]string{base64.StdEncoding.EncodeToString([]byte(ali)), base64.StdEncoding.EncodeToString([]byte(secret))}},
	}
	g := newGuard(t, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := respond(g, tt.ct, tt.body)
			out := outBody(d, tt.body)
			for i, s := range tt.secrets {
				if strings.Contains(out, s) || strings.Contains(out, s[len(s)/2:]) {
					t.Errorf("secret %d left in %s (findings %+v)", i, out, d.Findings)
				}
			}
		})
	}
}

const leaktestBase32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

func TestDefaultPasswordsNotSecrets(t *testing.T) {
	t.Parallel()
	g := newGuard(t, nil)
	for _, u := range []string{
		"postgres://user:password@localhost:5432/db",
		"postgresql://postgres:postgres@127.0.0.1/app",
		"amqp://guest:guest@localhost:5672/",
		"https://admin:admin@example.com/",
	} {
		if d := respond(g, "application/json", `{"url":"`+u+`"}`); d.Total != 0 {
			t.Errorf("%s: %+v", u, d.Findings)
		}
	}
	real := "postgres://app:Zk3vQ9xT2mB7@db.internal:5432/app"
	if d := respond(g, "application/json", `{"url":"`+real+`"}`); d.Action != ActionRedact {
		t.Errorf("a real password is not redacted: %+v", d)
	}
}

func TestInvalidJSONReportedOnce(t *testing.T) {
	t.Parallel()
	g := newGuard(t, nil)
	tok := newGen(3).Checksummed("ghp_")
	body := `{"a":"` + tok + `", "b": nope}`
	d := respond(g, "application/json", body)
	if d.Total != 1 || len(d.Counts) != 1 || d.Counts[0].N != 1 {
		t.Errorf("want one finding, got total %d, %+v", d.Total, d.Counts)
	}
	if strings.Contains(outBody(d, body), tok) {
		t.Errorf("not redacted")
	}
}

func TestResponseTypes(t *testing.T) {
	t.Parallel()
	g := newGuard(t, nil)
	tok := newGen(4).Checksummed("ghp_")
	for _, ct := range []string{"application/x-amz-json-1.1", "application/jsonl", "application/x-javascript", "application/vnd.api+json", "application/problem+xml", "text/csv"} {
		body := `{"token":"` + tok + `"}`
		if d := respond(g, ct, body); d.Action != ActionRedact || strings.Contains(outBody(d, body), tok) {
			t.Errorf("%s: %+v", ct, d)
		}
	}
	if d := respond(g, "application/x-amz-json-1.1", `{"token":"`+tok+`"}`); len(d.Findings) == 0 || d.Findings[0].Pointer != "/token" {
		t.Errorf("-json not walked as JSON: %+v", d.Findings)
	}
	// A textual type the operator left out is audited, not blocked.
	narrow := newGuard(t, func(c *Config) { c.ContentTypes = []string{"application/json"}; c.UnscannableAction = UnscannableBlock })
	if d := respond(narrow, "text/plain", "x"); d.Unscanned != UnscannedContentType || d.Action != ActionLogOnly {
		t.Errorf("textual type out of scope: %+v", d)
	}
	if d := respond(narrow, "image/png", "x"); d.Action != "" {
		t.Errorf("binary type audited: %+v", d)
	}
}

func TestContentTypePatterns(t *testing.T) {
	t.Parallel()
	m := typeMatcher{"application/*json*", "text/*", "application/*+xml"}
	for mt, want := range map[string]bool{
		"application/json": true, "application/x-amz-json-1.1": true, "application/jsonl": true,
		"text/html": true, "application/atom+xml": true, "application/xml": false, "image/png": false,
	} {
		if got := m.match(mt); got != want {
			t.Errorf("%s: %v, want %v", mt, got, want)
		}
	}
	for p, ok := range map[string]bool{"application/*json*": true, "application/json*": false, "application/*js*on": false, "text/*": true} {
		if err := validTypePattern(p); (err == nil) != ok {
			t.Errorf("%s: %v", p, err)
		}
	}
}

func TestBase64Budget(t *testing.T) {
	t.Parallel()
	// Base64 that decodes to binary is not scanned, and the decoding
	// stops once max_scan_bytes have been decoded.
	g := newGuard(t, func(c *Config) { c.MaxScanBytes = 64 })
	inner := base64.StdEncoding.EncodeToString([]byte("token=" + newGen(5).Checksummed("ghp_")))
	body := `["` + inner + `"]`
	if d := respond(g, "application/json", body); d.Total != 0 {
		t.Errorf("decoded past the budget: %+v", d)
	}
	g = newGuard(t, nil)
	if d := respond(g, "application/json", body); d.Action != ActionRedact || strings.Contains(outBody(d, body), inner) {
		t.Errorf("base64-wrapped token: %+v", d)
	}
	if d := respond(g, "application/json", `["`+base64.StdEncoding.EncodeToString([]byte{0, 1, 2, 3, 250, 251, 252, 253, 254, 255, 9, 8, 7, 6, 5, 4})+`"]`); d.Total != 0 {
		t.Errorf("binary: %+v", d)
	}
}

func TestAllowRoutes(t *testing.T) {
	t.Parallel()
	jwt := newGen(6).JWT()
	g := newGuard(t, func(c *Config) {
		c.AllowRoutes = []AllowRoute{{Path: `^/oauth/token$`, Rules: []string{"jwt"}, Pointers: []string{"/access_token", "/id_token"}}}
	})
	if !g.NeedsPathForResponse() {
		t.Fatal("allow_routes need the path")
	}
	h := map[string][]string{"Content-Type": {"application/json"}}
	tests := []struct {
		name, path, body string
		redacted         bool
	}{
		{"the login endpoint's token", "/oauth/token", `{"access_token":"` + jwt + `","token_type":"Bearer"}`, false},
		{"same route, another member", "/oauth/token", `{"debug":{"token":"` + jwt + `"}}`, true},
		{"another route", "/users/1", `{"access_token":"` + jwt + `"}`, true},
		{"same route, another rule", "/oauth/token", `{"access_token":"` + newGen(7).Checksummed("ghp_") + `"}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := g.InspectResponse(Response{Path: tt.path, Headers: h, Body: []byte(tt.body)})
			if d.BodyChanged != tt.redacted {
				t.Errorf("redacted %v, want %v: %+v", d.BodyChanged, tt.redacted, d)
			}
		})
	}
}

func TestAllowRoutesInvalid(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		route AllowRoute
		want  []string
	}{
		{AllowRoute{Path: "(", Rules: []string{"jwt"}}, []string{"allow_routes[0].path"}},
		{AllowRoute{Path: "^/x", Rules: []string{"jwtt"}}, []string{"allow_routes[0].rules[0]", `unknown rule id "jwtt"`}},
		{AllowRoute{Path: "^/x"}, []string{"allow_routes[0]: give rules, pointers or both"}},
		{AllowRoute{Path: "", Pointers: []string{"access_token"}}, []string{"allow_routes[0].path: required", "allow_routes[0].pointers[0]"}},
	} {
		cfg := defaultConfig(t)
		cfg.AllowRoutes = []AllowRoute{tt.route}
		_, err := New(cfg)
		for _, w := range tt.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%+v: error %v, want it to say %q", tt.route, err, w)
			}
		}
	}
}

func defaultConfig(t testing.TB) *Config {
	t.Helper()
	cfg, err := config.Load[Config]([]byte(`{"fingerprint_key":"k"}`))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestPairedSecretInText(t *testing.T) {
	t.Parallel()
	gen := newGen(8)
	id, secret := "AKIA"+gen.S(leaktestBase32, 16), "Ab1"+gen.S(alnum, 37)
	body := "creds " + id + " " + secret + "\n"
	d := respond(newGuard(t, nil), "text/plain", body)
	if out := outBody(d, body); strings.Contains(out, id) || strings.Contains(out, secret) {
		t.Errorf("key id and its secret not both redacted: %q (%+v)", out, d.Findings)
	}
	// Without a key id the heuristic stays medium: audited, not acted.
	lone := "value " + secret + "\n"
	if d := respond(newGuard(t, nil), "text/plain", lone); d.BodyChanged {
		t.Errorf("lone 40-character value redacted: %+v", d.Findings)
	}
}

func TestActedPastTheAuditCap(t *testing.T) {
	t.Parallel()
	gen := newGen(9)
	var b strings.Builder
	for range maxAudited + 5 {
		b.WriteString("k sk_test_" + gen.S(alnum, 24) + "\n") // medium: audited only
	}
	tok := gen.Checksummed("ghp_")
	b.WriteString("t " + tok + "\n")
	body := b.String()
	d := respond(newGuard(t, nil), "text/plain", body)
	if d.Action != ActionRedact || strings.Contains(outBody(d, body), tok) {
		t.Errorf("the high-confidence secret after %d findings is left: action %q", maxAudited+5, d.Action)
	}
}

func TestClientsOwnCredentialsInRequests(t *testing.T) {
	t.Parallel()
	gen := newGen(10)
	g := newGuard(t, nil)
	form := map[string][]string{"content-type": {"application/x-www-form-urlencoded"}}
	for _, body := range []string{
		"grant_type=client_credentials&client_id=app&client_secret=" + gen.S(alnum, 30) + "9",
		"username=alice&password=" + gen.S(alnum, 20) + "7",
		"token=" + gen.JWT() + "&token_type_hint=access_token",
	} {
		if d := g.InspectRequest(Request{Path: "/oauth/token", Headers: form, Body: []byte(body)}); d.Action == ActionBlock || d.Total == 0 {
			t.Errorf("%.40s...: want audited, not blocked: %+v", body, d)
		}
	}
	// The same values leaking in a response are redacted.
	secret := gen.S(alnum, 30) + "9"
	body := `{"client_secret":"` + secret + `"}`
	if d := respond(g, "application/json", body); strings.Contains(outBody(d, body), secret) {
		t.Errorf("client_secret left in a response: %+v", d)
	}
}

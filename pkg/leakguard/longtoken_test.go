package leakguard

import (
	"encoding/base64"
	"strings"
	"testing"
)

// TestLongTokens checks tokens of unbounded length (JWTs with many
// claims, OAuth access tokens, PyPI macaroons) are found whole however
// far past the default keyword window they run.
func TestLongTokens(t *testing.T) {
	s := builtinScanner(t)
	g := newGen(23)
	enc := base64.RawURLEncoding.EncodeToString
	jwt := func(claims int) string {
		return enc([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." +
			enc([]byte(`{"sub":"u1","groups":"`+g.S(alnum, claims)+`"}`)) + "." + g.S(urlSafe, 342)
	}
	for _, tc := range []struct {
		name, rule, token string
	}{
		{"10 KiB JWT", "jwt", jwt(7000)},
		{"40 KiB JWT", "jwt", jwt(30000)},
		{"2 KiB Google access token", "gcp-oauth-access-token", "ya29." + g.S(urlSafe, 2048)},
		{"4 KiB PyPI token", "pypi-upload-token", "pypi-AgEIcHlwaS5vcmc" + g.S(urlSafe, 4096)},
	} {
		for _, wrap := range []struct{ before, after string }{
			{"Authorization: Bearer ", "\n"},
			{`{"token":"`, `"}`},
			{"", ""},
		} {
			text := wrap.before + tc.token + wrap.after
			ms := s.Scan([]byte(text), "/")
			if len(ms) != 1 || ms[0].Rule != tc.rule || text[ms[0].Start:ms[0].End] != tc.token {
				t.Errorf("%s in %q...: got %v, want one %s of %d bytes", tc.name, wrap.before, ms, tc.rule, len(tc.token))
			}
		}
	}
}

// TestManyHitsInOneRun: a long run full of keyword hits finds the one
// token and costs one pass (the separator search resumes).
func TestManyHitsInOneRun(t *testing.T) {
	s := builtinScanner(t)
	text := strings.Repeat("eyJhbGciOiJub25lIn0x", 10000) + " done"
	if ms := s.Scan([]byte(text), "/"); len(ms) != 0 {
		t.Errorf("%d findings in a run with no dots", len(ms))
	}
}

package leakguard

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/warden-gw/warden/pkg/leakguard/leaktest"
)

// longPEM returns a PEM block whose body is lines*65 bytes.
func longPEM(g *gen, label string, lines int) string {
	var b strings.Builder
	b.WriteString("-----BEGIN " + label + "-----\n")
	for range lines {
		b.WriteString(g.S(leaktest.Base64, 64) + "\n")
	}
	b.WriteString("-----END " + label + "-----")
	return b.String()
}

// TestLongPEMBlocks checks PEM keys far longer than any keyword window
// are found whole: BEGIN paired with the first END after it.
func TestLongPEMBlocks(t *testing.T) {
	s := builtinScanner(t)
	g := newGen(21)
	big := longPEM(g, "RSA PRIVATE KEY", 400)         // 26 KiB
	huge := longPEM(g, "PGP PRIVATE KEY BLOCK", 2000) // 130 KiB
	cert := longPEM(g, "CERTIFICATE", 300)
	for _, tc := range []struct {
		name  string
		text  string
		want  []string // the blocks expected, in order
		rules []string
	}{
		{"26 KiB RSA key", "config:\n" + big + "\n", []string{big}, []string{"private-key-rsa"}},
		{"130 KiB PGP key", huge, []string{huge}, []string{"private-key-pgp"}},
		{"certificate then key", cert + "\n" + big + "\n", []string{big}, []string{"private-key-rsa"}},
		{"key, certificate, key", big + "\n" + cert + "\n" + huge, []string{big, huge}, []string{"private-key-rsa", "private-key-pgp"}},
		{"JSON-escaped key", `{"k":"` + strings.ReplaceAll(big, "\n", `\n`) + `"}`, []string{strings.ReplaceAll(big, "\n", `\n`)}, []string{"private-key-rsa"}},
		{"no END line", strings.TrimSuffix(big, "-----END RSA PRIVATE KEY-----"), nil, nil},
		{"END of another label", strings.Replace(big, "END RSA", "END EC", 1), nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ms := s.Scan([]byte(tc.text), "/")
			if len(ms) != len(tc.want) {
				t.Fatalf("%d findings %v, want %d", len(ms), ms, len(tc.want))
			}
			for i, m := range ms {
				if got := tc.text[m.Start:m.End]; got != tc.want[i] || m.Rule != tc.rules[i] {
					t.Errorf("finding %d: %s, %d bytes; want %s, %d bytes", i, m.Rule, len(got), tc.rules[i], len(tc.want[i]))
				}
			}
		})
	}
}

// TestLongPEMRedactedInJSON checks a 26 KiB key in a JSON response is
// redacted whole and the body stays valid JSON.
func TestLongPEMRedactedInJSON(t *testing.T) {
	g := newGuard(t, nil)
	key := longPEM(newGen(22), "OPENSSH PRIVATE KEY", 400)
	body, _ := json.Marshal(map[string]any{"id": 7, "deploy": map[string]string{"ssh_key": key}})
	d := g.InspectResponse(Response{Headers: jsonHeaders(), Body: body})
	if d.Action != ActionRedact || !d.BodyChanged {
		t.Fatalf("%+v", d.Findings)
	}
	var v struct {
		Deploy struct {
			SSHKey string `json:"ssh_key"`
		} `json:"deploy"`
	}
	if err := json.Unmarshal(d.Body, &v); err != nil {
		t.Fatalf("redacted body is not JSON: %v", err)
	}
	if v.Deploy.SSHKey != "[REDACTED:private-key-openssh]" {
		t.Errorf("ssh_key = %.60q", v.Deploy.SSHKey)
	}
}

// TestManyBEGINsNoEND: a body of BEGIN lines and no END finds nothing
// (and the END search resumes where it stopped, one pass in all).
func TestManyBEGINsNoEND(t *testing.T) {
	s := builtinScanner(t)
	text := strings.Repeat("-----BEGIN RSA PRIVATE KEY-----\n"+strings.Repeat("QUJD", 16)+"\n", 5000)
	if ms := s.Scan([]byte(text), "/"); len(ms) != 0 {
		t.Errorf("%d findings", len(ms))
	}
}

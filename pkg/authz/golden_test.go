package authz

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/warden-gw/warden/pkg/config"
	"github.com/warden-gw/warden/pkg/identity"
)

var update = flag.Bool("update", false, "rewrite the want fields of testdata/decisions/*.json")

// goldenFile is one policy and the requests decided against it.
type goldenFile struct {
	Comment string          `json:"comment,omitempty"`
	Config  json.RawMessage `json:"config"`
	Cases   []goldenCase    `json:"cases"`
}

type goldenCase struct {
	Name     string             `json:"name"`
	Request  goldenRequest      `json:"request"`
	Identity *identity.Identity `json:"identity"`
	Want     goldenVerdict      `json:"want"`
}

type goldenRequest struct {
	Method  string              `json:"method"`
	Path    string              `json:"path"`
	Host    string              `json:"host,omitempty"`
	IP      string              `json:"ip,omitempty"`
	Query   map[string][]string `json:"query,omitempty"`
	Headers map[string][]string `json:"headers,omitempty"`
}

type goldenVerdict struct {
	Decision string   `json:"decision"` // allow, deny, shadow_deny
	Status   int      `json:"status,omitempty"`
	Reason   string   `json:"reason"`
	Rule     string   `json:"rule,omitempty"`
	Scopes   []string `json:"scopes,omitempty"`
}

func verdictOf(d Decision) goldenVerdict {
	v := goldenVerdict{Status: d.Status, Reason: d.Reason, Rule: d.Rule, Scopes: d.Scopes}
	switch {
	case d.Shadow:
		v.Decision = "shadow_deny"
	case d.Allow:
		v.Decision = "allow"
	default:
		v.Decision = "deny"
	}
	return v
}

// TestDecisionsGolden decides each request of testdata/decisions/*.json
// against the file's policy and compares the verdict with the file.
func TestDecisionsGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/decisions/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var g goldenFile
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&g); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			var cfg Config
			if err := config.Decode(g.Config, &cfg); err != nil {
				t.Fatal(err)
			}
			p, err := Compile(&cfg)
			if err != nil {
				t.Fatalf("compile: %v", err)
			}
			for i, c := range g.Cases {
				r := Request{Method: c.Request.Method, Path: c.Request.Path, Host: c.Request.Host, IP: c.Request.IP,
					Query: c.Request.Query, Headers: c.Request.Headers}
				got := verdictOf(p.Decide(r, c.Identity))
				if *update {
					g.Cases[i].Want = got
					continue
				}
				w, _ := json.Marshal(c.Want)
				gj, _ := json.Marshal(got)
				if !bytes.Equal(w, gj) {
					t.Errorf("%s: got %s, want %s", c.Name, gj, w)
				}
			}
			if *update {
				out, _ := json.MarshalIndent(g, "", "  ")
				if err := os.WriteFile(file, append(out, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

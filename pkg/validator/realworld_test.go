package validator

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/warden-gw/warden/pkg/config"
	"github.com/warden-gw/warden/pkg/validator/internal/apigen"
)

// The generated documents are built once per test binary: the Stripe-size
// one is 4 MB.
var (
	apisOnce sync.Once
	apis     map[string]*apigen.API
)

func generatedAPIs() map[string]*apigen.API {
	apisOnce.Do(func() {
		apis = map[string]*apigen.API{
			"stripe": apigen.Stripe(apigen.StripeSize),
			"github": apigen.GitHub(apigen.GitHubSize),
		}
	})
	return apis
}

// loadAPI compiles a generated document with response validation on.
func loadAPI(t testing.TB, doc []byte) *Validator {
	t.Helper()
	file := filepath.Join(t.TempDir(), "openapi.json")
	if err := os.WriteFile(file, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(map[string]any{"openapi_file": file, "unknown_operation": "404",
		"response_validation": map[string]any{"enabled": true}})
	cfg, err := config.Load[Config](raw)
	if err != nil {
		t.Fatal(config.Summary(err))
	}
	return mustNew(t, cfg)
}

// checkCase runs one generated case's request (and response) and returns
// the two decisions.
func checkCase(t testing.TB, v *Validator, c apigen.Case) (req, resp Decision) {
	t.Helper()
	h := map[string][]string{}
	if c.ContentType != "" {
		h["content-type"] = []string{c.ContentType}
	}
	if len(c.Body) > 0 {
		h["content-length"] = []string{strconv.Itoa(len(c.Body))}
	} else {
		h["content-length"] = []string{"0"}
	}
	req, err := v.Check(&Request{Method: c.Method, PathWithQuery: c.Target, Headers: h}, bodyOf(string(c.Body)))
	if err != nil {
		t.Fatalf("%s %s: %v", c.Method, c.Target, err)
	}
	if c.Status != 0 && req.Valid() {
		rh := map[string][]string{"content-type": {"application/json"}, "content-length": {strconv.Itoa(len(c.Response))}}
		rules := v.ResponsesOf(req, c.Method)
		if rules == nil {
			t.Fatalf("%s %s: no documented responses", c.Method, c.Target)
		}
		resp, err = rules.For(c.Status).Check(rh, func() ([]byte, error) { return c.Response, nil })
		if err != nil {
			t.Fatal(err)
		}
	}
	return req, resp
}

// TestRealWorldShapes runs every generated case of the Stripe- and
// GitHub-shaped documents: no valid request or response refused (nullable
// expandable fields, $ref integer parameters, deepObject queries, form
// bodies), no invalid one let through.
func TestRealWorldShapes(t *testing.T) {
	for name, api := range generatedAPIs() {
		t.Run(name, func(t *testing.T) {
			v := loadAPI(t, api.Doc)
			falsePos, misses := map[string]int{}, map[string]int{}
			for _, c := range api.Cases {
				req, resp := checkCase(t, v, c)
				switch {
				case c.Valid && !req.Valid():
					if falsePos[c.Name]++; falsePos[c.Name] == 1 {
						t.Errorf("false positive, %s: %s %s: %+v", c.Name, c.Method, c.Target, req.Violations)
					}
				case !c.Valid && req.Valid():
					if misses[c.Name]++; misses[c.Name] == 1 {
						t.Errorf("missed, %s: %s %s", c.Name, c.Method, c.Target)
					}
				case c.Status != 0 && c.Valid && !c.ResponseInvalid && !resp.Valid():
					if falsePos[c.Name]++; falsePos[c.Name] == 1 {
						t.Errorf("false positive response, %s: %s %s: %+v", c.Name, c.Method, c.Target, resp.Violations)
					}
				case c.Status != 0 && c.ResponseInvalid && resp.Valid():
					if misses[c.Name]++; misses[c.Name] == 1 {
						t.Errorf("missed response, %s: %s %s", c.Name, c.Method, c.Target)
					}
				}
			}
			t.Logf("%d cases, false positives %v, misses %v", len(api.Cases), falsePos, misses)
		})
	}
}

package leakguard

import (
	"reflect"
	"strings"
	"testing"
)

// TestDecisionCounts checks every finding is counted by rule and action,
// past the cap on audited findings too.
func TestDecisionCounts(t *testing.T) {
	gen := newGen(11)
	var body strings.Builder
	for range 25 {
		body.WriteString("t " + gen.Checksummed("ghp_") + "\n")
	}
	body.WriteString("k sk_test_" + gen.S(alnum, 24) + "\nk sk_test_" + gen.S(alnum, 24) + "\n")
	text := map[string][]string{"Content-Type": {"text/plain"}}

	g := newGuard(t, nil)
	d := g.InspectResponse(Response{Headers: text, Body: []byte(body.String())})
	want := []RuleCount{{Rule: "github-pat", Action: ActionRedact, N: 25}, {Rule: "stripe-test-secret-key", Action: ActionLogOnly, N: 2}}
	if d.Total != 27 || len(d.Findings) != maxAudited || !reflect.DeepEqual(d.Counts, want) {
		t.Errorf("total %d, audited %d, counts %+v; want 27, %d, %+v", d.Total, len(d.Findings), d.Counts, maxAudited, want)
	}

	g = newGuard(t, func(c *Config) { c.Request.ActMinConfidence = "medium" })
	d = g.InspectRequest(Request{Path: "/", RawQuery: "a=" + gen.JWT() + "&b=" + gen.Checksummed("gho_")})
	want = []RuleCount{{Rule: "github-oauth-token", Action: ActionBlock, N: 1}, {Rule: "jwt", Action: ActionBlock, N: 1}}
	if !reflect.DeepEqual(d.Counts, want) {
		t.Errorf("request counts %+v, want %+v", d.Counts, want)
	}

	if d := g.InspectResponse(Response{Headers: text, Body: []byte("nothing here")}); d.Counts != nil {
		t.Errorf("clean response counts %+v", d.Counts)
	}
}

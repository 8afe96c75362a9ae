package main

import (
	"slices"
	"testing"
)

// TestCheckAuthzOverlaps: warden check names every warden-authz rule that
// another rule takes decisions from, as a note.
func TestCheckAuthzOverlaps(t *testing.T) {
	t.Parallel()
	yml := `
_format_version: "3.0"
services:
  - name: console
    url: http://upstream:8080
    routes: [{name: console, paths: ["/"]}]
    plugins:
      - name: warden-authz
        config:
          rules:
            - {name: admin, paths: ["/admin/**"], roles: {any_of: [admin]}}
            - {name: user, paths: ["/**"], authenticated: true}
            - {name: debug, paths: ["/debug/{x}"]}
            - {name: no-debug, effect: deny, paths: ["/debug/**"]}
`
	r := check([]byte(yml), checkOptions{})
	if len(r.Errors) != 0 {
		t.Fatalf("errors: %v", r.Errors)
	}
	for _, want := range []string{
		"services[console].plugins[warden-authz].config: rules[2] (user, /**) is shadowed where rules[1] (admin, /admin/**) also matches: the more specific template decides there",
		"services[console].plugins[warden-authz].config: rules[2] (user, /**) is shadowed where rules[3] (debug, /debug/{x}) also matches: the more specific template decides there",
		"services[console].plugins[warden-authz].config: rules[3] (debug, /debug/{x}) never allows: the deny rule rules[4] (no-debug, /debug/**) refuses every request it matches",
	} {
		if !slices.Contains(r.Notes, want) {
			t.Errorf("missing note %q in %q", want, r.Notes)
		}
	}
	if len(r.Notes) != 3 {
		t.Errorf("notes: %q", r.Notes)
	}
}

package main

import (
	"encoding/json"
	"regexp"
	"testing"

	"github.com/warden-gw/warden/pkg/schema"
)

// statesDefault finds a description's mention of a default ("Default 30",
// "off (default)", "defaults to", "by default"); a quoted 'default' is a
// name (OpenAPI's default response), not one.
var statesDefault = regexp.MustCompile(`(?i)[^.;:]{0,40}(?:^|[^'\w])default(?:s|ed)?\b[^.;]{0,40}`)

// TestConfigDescriptions: every config field of every plugin carries a
// `desc` tag, which Kong shows from -dump and docs/plugins prints, and no
// description states a default. The schema's default, from the config
// type's SetDefaults, is the one source: Kong and docs/plugins show it
// next to the description, so a default restated there can only agree
// with it until someone changes one of them. A description says what an
// unset field means instead ("Empty: ...", "0 disables").
func TestConfigDescriptions(t *testing.T) {
	t.Parallel()
	for _, p := range plugins {
		s, err := schema.ForPlugin(p.name, p.config)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		schema.Walk(s.Fields[0].Field, func(path string, f schema.Field) {
			n++
			if f.Description == "" {
				t.Errorf("%s: config.%s has no desc tag", p.name, path)
			}
			if m := statesDefault.FindString(f.Description); m != "" {
				t.Errorf("%s: config.%s: the description states a default (%q); the schema's default is %s", p.name, path, m, schemaDefault(f))
			}
		})
		if n == 0 {
			t.Errorf("%s: no config fields", p.name)
		}
	}
}

// schemaDefault is the field's schema default as an operator reads it.
func schemaDefault(f schema.Field) string {
	if f.Default == nil || f.Type == "record" {
		return "unset (the type's zero value)"
	}
	b, _ := json.Marshal(f.Default)
	return string(b)
}

func TestStatesDefault(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		"Longest token accepted, in bytes. Default 8192.",
		"DPoP for this issuer: off (default), allowed, or required.",
		"Also accept the token from this cookie. Off by default.",
		"Redis mode; defaults to standalone.",
		"Claim holding the consumer id. Default: sub.",
	} {
		if !statesDefault.MatchString(s) {
			t.Errorf("%q: not found to state a default", s)
		}
	}
	for _, s := range []string{
		"Empty: the key's RFC 7638 thumbprint.",
		"Proxy requests no rule matches; see unsafe_allow_by_default.",
		"0 disables the cache.",
		"A code (200), a class (2XX) or 'default'.",
	} {
		if m := statesDefault.FindString(s); m != "" {
			t.Errorf("%q: found to state a default (%q)", s, m)
		}
	}
}

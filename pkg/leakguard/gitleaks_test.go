package leakguard

import (
	"errors"
	"strings"
	"testing"
)

const gitleaksDocOK = `
title = "acme rules"

[extend]
useDefault = true
disabledRules = ["jwt"]

[[rules]]
id = "acme-internal-token"
description = "ACME internal service token"
regex = '''\b(acme_(?:live|test)_[a-z0-9]{24})\b'''
secretGroup = 1
keywords = ["acme_"]
entropy = 3.0
tags = ["internal"]

  [[rules.allowlists]]
  description = "the documented sample"
  regexes = ['''acme_test_0{24}''']
  stopwords = ["sample"]

[[rules]]
id = "acme-partner-key"
regex = '''partner[_-]key\s*[:=]\s*"?([A-Z0-9]{16})'''
keywords = ["partner"]
confidence = "medium"

  [rules.allowlist]
  condition = "AND"
  paths = ['''^/public/''']
  regexes = ['''^TEST''']

[[allowlists]]
targetRules = ["acme-partner-key"]
regexes = ['''^DEMO''']

[allowlist]
description = "global"
stopwords = ["example"]
commits = ["abc123"]
`

func TestParseGitleaks(t *testing.T) {
	gl, err := ParseGitleaks(gitleaksDocOK)
	if err != nil {
		t.Fatal(err)
	}
	if len(gl.Rules) != 2 || len(gl.Allow) != 1 || len(gl.Disabled) != 1 || gl.Disabled[0] != "jwt" {
		t.Fatalf("%+v", gl)
	}
	if gl.Rules[1].Confidence != Medium || gl.Rules[0].Confidence != High || len(gl.Rules[1].Allow) != 2 {
		t.Errorf("rules %+v", gl.Rules)
	}
	s, err := NewScanner(gl.Rules, ScannerOptions{Allow: gl.Allow})
	if err != nil {
		t.Fatal(err)
	}
	g := newGen(9)
	tok := "acme_live_" + g.S("abcdefghijklmnopqrstuvwxyz0123456789", 24)
	for _, tt := range []struct {
		text, path string
		want       int
	}{
		{"x " + tok + " y", "/", 1},
		{"acme_test_000000000000000000000000", "/", 0}, // rule allowlist regex
		{`partner_key = "ABCDEF0123456789"`, "/", 1},
		{`partner_key = "TESTEF0123456789"`, "/", 1},         // AND: path does not match
		{`partner_key = "TESTEF0123456789"`, "/public/x", 0}, // AND: both match
		{`partner_key = "DEMOEF0123456789"`, "/", 0},         // targeted global allowlist
		{"acme_live_example0123456789abcdefg", "/", 0},       // global stopword
	} {
		if got := len(s.Scan([]byte(tt.text), tt.path)); got != tt.want {
			t.Errorf("%q at %s: %d findings, want %d", tt.text, tt.path, got, tt.want)
		}
	}
}

func TestParseGitleaksErrors(t *testing.T) {
	doc := `
[[rules]]
id = "lookbehind"
regex = '''(?<=key=)[a-z]+'''

[[rules]]
regex = '''x'''

[[rules]]
id = "groups"
regex = '''(a)'''
secretGroup = 3

[[rules]]
id = "lookbehind"
regex = '''ok'''
severity = "high"

[[rules]]
id = "bad-allow"
regex = '''y'''
  [[rules.allowlists]]
  condition = "XOR"
  regexes = ['''(''']
`
	_, err := ParseGitleaks(doc)
	if !errors.Is(err, ErrRulesFile) {
		t.Fatalf("err = %v", err)
	}
	msg := err.Error()
	for _, want := range []string{
		"rules[0] (id lookbehind): regex is not RE2",
		"rules[1]: id is required",
		"rules[2] (id groups): secretGroup 3",
		"rules[3] (id lookbehind): duplicate id",
		"rules.severity: unknown key",
		"rules[4] (id bad-allow): allowlists[0]: condition",
		"rules[4] (id bad-allow): allowlists[0]: regexes",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
}

package leakguard

import "testing"

func TestTightWindow(t *testing.T) {
	for _, tc := range []struct {
		name, expr string
		keywords   []string
		exact      bool
		after      string
		want       int
		ok         bool
	}{
		{"prefixed token", `\b(ghp_[A-Za-z0-9]{36})(?:[^A-Za-z0-9_\-]|$)`, []string{"ghp_"}, false, "", 36 + 4, true},
		{"ASCII end class", `\b(ghp_[A-Za-z0-9]{36})\b`, []string{"ghp_"}, false, "", 36, true},
		{"shorter keyword of two", `\bsk_live_[a-z]{8}\b`, []string{"sk_live_", "sk_"}, false, "", 8 + 5, true},
		{"keyword case differs", `\bAKIA[A-Z2-7]{16}\b`, []string{"akia"}, false, "", 16, true},
		{"exact keyword case differs", `\bAKIA[A-Z2-7]{16}\b`, []string{"akia"}, true, "", 0, false},
		{"unbounded", `\bya29\.[A-Za-z0-9_\-]{30,}`, []string{"ya29."}, false, "", 0, false},
		{"keyword not at the start", `[a-z]{0,8}password=([a-z]{8})`, []string{"password"}, false, "", 0, false},
		{"keyword longer than the prefix", `\bsk_(?:live|test)_[a-z]{8}`, []string{"sk_live_"}, false, "", 0, false},
		{"case-folded literal has no prefix", `(?i)\bsecret=[a-z]{8}`, []string{"secret="}, false, "", 0, false},
		{"after byte allowed", `\bSK[0-9a-f]{32}\b`, []string{"SK"}, true, "0123456789abcdef", 0, false},
		{"alternation prefix", `\b(?:AKIA|ASIA)[A-Z2-7]{16}\b`, []string{"AKIA", "ASIA"}, true, "", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := tightWindow(tc.expr, tc.keywords, tc.exact, tc.after)
			if ok != tc.ok || got != tc.want {
				t.Errorf("tightWindow = %d, %v; want %d, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

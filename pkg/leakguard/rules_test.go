package leakguard

import (
	"strings"
	"testing"
)

func builtinScanner(t testing.TB) *Scanner {
	t.Helper()
	s, err := NewScanner(BuiltinRules(), ScannerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestBuiltinRulesCount(t *testing.T) {
	ids := map[string]bool{}
	for _, r := range BuiltinRules() {
		if ids[r.ID] {
			t.Errorf("duplicate rule id %s", r.ID)
		}
		ids[r.ID] = true
		if r.Description == "" || len(r.Keywords) == 0 || r.Confidence == 0 {
			t.Errorf("rule %s: needs description, keywords and confidence", r.ID)
		}
	}
	if len(ids) < 50 {
		t.Errorf("%d built-in rules, want at least 50", len(ids))
	}
}

// TestEveryRuleHasAPositive makes sure the corpus covers each rule.
func TestEveryRuleHasAPositive(t *testing.T) {
	covered := map[string]bool{}
	for _, p := range positives(newGen(1)) {
		covered[p.Rule] = true
	}
	for _, r := range BuiltinRules() {
		if !covered[r.ID] {
			t.Errorf("rule %s has no true positive in the corpus", r.ID)
		}
	}
}

func TestBuiltinPositives(t *testing.T) {
	s := builtinScanner(t)
	for seed := uint64(1); seed <= 20; seed++ {
		for _, p := range positives(newGen(seed)) {
			ms := s.Scan([]byte(p.Text), "/")
			found := false
			for _, m := range ms {
				got := p.Text[m.Start:m.End]
				if m.Rule == p.Rule && got == p.Secret {
					found = true
				}
			}
			if !found {
				t.Errorf("seed %d rule %s: not found in %.80q; got %v", seed, p.Rule, p.Text, ms)
			}
		}
	}
}

func TestBuiltinNegatives(t *testing.T) {
	s := builtinScanner(t)
	for seed := uint64(1); seed <= 20; seed++ {
		for _, n := range negatives(newGen(seed)) {
			for _, m := range s.Scan([]byte(n), "/") {
				t.Errorf("seed %d: %s matched %q in %.80q", seed, m.Rule, n[m.Start:m.End], n)
			}
		}
	}
}

// TestPrecisionRecall prints precision and recall over the labelled
// corpus, positives and negatives mixed into JSON-ish documents.
func TestPrecisionRecall(t *testing.T) {
	s := builtinScanner(t)
	var tp, fp, fn int
	for seed := uint64(100); seed < 200; seed++ {
		g := newGen(seed)
		for _, p := range positives(g) {
			ms := s.Scan([]byte(p.Text), "/")
			hit := false
			for _, m := range ms {
				if p.Text[m.Start:m.End] == p.Secret {
					hit = true
				} else if p.Text[m.Start:m.End] == p.Extra {
					tp++
				} else if !strings.Contains(p.Secret, p.Text[m.Start:m.End]) {
					fp++
				}
			}
			if hit {
				tp++
			} else {
				fn++
			}
		}
		for _, n := range negatives(g) {
			fp += len(s.Scan([]byte(n), "/"))
		}
	}
	precision := float64(tp) / float64(tp+fp)
	recall := float64(tp) / float64(tp+fn)
	t.Logf("corpus: tp=%d fp=%d fn=%d precision=%.4f recall=%.4f", tp, fp, fn, precision, recall)
	if precision < 0.95 || recall < 0.95 {
		t.Errorf("precision %.4f recall %.4f, want both >= 0.95", precision, recall)
	}
}

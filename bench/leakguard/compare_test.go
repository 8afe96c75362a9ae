package main

import (
	"testing"

	"github.com/warden-gw/warden/pkg/leakguard/leaktest"
)

// TestRecallAtLeastGitleaks holds leakguard's recall on the labelled
// corpus at or above gitleaks' and its findings on look-alikes at zero.
func TestRecallAtLeastGitleaks(t *testing.T) {
	tl, err := newTools()
	if err != nil {
		t.Fatal(err)
	}
	rs := tl.recall()
	lg := rs[0]
	for _, gl := range rs[1:] {
		t.Logf("%s recall %.4f, %d findings on negatives; %s recall %.4f, %d findings on negatives",
			lg.Tool, lg.Rate(), lg.FalsePo, gl.Tool, gl.Rate(), gl.FalsePo)
		if lg.Rate() < gl.Rate() {
			t.Errorf("leakguard recall %.4f below %s's %.4f; missed %v", lg.Rate(), gl.Tool, gl.Rate(), lg.Missed)
		}
	}
	if lg.FalsePo != 0 {
		t.Errorf("leakguard reported %d findings on negatives", lg.FalsePo)
	}
}

// TestSameFindingsOnDense checks the dense corpus is what it claims: every
// planted secret found by leakguard's scanner, in order.
func TestSameFindingsOnDense(t *testing.T) {
	tl, err := newTools()
	if err != nil {
		t.Fatal(err)
	}
	dense, planted := leaktest.Dense(32 << 10)
	ms := tl.scanner.Scan(dense, "/")
	if len(ms) != len(planted) {
		t.Fatalf("%d findings, %d planted", len(ms), len(planted))
	}
	for i, m := range ms {
		if got := string(dense[m.Start:m.End]); got != planted[i] {
			t.Errorf("finding %d (%s): got %d bytes, want the planted %d bytes", i, m.Rule, len(got), len(planted[i]))
		}
	}
}

// BenchmarkCompare runs every contender over both corpora; `go run .`
// prints the same numbers as a table with ratios and recall.
func BenchmarkCompare(b *testing.B) {
	tl, err := newTools()
	if err != nil {
		b.Fatal(err)
	}
	clean := leaktest.JSONBody(cleanSize, 0)
	dense, _ := leaktest.Dense(denseSize)
	for _, corpus := range []struct {
		name    string
		body    []byte
		headers map[string][]string
	}{{"clean-1MiB-json", clean, jsonHeaders}, {"dense-256KiB-text", dense, textHeaders}} {
		for _, c := range tl.scanners(corpus.headers) {
			b.Run(corpus.name+"/"+c.name, func(b *testing.B) {
				b.SetBytes(int64(len(corpus.body)))
				for b.Loop() {
					c.scan(corpus.body)
				}
			})
		}
	}
}

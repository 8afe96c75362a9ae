package main

import (
	"strings"
	"testing"
)

// TestNoHalfSecretLeft holds, over the whole provider corpus, that a
// response leakguard redacted under its default config carries no part
// of any planted secret: neither the secret nor either half of it. A key
// id redacted next to its secret left in place is the worst outcome.
func TestNoHalfSecretLeft(t *testing.T) {
	def, _, err := newGuards()
	if err != nil {
		t.Fatal(err)
	}
	redacted := 0
	for _, d := range append(positives(), base64Wrapped()...) {
		o, dec, out := guardOutcome(def, d)
		if !dec.BodyChanged {
			continue
		}
		redacted++
		if !o.caught {
			for i, s := range d.Secrets {
				if leaked(out, s) {
					t.Errorf("%s in %s: redacted output still holds secret part %d (%d bytes)", d.Format, d.Carrier, i, len(d.Raw[i]))
				}
			}
		}
	}
	if redacted < len(formats)*len(carriers)*9/10 {
		t.Errorf("only %d documents redacted: the corpus or the guard is broken", redacted)
	}
}

// TestProviderCorpusGoals holds the goals of issue #14 on the provider
// corpus under the default config: recall >= 0.95, precision >= 0.98.
func TestProviderCorpusGoals(t *testing.T) {
	tl, err := newTools()
	if err != nil {
		t.Fatal(err)
	}
	js, err := tl.judges()
	if err != nil {
		t.Fatal(err)
	}
	s := tally(js[0], positives(), negatives())
	t.Logf("default config: recall %.4f precision %.4f", s.recall(), s.precision())
	if s.recall() < 0.95 || s.precision() < 0.98 {
		var missed []string
		for _, f := range formats {
			if n := s.byFormat[f.ID]; n < len(carriers) {
				missed = append(missed, f.ID)
			}
		}
		t.Errorf("recall %.4f (goal 0.95), precision %.4f (goal 0.98); formats not always caught: %s",
			s.recall(), s.precision(), strings.Join(missed, ", "))
	}
}

// TestCorpusShape holds the corpus to the size the issue asks for.
func TestCorpusShape(t *testing.T) {
	if len(formats) < 100 || len(carriers) != 9 || len(negatives()) < 2000 {
		t.Errorf("%d formats, %d carriers, %d negatives", len(formats), len(carriers), len(negatives()))
	}
	for _, d := range positives() {
		for i, s := range d.Secrets {
			if !strings.Contains(string(d.Body), s) {
				t.Fatalf("%s in %s: secret %d not in the body as encoded", d.Format, d.Carrier, i)
			}
		}
	}
}

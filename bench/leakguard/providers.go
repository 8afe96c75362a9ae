package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/warden-gw/warden/pkg/config"
	"github.com/warden-gw/warden/pkg/leakguard"
)

// Measurement on the provider corpus. A positive document is caught when
// the tool blocks it or leaves no secret part in it (neither the value
// as the carrier writes it nor either half of it); for gitleaks, when
// every secret part is covered by a finding. Precision is by document:
// caught positives over caught positives plus false alarms, a false alarm
// being a benign document acted on, or a positive document where the tool
// also acted on a benign value (altered it; for gitleaks, a finding that
// overlaps no planted secret).

// outcome is what one tool did with one document.
type outcome struct {
	caught bool // all secret parts caught (positives)
	alarm  bool // acted on something benign
}

// judge is one contender on the provider corpus.
type judge struct {
	name string
	run  func(d doc) outcome
}

// defaultGuard is leakguard under its default configuration; allGuard
// acts on every confidence.
func newGuards() (def, all *leakguard.Guard, err error) {
	for i, js := range []string{
		`{"fingerprint_key":"bench"}`,
		`{"fingerprint_key":"bench","response":{"act_min_confidence":"low"}}`,
	} {
		cfg, err := config.Load[leakguard.Config]([]byte(js))
		if err != nil {
			return nil, nil, err
		}
		g, err := leakguard.New(cfg)
		if err != nil {
			return nil, nil, err
		}
		if i == 0 {
			def = g
		} else {
			all = g
		}
	}
	return def, all, nil
}

// leaked reports whether out still holds the secret s or either half of
// it (a redaction that stops short leaves half a secret behind).
func leaked(out, s string) bool {
	if strings.Contains(out, s) {
		return true
	}
	if len(s) < 16 {
		return false
	}
	h := len(s) / 2
	return strings.Contains(out, s[:h]) || strings.Contains(out, s[h:])
}

// guardOutcome runs a document through the response phase.
func guardOutcome(g *leakguard.Guard, d doc) (outcome, leakguard.Decision, string) {
	dec := g.InspectResponse(leakguard.Response{Headers: map[string][]string{"Content-Type": {d.CT}}, Body: d.Body})
	if dec.Action == leakguard.ActionBlock {
		return outcome{caught: len(d.Secrets) > 0, alarm: len(d.Secrets) == 0}, dec, ""
	}
	out := string(d.Body)
	if dec.BodyChanged {
		out = string(dec.Body)
	}
	o := outcome{caught: len(d.Secrets) > 0}
	for _, s := range d.Secrets {
		o.caught = o.caught && !leaked(out, s)
	}
	for _, b := range d.Benign {
		o.alarm = o.alarm || !strings.Contains(out, b)
	}
	return o, dec, out
}

func (t *tools) judges() ([]judge, error) {
	def, all, err := newGuards()
	if err != nil {
		return nil, err
	}
	gl := func(find func(string) []string) func(doc) outcome {
		return func(d doc) outcome {
			found := find(string(d.Body))
			o := outcome{caught: len(d.Secrets) > 0}
			for i, s := range d.Secrets {
				hit := false
				for _, f := range found {
					hit = hit || covers(f, s) || covers(f, d.Raw[i])
				}
				o.caught = o.caught && hit
			}
			for _, f := range found {
				planted := false
				for i, s := range d.Secrets {
					planted = planted || strings.Contains(s, f) || strings.Contains(f, s) || strings.Contains(d.Raw[i], f)
				}
				o.alarm = o.alarm || !planted
			}
			return o
		}
	}
	return []judge{
		{"leakguard (default config)", func(d doc) outcome { o, _, _ := guardOutcome(def, d); return o }},
		{"leakguard (all confidences)", func(d doc) outcome { o, _, _ := guardOutcome(all, d); return o }},
		{"gitleaks", gl(func(s string) []string {
			var out []string
			for _, f := range t.gitleaks.DetectString(s) {
				out = append(out, f.Secret)
			}
			return out
		})},
		{"gitleaks (decode depth 5)", gl(func(s string) []string {
			var out []string
			for _, f := range t.gitleaksCLI.DetectString(s) {
				out = append(out, f.Secret)
			}
			return out
		})},
	}, nil
}

// score is one tool's totals over a set of documents.
type score struct {
	positives, caught, alarms, negatives, negAlarms int
	byFormat                                        map[string]int
}

func (s score) recall() float64 { return float64(s.caught) / float64(max(s.positives, 1)) }

func (s score) precision() float64 {
	fp := s.alarms
	return float64(s.caught) / float64(max(s.caught+fp, 1))
}

func tally(j judge, pos, neg []doc) score {
	s := score{byFormat: map[string]int{}}
	for _, d := range pos {
		o := j.run(d)
		s.positives++
		if o.caught {
			s.caught++
			s.byFormat[d.Format]++
		}
		if o.alarm {
			s.alarms++
		}
	}
	for _, d := range neg {
		s.negatives++
		if j.run(d).alarm {
			s.alarms++
			s.negAlarms++
		}
	}
	return s
}

// providerReport measures every contender on the provider corpus and
// writes the summary lines cmd/warden reads and the per-format table.
func (t *tools) providerReport(w io.Writer) error {
	js, err := t.judges()
	if err != nil {
		return err
	}
	pos, neg, b64 := positives(), negatives(), base64Wrapped()
	fmt.Fprintf(w, "\nprovider corpus (bench/leakguard formats.go, written from providers' documentation; seed %d):\n", corpusSeed)
	fmt.Fprintf(w, "%d formats x %d carriers = %d positive documents, %d benign documents; base64 set: %d Kubernetes Secrets\n",
		len(formats), len(carriers), len(pos), len(neg), len(b64))
	scores := make([]score, len(js))
	for i, j := range js {
		s := tally(j, pos, neg)
		scores[i] = s
		bs := tally(j, b64, nil)
		fmt.Fprintf(w, "provider %-28s recall %.4f (%d/%d) precision %.4f (false alarms %d, on benign documents %d/%d)  base64-wrapped %d/%d\n",
			j.name, s.recall(), s.caught, s.positives, s.precision(), s.alarms, s.negAlarms, s.negatives, bs.caught, bs.positives)
	}
	fmt.Fprintf(w, "\nper format, documents caught of %d (one per carrier):\n", len(carriers))
	fmt.Fprintf(w, "%-36s", "format")
	for _, j := range js {
		fmt.Fprintf(w, " %12s", shortName(j.name))
	}
	fmt.Fprintln(w)
	ids := make([]string, 0, len(formats))
	for _, f := range formats {
		ids = append(ids, f.ID)
	}
	sort.Strings(ids)
	for _, id := range ids {
		fmt.Fprintf(w, "%-36s", id)
		for _, s := range scores {
			fmt.Fprintf(w, " %12d", s.byFormat[id])
		}
		fmt.Fprintln(w)
	}
	return nil
}

func shortName(n string) string {
	switch n {
	case "leakguard (default config)":
		return "lg-default"
	case "leakguard (all confidences)":
		return "lg-all"
	case "gitleaks (decode depth 5)":
		return "gitleaks-d5"
	}
	return n
}

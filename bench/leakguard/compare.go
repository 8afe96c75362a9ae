// Command leakguard-bench measures warden-leakguard next to gitleaks
// (github.com/zricethezav/gitleaks/v8 as a library, its default rules)
// over the same bytes, in one run: throughput on a clean 1 MiB JSON
// response and on a secret-dense corpus, and recall on leakguard's
// labelled corpus (package leaktest). It is a module of its own so that
// gitleaks' dependency tree stays out of the plugin binaries.
//
//	go -C bench/leakguard run .
package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/rs/zerolog"
	"github.com/warden-gw/warden/pkg/config"
	"github.com/warden-gw/warden/pkg/leakguard"
	"github.com/warden-gw/warden/pkg/leakguard/leaktest"
	"github.com/zricethezav/gitleaks/v8/detect"
)

// cleanSize and denseSize are the bodies measured.
const (
	cleanSize = 1 << 20
	denseSize = 256 << 10
)

// Recall is measured on the seeds leakguard's own precision test uses.
const (
	firstSeed = 100
	lastSeed  = 199
)

// tools are the scanners under test, built once.
type tools struct {
	guard    *leakguard.Guard
	scanner  *leakguard.Scanner
	gitleaks *detect.Detector
	// gitleaksCLI is gitleaks as its command line runs it: recursive
	// decoding (base64, hex, percent) up to depth 5 (cmd/root.go
	// --max-decode-depth). The library's default, depth 0, is the
	// baseline the goals are measured against.
	gitleaksCLI *detect.Detector
}

func newTools() (*tools, error) {
	// gitleaks logs every finding at debug level through zerolog.
	zerolog.SetGlobalLevel(zerolog.Disabled)
	cfg, err := config.Load[leakguard.Config]([]byte(`{"fingerprint_key":"bench","max_scan_bytes":4194304}`))
	if err != nil {
		return nil, err
	}
	g, err := leakguard.New(cfg)
	if err != nil {
		return nil, err
	}
	d, err := detect.NewDetectorDefaultConfig()
	if err != nil {
		return nil, fmt.Errorf("gitleaks default config: %w", err)
	}
	cli, err := detect.NewDetectorDefaultConfig()
	if err != nil {
		return nil, fmt.Errorf("gitleaks default config: %w", err)
	}
	cli.MaxDecodeDepth = 5
	return &tools{guard: g, scanner: g.Scanner(), gitleaks: d, gitleaksCLI: cli}, nil
}

var (
	jsonHeaders = map[string][]string{"Content-Type": {"application/json"}}
	textHeaders = map[string][]string{"Content-Type": {"text/plain"}}
)

// scanners returns the contenders for a body of the given headers:
// leakguard's response phase (what the plugin runs), leakguard's scanner
// over the raw bytes (what gitleaks does), and gitleaks. Each returns the
// number of findings.
func (t *tools) scanners(headers map[string][]string) []contender {
	return []contender{
		{"leakguard (response phase)", func(b []byte) int {
			return t.guard.InspectResponse(leakguard.Response{Headers: headers, Body: b}).Total
		}},
		{"leakguard (scanner, raw bytes)", func(b []byte) int { return len(t.scanner.Scan(b, "/")) }},
		{gitleaksName, func(b []byte) int { return len(t.gitleaks.DetectBytes(b)) }},
		{"gitleaks, decode depth 5 (as its CLI)", func(b []byte) int { return len(t.gitleaksCLI.DetectBytes(b)) }},
	}
}

// gitleaksName is the baseline every ratio is taken against.
const gitleaksName = "gitleaks v8.30.1 (library defaults)"

type contender struct {
	name string
	scan func([]byte) int
}

// Throughput is one measured row.
type Throughput struct {
	Corpus, Tool string
	Bytes        int
	Findings     int
	MBps         float64
}

func measure(corpus string, body []byte, cs []contender) []Throughput {
	var out []Throughput
	for _, c := range cs {
		n := c.scan(body)
		r := testing.Benchmark(func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				c.scan(body)
			}
		})
		mbps := float64(len(body)) * float64(r.N) / r.T.Seconds() / 1e6
		out = append(out, Throughput{Corpus: corpus, Tool: c.name, Bytes: len(body), Findings: n, MBps: mbps})
	}
	return out
}

// Recall counts, over the labelled corpus, the positives each tool finds
// (a finding covering the planted secret, or inside it and at least half
// its length: gitleaks reports some secrets by their capture group) and
// the findings it reports on negatives.
type Recall struct {
	Tool               string
	Positives, Found   int
	Negatives, FalsePo int
	// Missed lists rule ids of positives this tool missed (with repeats).
	Missed map[string]int
}

func (r Recall) Rate() float64 { return float64(r.Found) / float64(r.Positives) }

func covers(found, secret string) bool {
	return strings.Contains(found, secret) || (strings.Contains(secret, found) && 2*len(found) >= len(secret))
}

func (t *tools) recall() []Recall {
	type finder struct {
		name string
		find func(text string) []string
	}
	finders := []finder{
		{"leakguard", func(text string) []string {
			var out []string
			for _, m := range t.scanner.Scan([]byte(text), "/") {
				out = append(out, text[m.Start:m.End])
			}
			return out
		}},
		{"gitleaks", func(text string) []string {
			var out []string
			for _, f := range t.gitleaks.DetectString(text) {
				out = append(out, f.Secret)
			}
			return out
		}},
		{"gitleaks (decode depth 5)", func(text string) []string {
			var out []string
			for _, f := range t.gitleaksCLI.DetectString(text) {
				out = append(out, f.Secret)
			}
			return out
		}},
	}
	var res []Recall
	for _, f := range finders {
		r := Recall{Tool: f.name, Missed: map[string]int{}}
		for seed := uint64(firstSeed); seed <= lastSeed; seed++ {
			g := leaktest.NewGen(seed)
			for _, p := range g.Positives() {
				r.Positives++
				hit := false
				for _, s := range f.find(p.Text) {
					hit = hit || covers(s, p.Secret)
				}
				if hit {
					r.Found++
				} else {
					r.Missed[p.Rule]++
				}
			}
			for _, n := range g.Negatives() {
				r.Negatives++
				r.FalsePo += len(f.find(n))
			}
		}
		res = append(res, r)
	}
	return res
}

// Report measures everything and writes the table.
func Report(w io.Writer) error {
	t, err := newTools()
	if err != nil {
		return err
	}
	clean := leaktest.JSONBody(cleanSize, 0)
	dense, planted := leaktest.Dense(denseSize)
	rows := measure("clean JSON", clean, t.scanners(jsonHeaders))
	rows = append(rows, measure("secret-dense text", dense, t.scanners(textHeaders))...)

	fmt.Fprintf(w, "clean: %d-byte JSON response, no secrets; dense: %d-byte text, %d planted secrets\n\n", len(clean), len(dense), len(planted))
	base := map[string]float64{}
	for _, r := range rows {
		if r.Tool == gitleaksName {
			base[r.Corpus] = r.MBps
		}
	}
	fmt.Fprintf(w, "%-18s %-38s %10s %9s %11s\n", "corpus", "tool", "MB/s", "findings", "vs gitleaks")
	for _, r := range rows {
		fmt.Fprintf(w, "%-18s %-38s %10.2f %9d %10.1fx\n", r.Corpus, r.Tool, r.MBps, r.Findings, r.MBps/base[r.Corpus])
	}
	fmt.Fprintf(w, "\nregression set: recall on pkg/leakguard/leaktest, one sample per built-in rule, written with the rules (seeds %d..%d); it cannot show a missing format:\n", firstSeed, lastSeed)
	for _, r := range t.recall() {
		fmt.Fprintf(w, "%-26s recall %.4f (%d/%d)  findings on %d negatives: %d\n", r.Tool, r.Rate(), r.Found, r.Positives, r.Negatives, r.FalsePo)
		if len(r.Missed) > 0 {
			fmt.Fprintf(w, "%-26s missed (rule: count): %v\n", "", r.Missed)
		}
	}
	if err := t.providerReport(w); err != nil {
		return err
	}
	return interleavedReport(w)
}

func main() {
	report := Report
	if len(os.Args) > 1 && os.Args[1] == "-interleaved" {
		report = interleavedReport
	}
	if len(os.Args) > 1 && os.Args[1] == "-providers" {
		report = func(w io.Writer) error {
			t, err := newTools()
			if err != nil {
				return err
			}
			return t.providerReport(w)
		}
	}
	if err := report(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

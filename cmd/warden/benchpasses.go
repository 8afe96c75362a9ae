package main

import (
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
)

// A report is never chosen among runs: make bench runs every benchmark in
// several whole passes, a figure and its baseline always come from the
// same pass (they run next to each other, most of them interleaved inside
// one benchmark), and the goals table gives the median of the per-pass
// ratios with their min–max; the verdict is the median's.

// medianRun merges passes into one run whose metrics are the medians of
// the passes that measured them, for the "every benchmark" table.
func medianRun(runs []*benchRun) *benchRun {
	out := &benchRun{Results: map[string]benchResult{}}
	seenNote := map[string]bool{}
	for _, r := range runs {
		for _, e := range r.Env {
			if !containsStr(out.Env, e) {
				out.Env = append(out.Env, e)
			}
		}
		for _, n := range r.Notes {
			if !seenNote[n] {
				seenNote[n] = true
				out.Notes = append(out.Notes, n)
			}
		}
		if out.Leakguard == "" {
			out.Leakguard = r.Leakguard
		}
		for _, name := range r.Order {
			if _, ok := out.Results[name]; ok {
				continue
			}
			first := r.Results[name]
			res := benchResult{Pkg: first.Pkg, Metrics: map[string]float64{}, Units: first.Units}
			for _, u := range first.Units {
				var vals []float64
				for _, rr := range runs {
					if v, ok := rr.metric(name, u); ok {
						vals = append(vals, v)
					}
				}
				res.Metrics[u], _, _ = spread(vals)
			}
			out.Results[name] = res
			out.Order = append(out.Order, name)
		}
	}
	return out
}

// spread returns the median, minimum and maximum of vals (the mean of the
// middle two for an even count).
func spread(vals []float64) (med, lo, hi float64) {
	if len(vals) == 0 {
		return 0, 0, 0
	}
	s := slices.Clone(vals)
	slices.Sort(s)
	n := len(s)
	med = s[n/2]
	if n%2 == 0 {
		med = (s[n/2-1] + s[n/2]) / 2
	}
	return med, s[0], s[n-1]
}

// compared is the quantity a figure's goal is about in one pass: the
// ratio (baseline ÷ ours for "faster", ours ÷ baseline otherwise) or, for
// an absolute goal, our own figure.
func (f figure) compared(run *benchRun) (float64, bool) {
	o, ok := run.metric(f.Ours, f.Unit)
	if !ok {
		return 0, false
	}
	if f.Kind == absMax || f.Kind == absMin {
		return o, true
	}
	bu := f.BaseUnit
	if bu == "" {
		bu = f.Unit
	}
	b, ok := run.metric(f.Base, bu)
	if !ok || b == 0 || o == 0 {
		return 0, false
	}
	if f.Kind == faster || f.Kind == reference && strings.HasSuffix(f.Unit, "/op") {
		return b / o, true
	}
	return o / b, true
}

// acrossPasses evaluates f in every pass: the median figures for the
// Warden and baseline columns, the compared quantity as median [min–max],
// and the verdict on the median.
func (f figure) acrossPasses(runs []*benchRun, med *benchRun) (ours, base, ratio, met string) {
	ours, base = f.columns(med)
	var vals []float64
	for _, r := range runs {
		if v, ok := f.compared(r); ok {
			vals = append(vals, v)
		}
	}
	if len(vals) == 0 {
		return ours, base, "", "—"
	}
	m, lo, hi := spread(vals)
	switch {
	case f.Kind == absMax || f.Kind == absMin:
		ratio = fmt.Sprintf("[%s – %s]", formatValue(lo, f.Unit), formatValue(hi, f.Unit))
	case f.Kind == faster || f.Kind == reference && strings.HasSuffix(f.Unit, "/op"):
		ratio = fmt.Sprintf("%.1f× faster [%.1f–%.1f]", m, lo, hi)
	default:
		ratio = fmt.Sprintf("%.2f× [%.2f–%.2f]", m, lo, hi)
	}
	if len(vals) < len(runs) {
		ratio += fmt.Sprintf(" (%d of %d passes)", len(vals), len(runs))
	}
	switch f.Kind {
	case faster, atLeast, absMin:
		met = yesNo(m >= f.Value)
	case atMost, absMax:
		met = yesNo(m <= f.Value)
	}
	return ours, base, ratio, met
}

// gitCommit names the commit a report's figures were measured at, and
// whether the tree had changes.
func gitCommit() string {
	out, err := exec.Command("git", "rev-parse", "--short=12", "HEAD").Output()
	if err != nil {
		return "unknown commit"
	}
	c := strings.TrimSpace(string(out))
	st, _ := exec.Command("git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":!docs/benchmarks.md").Output()
	if len(strings.TrimSpace(string(st))) > 0 {
		c += " with uncommitted changes"
	}
	return c
}

// loadAverage is /proc/loadavg's three averages, recorded when a run
// starts and ends.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// benchRun is one parsed `go test -bench` run plus the leakguard module's
// comparison with gitleaks.
type benchRun struct {
	// Results by benchmark name without the GOMAXPROCS suffix.
	Results map[string]benchResult
	// Order is the names in output order.
	Order []string
	// Env is the goos, goarch and cpu lines go test printed.
	Env []string
	// Notes are the "# ..." lines benchmarks printed (ratios they log).
	Notes []string
	// Leakguard is bench/leakguard's report, verbatim ("" when not run).
	Leakguard string
}

// benchResult is one benchmark line: its package and metrics by unit.
type benchResult struct {
	Pkg     string
	Metrics map[string]float64
	Units   []string
}

var benchLine = regexp.MustCompile(`^(Benchmark\S+)\s+(\d+)\s+(.*)$`)

// parseBench reads go test -bench output. suffix is the "-N" GOMAXPROCS
// suffix go test appends to every name ("" for N = 1).
func parseBench(r io.Reader, suffix string) *benchRun {
	run := &benchRun{Results: map[string]benchResult{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var pkg string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "pkg: "):
			pkg = strings.TrimPrefix(line, "pkg: ")
			continue
		case strings.HasPrefix(line, "goos: "), strings.HasPrefix(line, "goarch: "), strings.HasPrefix(line, "cpu: "):
			if !containsStr(run.Env, line) {
				run.Env = append(run.Env, line)
			}
			continue
		case strings.HasPrefix(line, "# "):
			run.Notes = append(run.Notes, strings.TrimPrefix(line, "# "))
			continue
		}
		m := benchLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		name := strings.TrimSuffix(m[1], suffix)
		res := benchResult{Pkg: pkg, Metrics: map[string]float64{}}
		f := strings.Fields(m[3])
		for i := 0; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			res.Metrics[f[i+1]] = v
			res.Units = append(res.Units, f[i+1])
		}
		if _, seen := run.Results[name]; !seen {
			run.Order = append(run.Order, name)
		}
		run.Results[name] = res
	}
	return run
}

var (
	gitleaksRow    = regexp.MustCompile(`^(clean JSON|secret-dense text)\s+(.+?)\s+([\d.]+)\s+(\d+)\s+[\d.]+x\s*$`)
	gitleaksRecall = regexp.MustCompile(`^(\S+)\s+recall ([\d.]+)`)
)

// addLeakguard parses bench/leakguard's report into pseudo-benchmarks
// named "gitleaks/<corpus>/<tool>" (MB/s) and "gitleaks/recall/<tool>".
func (run *benchRun) addLeakguard(out string) {
	run.Leakguard = out
	add := func(name, unit string, v float64) {
		run.Results[name] = benchResult{Pkg: "bench/leakguard", Metrics: map[string]float64{unit: v}, Units: []string{unit}}
		run.Order = append(run.Order, name)
	}
	for _, line := range strings.Split(out, "\n") {
		if m := gitleaksRow.FindStringSubmatch(line); m != nil {
			v, _ := strconv.ParseFloat(m[3], 64)
			add("gitleaks/"+m[1]+"/"+m[2], "MB/s", v)
		} else if m := gitleaksRecall.FindStringSubmatch(line); m != nil {
			v, _ := strconv.ParseFloat(m[2], 64)
			add("gitleaks/recall/"+m[1], "recall", v)
		}
	}
}

// goalKind says how a figure is compared.
type goalKind int

const (
	faster    goalKind = iota // baseline time / ours >= Value
	atMost                    // ours / baseline (same unit) <= Value
	atLeast                   // ours / baseline (same unit) >= Value
	absMax                    // ours <= Value, no baseline needed
	absMin                    // ours >= Value
	reference                 // shown next to its baseline, no goal
)

// figure is one performance figure the plugin issues ask for.
type figure struct {
	Plugin   string
	What     string
	Ours     string // benchmark name
	Unit     string // the metric compared
	Base     string // baseline benchmark name ("" for absolute goals)
	BaseUnit string // defaults to Unit
	Kind     goalKind
	Value    float64
	Goal     string // the goal as the issue words it
}

// figures are the goals of the plugin issues (#2 runtime, #3 auth, #4
// authz, #5 validator, #6 ratelimit, #7 leakguard), each with the
// baseline measured in the same run.
var figures = []figure{
	{Plugin: "pluginkit", What: "access event, pluginkit vs plain go-pdk plugin (one PDK call each)", Ours: "BenchmarkRuntimeOverhead", Unit: "pluginkit-ns/event", Base: "BenchmarkRuntimeOverhead", BaseUnit: "gopdk-ns/event", Kind: atMost, Value: 1.2, Goal: "≤ 1.2×"},
	{Plugin: "warden-auth", What: "RS256, repeated token vs golang-jwt", Ours: "BenchmarkVerify/RS256/warden-warm", Unit: "ns/op", Base: "BenchmarkVerify/RS256/golang-jwt", Kind: faster, Value: 20, Goal: "≥ 20× faster"},
	{Plugin: "warden-auth", What: "ES256, repeated token vs golang-jwt", Ours: "BenchmarkVerify/ES256/warden-warm", Unit: "ns/op", Base: "BenchmarkVerify/ES256/golang-jwt", Kind: faster, Value: 20, Goal: "≥ 20× faster"},
	{Plugin: "warden-auth", What: "RS256, first-seen token vs golang-jwt", Ours: "BenchmarkVerify/RS256/warden-cold", Unit: "ns/op", Base: "BenchmarkVerify/RS256/golang-jwt", Kind: atMost, Value: 1.1, Goal: "≤ 1.1×"},
	{Plugin: "warden-auth", What: "ES256, first-seen token vs golang-jwt", Ours: "BenchmarkVerify/ES256/warden-cold", Unit: "ns/op", Base: "BenchmarkVerify/ES256/golang-jwt", Kind: atMost, Value: 1.1, Goal: "≤ 1.1×"},
	{Plugin: "warden-authz", What: "decision, 200 rules, no CEL", Ours: "BenchmarkDecide/rules=200/cel=false", Unit: "ns/op", Kind: absMax, Value: 2000, Goal: "≤ 2 µs"},
	{Plugin: "warden-authz", What: "decision, 200 rules, CEL condition on the matched rule", Ours: "BenchmarkDecide/rules=200/cel=true", Unit: "ns/op", Kind: absMax, Value: 5000, Goal: "≤ 5 µs"},
	{Plugin: "warden-authz", What: "matching 100 rules: trie vs a regexp per rule compiled per request", Ours: "BenchmarkMatchBaseline/trie", Unit: "ns/op", Base: "BenchmarkMatchBaseline/naive-regexp-per-request", Kind: reference, Goal: "(no regexp scan)"},
	{Plugin: "warden-authz", What: "matching 100 rules: trie vs precompiled regexps scanned in turn", Ours: "BenchmarkMatchBaseline/trie", Unit: "ns/op", Base: "BenchmarkMatchBaseline/linear-precompiled-regexp", Kind: reference, Goal: "(no regexp scan)"},
	{Plugin: "warden-validator", What: "~1 KB order: full check vs bare gojsonschema, schema compiled once", Ours: "BenchmarkValidateOrder/warden", Unit: "ns/op", Base: "BenchmarkValidateOrder/bare_compiled", Kind: atMost, Value: 1.2, Goal: "≤ 1.2×"},
	{Plugin: "warden-validator", What: "threat pre-pass throughput (~64 KB body), vs encoding/json Valid", Ours: "BenchmarkThreatScan/check", Unit: "MB/s", Base: "BenchmarkThreatScan/encoding_json_valid", Kind: absMin, Value: 300, Goal: "≥ 300 MB/s"},
	{Plugin: "warden-ratelimit", What: "3 limits, GCRA, one script call vs go-redis/redis_rate (3 calls), parallel", Ours: "BenchmarkRedisDecision/3_limits/warden_one_call/gcra/parallel", Unit: "decisions/s", Base: "BenchmarkRedisDecision/3_limits/redis_rate_call_per_limit/parallel", Kind: atLeast, Value: 2, Goal: "≥ 2×"},
	{Plugin: "warden-ratelimit", What: "3 limits, sliding window vs go-redis/redis_rate (3 calls), parallel", Ours: "BenchmarkRedisDecision/3_limits/warden_one_call/sliding_window/parallel", Unit: "decisions/s", Base: "BenchmarkRedisDecision/3_limits/redis_rate_call_per_limit/parallel", Kind: atLeast, Value: 2, Goal: "≥ 2×"},
	{Plugin: "warden-ratelimit", What: "3 limits, fixed window vs go-redis/redis_rate (3 calls), parallel", Ours: "BenchmarkRedisDecision/3_limits/warden_one_call/fixed_window/parallel", Unit: "decisions/s", Base: "BenchmarkRedisDecision/3_limits/redis_rate_call_per_limit/parallel", Kind: atLeast, Value: 2, Goal: "≥ 2×"},
	{Plugin: "warden-ratelimit", What: "3 limits, GCRA vs Kong OSS rate-limiting (a round trip per window), parallel", Ours: "BenchmarkRedisDecision/3_limits/warden_one_call/gcra/parallel", Unit: "decisions/s", Base: "BenchmarkRedisDecision/3_limits/kong_oss_call_per_window/parallel", Kind: reference},
	{Plugin: "warden-leakguard", What: "clean 1 MiB JSON response vs gitleaks v8.30.1", Ours: "gitleaks/clean JSON/leakguard (response phase)", Unit: "MB/s", Base: "gitleaks/clean JSON/gitleaks v8.30.1 (default rules)", Kind: atLeast, Value: 10, Goal: "≥ 10×"},
	{Plugin: "warden-leakguard", What: "secret-dense corpus vs gitleaks v8.30.1", Ours: "gitleaks/secret-dense text/leakguard (response phase)", Unit: "MB/s", Base: "gitleaks/secret-dense text/gitleaks v8.30.1 (default rules)", Kind: atLeast, Value: 3, Goal: "≥ 3×"},
	{Plugin: "warden-leakguard", What: "recall on the labelled corpus vs gitleaks", Ours: "gitleaks/recall/leakguard", Unit: "recall", Base: "gitleaks/recall/gitleaks", Kind: atLeast, Value: 1, Goal: "≥ gitleaks'"},
	{Plugin: "warden-leakguard", What: "64 KiB clean JSON: keyword prefilter vs every rule's regexp", Ours: "BenchmarkScan64KiBJSON/clean/prefilter", Unit: "ns/op", Base: "BenchmarkScan64KiBJSON/clean/baseline-all-regexes", Kind: reference},
}

// evaluate returns the figure's values, its ratio text and whether the
// goal is met ("" when it could not be judged).
func (f figure) evaluate(run *benchRun) (ours, base, ratio, met string) {
	o, okO := run.metric(f.Ours, f.Unit)
	if !okO {
		return "not measured", "", "", "—"
	}
	ours = formatValue(o, f.Unit)
	if f.Kind == absMax || f.Kind == absMin {
		if f.Base != "" {
			if b, ok := run.metric(f.Base, f.Unit); ok {
				base = formatValue(b, f.Unit)
				ratio = fmt.Sprintf("%.2f×", o/b)
			}
		}
		return ours, base, ratio, yesNo(f.Kind == absMax && o <= f.Value || f.Kind == absMin && o >= f.Value)
	}
	bu := f.BaseUnit
	if bu == "" {
		bu = f.Unit
	}
	b, okB := run.metric(f.Base, bu)
	if !okB || b == 0 || o == 0 {
		return ours, "not measured", "", "—"
	}
	base = formatValue(b, bu)
	switch f.Kind {
	case faster:
		r := b / o
		return ours, base, fmt.Sprintf("%.1f× faster", r), yesNo(r >= f.Value)
	case atMost:
		r := o / b
		return ours, base, fmt.Sprintf("%.2f×", r), yesNo(r <= f.Value)
	case atLeast:
		r := o / b
		return ours, base, fmt.Sprintf("%.2f×", r), yesNo(r >= f.Value)
	}
	if strings.HasSuffix(f.Unit, "/op") {
		return ours, base, fmt.Sprintf("%.1f× faster", b/o), ""
	}
	return ours, base, fmt.Sprintf("%.2f×", o/b), ""
}

func (run *benchRun) metric(name, unit string) (float64, bool) {
	r, ok := run.Results[name]
	if !ok {
		return 0, false
	}
	v, ok := r.Metrics[unit]
	return v, ok
}

func yesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

// formatValue writes times in the largest readable unit.
func formatValue(v float64, unit string) string {
	if unit == "ns/op" || strings.HasSuffix(unit, "ns/event") {
		switch {
		case v >= 1e6:
			return fmt.Sprintf("%.2f ms", v/1e6)
		case v >= 1e3:
			return fmt.Sprintf("%.2f µs", v/1e3)
		}
		return fmt.Sprintf("%.0f ns", v)
	}
	switch unit {
	case "MB/s":
		return fmt.Sprintf("%.1f MB/s", v)
	case "decisions/s":
		return fmt.Sprintf("%.0f/s", v)
	case "recall":
		return fmt.Sprintf("%.4f", v)
	}
	return strconv.FormatFloat(v, 'g', 4, 64) + " " + unit
}

// writeBenchReport renders the run as Markdown.
func writeBenchReport(w io.Writer, run *benchRun, meta string) {
	fmt.Fprintln(w, "# Benchmarks")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "<!-- Generated by `make bench` (go run ./cmd/warden bench -o docs/benchmarks.md). Do not edit. -->")
	fmt.Fprintln(w)
	fmt.Fprintf(w, "%s\n\n", meta)
	fmt.Fprintln(w, "Each ratio compares two figures from this one run, so load and machine affect both alike;")
	fmt.Fprintln(w, "absolute figures depend on the machine. Ratios of times are ours ÷ baseline unless they say")
	fmt.Fprintln(w, "\"faster\" (baseline ÷ ours); ratios of throughputs are ours ÷ baseline.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "## Goals from the plugin issues")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| plugin | figure | Warden | baseline | ratio | goal | met |")
	fmt.Fprintln(w, "| --- | --- | --- | --- | --- | --- | --- |")
	for _, f := range figures {
		ours, base, ratio, met := f.evaluate(run)
		goal := f.Goal
		if f.Kind == reference {
			met = ""
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s |\n", f.Plugin, f.What, ours, base, ratio, goal, met)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "PDK calls per request (goals: warden-auth ≤ 4, warden-authz ≤ 3, warden-validator ≤ 4,")
	fmt.Fprintln(w, "warden-ratelimit ≤ 3, warden-leakguard ≤ 3 per clean response) are counted by the harness and")
	fmt.Fprintln(w, "asserted in each plugin's end-to-end tests (`make test`); they are not timings.")
	if len(run.Notes) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Ratios the benchmarks logged:")
		fmt.Fprintln(w)
		for _, n := range run.Notes {
			fmt.Fprintf(w, "- %s\n", n)
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "## Every benchmark")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| package | benchmark | time/op | other figures | B/op | allocs/op |")
	fmt.Fprintln(w, "| --- | --- | --- | --- | ---: | ---: |")
	for _, name := range run.Order {
		r := run.Results[name]
		if r.Pkg == "bench/leakguard" {
			continue
		}
		var other []string
		for _, u := range r.Units {
			switch u {
			case "ns/op", "B/op", "allocs/op":
			default:
				other = append(other, formatOther(r.Metrics[u], u))
			}
		}
		fmt.Fprintf(w, "| %s | `%s` | %s | %s | %s | %s |\n", strings.TrimPrefix(r.Pkg, modulePath+"/"), name,
			optional(r, "ns/op"), strings.Join(other, ", "), optional(r, "B/op"), optional(r, "allocs/op"))
	}
	if run.Leakguard != "" {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "## warden-leakguard next to gitleaks (bench/leakguard)")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "```text")
		fmt.Fprintln(w, strings.TrimRight(run.Leakguard, "\n"))
		fmt.Fprintln(w, "```")
	}
}

// formatOther writes a benchmark's extra metric with its unit.
func formatOther(v float64, unit string) string {
	if unit == "MB/s" {
		return fmt.Sprintf("%.1f MB/s", v)
	}
	if v >= 100 {
		return fmt.Sprintf("%.0f %s", v, unit)
	}
	return strconv.FormatFloat(v, 'g', 4, 64) + " " + unit
}

const modulePath = "github.com/warden-gw/warden"

func optional(r benchResult, unit string) string {
	v, ok := r.Metrics[unit]
	if !ok {
		return ""
	}
	if unit == "ns/op" {
		return formatValue(v, unit)
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

func containsStr(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// runBench runs every package's benchmarks and bench/leakguard, echoing
// their output to stderr, and writes the report.
func runBench(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("bench", stderr)
	out := fs.String("o", "docs/benchmarks.md", "write the Markdown report to `FILE`")
	benchtime := fs.String("benchtime", "1s", "go test -benchtime")
	pattern := fs.String("bench", ".", "go test -bench")
	pkgs := fs.String("pkgs", "./...", "packages to benchmark")
	input := fs.String("in", "", "read go test -bench output from `FILE` instead of running it (bench/leakguard is then skipped)")
	pos, err := parseInterleaved(fs, args)
	if err != nil || len(pos) != 0 {
		fs.Usage()
		return 2
	}
	start := time.Now()
	var raw []byte
	if *input != "" {
		if raw, err = os.ReadFile(*input); err != nil {
			fmt.Fprintln(stderr, "warden bench:", err)
			return 1
		}
	} else {
		raw, err = tee(stderr, "go", "test", "-run", "^$", "-bench", *pattern, "-benchmem", "-benchtime", *benchtime, "-timeout", "20m", *pkgs)
		if err != nil {
			fmt.Fprintln(stderr, "warden bench: go test:", err)
			return 1
		}
	}
	run := parseBench(bytes.NewReader(raw), procSuffix())
	if *input == "" {
		if _, err := os.Stat("bench/leakguard/go.mod"); err == nil {
			lg, err := tee(stderr, "go", "-C", "bench/leakguard", "run", ".")
			if err != nil {
				fmt.Fprintln(stderr, "warden bench: bench/leakguard:", err)
				return 1
			}
			run.addLeakguard(string(lg))
		}
	}
	goVersion, _ := exec.Command("go", "env", "GOVERSION").Output()
	meta := fmt.Sprintf("Run of %s: %s, %s, -benchtime %s, %s in all.", time.Now().UTC().Format("2006-01-02 15:04 MST"),
		strings.TrimSpace(string(goVersion)), strings.Join(run.Env, ", "), *benchtime, time.Since(start).Round(time.Second))
	var buf bytes.Buffer
	writeBenchReport(&buf, run, meta)
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		fmt.Fprintln(stderr, "warden bench:", err)
		return 1
	}
	fmt.Fprintf(stdout, "wrote %s (%d benchmarks)\n", *out, len(run.Order))
	return 0
}

// tee runs a command, copying its stdout to w as it comes, and returns it.
func tee(w io.Writer, name string, args ...string) ([]byte, error) {
	var buf bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout = io.MultiWriter(&buf, w)
	cmd.Stderr = w
	err := cmd.Run()
	return buf.Bytes(), err
}

// procSuffix is the "-N" go test appends to benchmark names when
// GOMAXPROCS is N > 1.
func procSuffix() string {
	n := runtime.NumCPU()
	if v, err := strconv.Atoi(os.Getenv("GOMAXPROCS")); err == nil && v > 0 {
		n = v
	}
	if n == 1 {
		return ""
	}
	return "-" + strconv.Itoa(n)
}

package main

import (
	"fmt"
	"strconv"
	"strings"
)

// The performance goals of the plugin issues and how a run is judged against them.

// columns returns the figure's own value and its baseline's, formatted,
// for one run ("not measured" where the run has none). The ratio and the
// verdict are judged across passes (acrossPasses).
func (f figure) columns(run *benchRun) (ours, base string) {
	o, ok := run.metric(f.Ours, f.Unit)
	if !ok {
		return "not measured", ""
	}
	ours = formatValue(o, f.Unit)
	if f.Base == "" {
		return ours, ""
	}
	bu := f.BaseUnit
	if bu == "" {
		bu = f.Unit
	}
	b, ok := run.metric(f.Base, bu)
	if !ok || b == 0 {
		return ours, "not measured"
	}
	return ours, formatValue(b, bu)
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
	if unit == "ns/op" || strings.HasSuffix(unit, "ns/event") || strings.HasSuffix(unit, "-ns/op") {
		switch {
		case v >= 1e6:
			return fmt.Sprintf("%.2f ms", v/1e6)
		case v >= 1e3:
			return fmt.Sprintf("%.2f µs", v/1e3)
		}
		return fmt.Sprintf("%.0f ns", v)
	}
	switch {
	case strings.HasSuffix(unit, "-µs"):
		if v >= 1000 {
			return fmt.Sprintf("%.2f ms", v/1000)
		}
		return fmt.Sprintf("%.0f µs", v)
	case strings.HasSuffix(unit, "-roundtrips"):
		return fmt.Sprintf("%.0f round trips", v)
	}
	switch unit {
	case "MB/s":
		if v < 10 {
			return fmt.Sprintf("%.2f MB/s", v)
		}
		return fmt.Sprintf("%.1f MB/s", v)
	case "decisions/s":
		return fmt.Sprintf("%.0f/s", v)
	case "recall", "precision":
		return fmt.Sprintf("%.4f", v)
	case "now-ms", "before-ms":
		return fmt.Sprintf("%.2f ms", v)
	}
	return strconv.FormatFloat(v, 'g', 4, 64) + " " + unit
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

// goalKind says how a figure is compared.
type goalKind int

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
	{Plugin: "warden-auth", What: "RS256, first-seen token vs golang-jwt verifying it, interleaved", Ours: "BenchmarkVerifyInterleaved/RS256/cold", Unit: "warden-ns/op", Base: "BenchmarkVerifyInterleaved/RS256/cold", BaseUnit: "golang-jwt-ns/op", Kind: atMost, Value: 1.1, Goal: "≤ 1.1×"},
	{Plugin: "warden-auth", What: "ES256, first-seen token vs golang-jwt verifying it, interleaved", Ours: "BenchmarkVerifyInterleaved/ES256/cold", Unit: "warden-ns/op", Base: "BenchmarkVerifyInterleaved/ES256/cold", BaseUnit: "golang-jwt-ns/op", Kind: atMost, Value: 1.1, Goal: "≤ 1.1×"},
	{Plugin: "warden-auth", What: "RS256, repeated token: a cache hit vs golang-jwt verifying again, interleaved (the issue's goal; a cache against a verification)", Ours: "BenchmarkVerifyInterleaved/RS256/warm", Unit: "warden-ns/op", Base: "BenchmarkVerifyInterleaved/RS256/warm", BaseUnit: "golang-jwt-ns/op", Kind: faster, Value: 20, Goal: "≥ 20× faster"},
	{Plugin: "warden-auth", What: "ES256, repeated token: a cache hit vs golang-jwt verifying again, interleaved (the same)", Ours: "BenchmarkVerifyInterleaved/ES256/warm", Unit: "warden-ns/op", Base: "BenchmarkVerifyInterleaved/ES256/warm", BaseUnit: "golang-jwt-ns/op", Kind: faster, Value: 20, Goal: "≥ 20× faster"},
	{Plugin: "warden-auth", What: "RS256, repeated token: Warden's cache hit (whole Authenticate) vs golang-jwt behind the same kind of cache (the fair baseline)", Ours: "BenchmarkVerify/RS256/warden-warm", Unit: "ns/op", Base: "BenchmarkVerify/RS256/golang-jwt-cached", Kind: reference},
	{Plugin: "warden-auth", What: "ES256, repeated token: the same, against golang-jwt behind the same kind of cache", Ours: "BenchmarkVerify/ES256/warden-warm", Unit: "ns/op", Base: "BenchmarkVerify/ES256/golang-jwt-cached", Kind: reference},
	{Plugin: "warden-auth", What: "DPoP proof verification vs golang-jwt verifying the same proof (interleaved)", Ours: "BenchmarkDPoPProof", Unit: "warden-ns/op", Base: "BenchmarkDPoPProof", BaseUnit: "golang-jwt-ns/op", Kind: atMost, Value: 1.2, Goal: "≤ 1.2×"},
	{Plugin: "warden-authz", What: "decision, 200 rules, no CEL", Ours: "BenchmarkDecide/rules=200/cel=false", Unit: "ns/op", Kind: absMax, Value: 2000, Goal: "≤ 2 µs"},
	{Plugin: "warden-authz", What: "decision, 200 rules, CEL condition on the matched rule", Ours: "BenchmarkDecide/rules=200/cel=true", Unit: "ns/op", Kind: absMax, Value: 5000, Goal: "≤ 5 µs"},
	{Plugin: "warden-authz", What: "matching 100 rules: trie vs a regexp per rule compiled per request", Ours: "BenchmarkMatchBaseline/trie", Unit: "ns/op", Base: "BenchmarkMatchBaseline/naive-regexp-per-request", Kind: reference, Goal: "(no regexp scan)"},
	{Plugin: "warden-authz", What: "matching 100 rules: trie vs precompiled regexps scanned in turn", Ours: "BenchmarkMatchBaseline/trie", Unit: "ns/op", Base: "BenchmarkMatchBaseline/linear-precompiled-regexp", Kind: reference, Goal: "(no regexp scan)"},
	{Plugin: "warden-validator", What: "~1 KB order: full check vs bare gojsonschema, schema compiled once", Ours: "BenchmarkValidateOrder/warden", Unit: "ns/op", Base: "BenchmarkValidateOrder/bare_compiled", Kind: atMost, Value: 1.2, Goal: "≤ 1.2×"},
	{Plugin: "warden-validator", What: "~1 KB order response (response_validation): full check vs bare gojsonschema", Ours: "BenchmarkValidateResponse/warden", Unit: "ns/op", Base: "BenchmarkValidateResponse/bare_compiled", Kind: reference},
	{Plugin: "warden-validator", What: "threat pre-pass throughput (~64 KB body), vs encoding/json Valid", Ours: "BenchmarkThreatScan/check", Unit: "MB/s", Base: "BenchmarkThreatScan/encoding_json_valid", Kind: absMin, Value: 300, Goal: "≥ 300 MB/s"},
	{Plugin: "warden-validator", What: "Stripe-size OpenAPI document (apigen: 420 operations, 551 schemas, 4.4 MB): import, wall, in a child process", Ours: "BenchmarkImport/stripe", Unit: "s/import", Kind: absMax, Value: 5, Goal: "≤ 5 s"},
	{Plugin: "warden-validator", What: "the same import, CPU time (user + system; the wall time on a loaded host is mostly waiting for a core)", Ours: "BenchmarkImport/stripe", Unit: "cpu-s/import", Kind: absMax, Value: 5, Goal: "≤ 5 s"},
	{Plugin: "warden-validator", What: "the same import, peak resident memory of the child", Ours: "BenchmarkImport/stripe", Unit: "peak-MB", Kind: absMax, Value: 300, Goal: "≤ 300 MB"},
	{Plugin: "warden-validator", What: "second instance of the same document (config load, Validate, New; import cached)", Ours: "BenchmarkImportAgain", Unit: "ns/op", Kind: absMax, Value: 50e6, Goal: "≤ 50 ms"},
	{Plugin: "warden-validator", What: "Stripe-size document, form-encoded create: full check vs bare gojsonschema on the decoded form, interleaved", Ours: "BenchmarkRealWorldRequest/stripe_form", Unit: "warden-ns/op", Base: "BenchmarkRealWorldRequest/stripe_form", BaseUnit: "bare-ns/op", Kind: atMost, Value: 1.2, Goal: "≤ 1.2×"},
	{Plugin: "warden-validator", What: "GitHub-like document, JSON PATCH with a $ref integer path parameter: full check vs bare gojsonschema, interleaved", Ours: "BenchmarkRealWorldRequest/github_json", Unit: "warden-ns/op", Base: "BenchmarkRealWorldRequest/github_json", BaseUnit: "bare-ns/op", Kind: atMost, Value: 1.2, Goal: "≤ 1.2×"},
	{Plugin: "warden-validator", What: "Stripe-size document, ~10 KB response with expanded fields: response check vs bare gojsonschema, interleaved", Ours: "BenchmarkRealWorldRequest/stripe_response", Unit: "warden-ns/op", Base: "BenchmarkRealWorldRequest/stripe_response", BaseUnit: "bare-ns/op", Kind: atMost, Value: 1.2, Goal: "≤ 1.2×"},
	{Plugin: "warden-ratelimit", What: "3 limits, GCRA, one script call vs go-redis/redis_rate (3 calls), parallel", Ours: "BenchmarkRedisDecision/3_limits/warden_one_call/gcra/parallel", Unit: "decisions/s", Base: "BenchmarkRedisDecision/3_limits/redis_rate_call_per_limit/parallel", Kind: atLeast, Value: 2, Goal: "≥ 2×"},
	{Plugin: "warden-ratelimit", What: "3 limits, sliding window vs go-redis/redis_rate (3 calls), parallel", Ours: "BenchmarkRedisDecision/3_limits/warden_one_call/sliding_window/parallel", Unit: "decisions/s", Base: "BenchmarkRedisDecision/3_limits/redis_rate_call_per_limit/parallel", Kind: atLeast, Value: 2, Goal: "≥ 2×"},
	{Plugin: "warden-ratelimit", What: "3 limits, fixed window vs go-redis/redis_rate (3 calls), parallel", Ours: "BenchmarkRedisDecision/3_limits/warden_one_call/fixed_window/parallel", Unit: "decisions/s", Base: "BenchmarkRedisDecision/3_limits/redis_rate_call_per_limit/parallel", Kind: atLeast, Value: 2, Goal: "≥ 2×"},
	{Plugin: "warden-ratelimit", What: "3 limits, GCRA vs Kong OSS rate-limiting (a round trip per window), parallel", Ours: "BenchmarkRedisDecision/3_limits/warden_one_call/gcra/parallel", Unit: "decisions/s", Base: "BenchmarkRedisDecision/3_limits/kong_oss_call_per_window/parallel", Kind: reference},
	{Plugin: "warden-leakguard", What: "clean 1 MiB JSON response vs gitleaks v8.30.1", Ours: "gitleaks/clean JSON/leakguard (response phase)", Unit: "MB/s", Base: "gitleaks/clean JSON/baseline", Kind: atLeast, Value: 10, Goal: "≥ 10×"},
	{Plugin: "warden-leakguard", What: "secret-dense corpus vs gitleaks v8.30.1", Ours: "gitleaks/secret-dense text/leakguard (response phase)", Unit: "MB/s", Base: "gitleaks/secret-dense text/baseline", Kind: atLeast, Value: 3, Goal: "≥ 3×"},
	{Plugin: "warden-leakguard", What: "recall, default config, provider corpus (bench/leakguard: 150 formats from providers' docs × 9 carriers) vs gitleaks", Ours: "provider/recall/leakguard (default config)", Unit: "recall", Base: "provider/recall/gitleaks", Kind: absMin, Value: 0.95, Goal: "≥ 0.95"},
	{Plugin: "warden-leakguard", What: "precision, default config, provider corpus (+ 2,400 benign documents) vs gitleaks", Ours: "provider/precision/leakguard (default config)", Unit: "precision", Base: "provider/precision/gitleaks", Kind: absMin, Value: 0.98, Goal: "≥ 0.98"},
	{Plugin: "warden-leakguard", What: "1 MiB clean JSON response phase, now vs before #14 (fb7b3f4), interleaved, medians", Ours: "leakguard/interleaved-1MiB", Unit: "now-ms", Base: "leakguard/interleaved-1MiB", BaseUnit: "before-ms", Kind: atMost, Value: 1.2, Goal: "≤ 1.2×"},
	{Plugin: "warden-leakguard", What: "recall on the regression set (one sample per built-in rule, written with the rules) vs gitleaks", Ours: "gitleaks/recall/leakguard", Unit: "recall", Base: "gitleaks/recall/gitleaks", Kind: atLeast, Value: 1, Goal: "≥ gitleaks'"},
	{Plugin: "warden-suite", What: "allowed GET with an API key, all five policies in one warden-suite entity, leakguard scanning requests (kong/suitebench): socket round trips, PDK calls + events", Ours: "BenchmarkSuite", Unit: "suite-allowed-roundtrips", Kind: absMax, Value: 6, Goal: "≤ 6"},
	{Plugin: "warden-suite", What: "the same route, GET refused by the auth policy", Ours: "BenchmarkSuite", Unit: "suite-refused-roundtrips", Kind: absMax, Value: 4, Goal: "≤ 4"},
	{Plugin: "warden-suite", What: "the same route, POST with a validated 1 KB JSON body", Ours: "BenchmarkSuite", Unit: "suite-post-roundtrips", Kind: absMax, Value: 8, Goal: "≤ 8"},
	{Plugin: "warden-suite", What: "the five stand-alone plugins on the same route (leakguard -response-phase=false), allowed GET", Ours: "BenchmarkSuite", Unit: "all-allowed-roundtrips", Kind: absMax, Value: 16, Goal: "≤ 16 (from 23)"},
	{Plugin: "warden-suite", What: "the five stand-alone plugins, GET refused by warden-auth", Ours: "BenchmarkSuite", Unit: "all-refused-roundtrips", Kind: reference},
	{Plugin: "warden-suite", What: "scanning responses too (leakguard's default): warden-suite, allowed GET", Ours: "BenchmarkSuite", Unit: "suite-resp-allowed-roundtrips", Kind: reference},
	{Plugin: "warden-suite", What: "scanning responses too: the five stand-alone plugins, allowed GET", Ours: "BenchmarkSuite", Unit: "all-resp-allowed-roundtrips", Kind: reference},
	{Plugin: "warden-suite", What: "allowed GET through the harness, p50: warden-suite (requests) vs the same route with no plugins, interleaved", Ours: "BenchmarkSuite", Unit: "suite-p50-µs", Base: "BenchmarkSuite", BaseUnit: "none-p50-µs", Kind: reference},
	{Plugin: "warden-suite", What: "the same, p50: the five stand-alone plugins vs none", Ours: "BenchmarkSuite", Unit: "all-p50-µs", Base: "BenchmarkSuite", BaseUnit: "none-p50-µs", Kind: reference},
	{Plugin: "warden-suite", What: "the same, p50: warden-suite vs the five stand-alone plugins", Ours: "BenchmarkSuite", Unit: "suite-p50-µs", Base: "BenchmarkSuite", BaseUnit: "all-p50-µs", Kind: reference},
	{Plugin: "warden-suite", What: "p99: warden-suite vs the five stand-alone plugins", Ours: "BenchmarkSuite", Unit: "suite-p99-µs", Base: "BenchmarkSuite", BaseUnit: "all-p99-µs", Kind: reference},
	{Plugin: "warden-suite", What: "scanning responses too, p50: warden-suite vs the five stand-alone plugins", Ours: "BenchmarkSuite", Unit: "suite-resp-p50-µs", Base: "BenchmarkSuite", BaseUnit: "all-resp-p50-µs", Kind: reference},
	{Plugin: "warden-leakguard", What: "64 KiB clean JSON: keyword prefilter vs every rule's regexp", Ours: "BenchmarkScan64KiBJSON/clean/prefilter", Unit: "ns/op", Base: "BenchmarkScan64KiBJSON/clean/baseline-all-regexes", Kind: reference},
}

const (
	faster    goalKind = iota // baseline time / ours >= Value
	atMost                    // ours / baseline (same unit) <= Value
	atLeast                   // ours / baseline (same unit) >= Value
	absMax                    // ours <= Value, no baseline needed
	absMin                    // ours >= Value
	reference                 // shown next to its baseline, no goal
)

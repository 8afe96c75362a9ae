package validator

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/xeipuuv/gojsonschema"

	"github.com/warden-gw/warden/pkg/config"
	"github.com/warden-gw/warden/pkg/validator/internal/apigen"
)

// importChildEnv names the OpenAPI file TestImportChild loads: the
// import benchmarks run it in a child process, whose peak resident memory
// the kernel reports exactly (getrusage), unlike anything measured inside
// a process that has run other benchmarks.
const importChildEnv = "WARDEN_IMPORT_CHILD"

// TestImportChild is the child of the import benchmarks: it loads the
// config the plugin would (decode, defaults, Validate, New) and prints how
// long that took.
func TestImportChild(t *testing.T) {
	file := os.Getenv(importChildEnv)
	if file == "" {
		t.Skip("run by the import benchmarks")
	}
	start := time.Now()
	raw, _ := json.Marshal(map[string]any{"openapi_file": file, "response_validation": map[string]any{"enabled": true}})
	cfg, err := config.Load[Config](raw)
	if err == nil {
		_, err = New(cfg)
	}
	fmt.Printf("import-seconds %f\n", time.Since(start).Seconds())
	if err != nil {
		fmt.Printf("import-error %.300s\n", config.Summary(err))
	}
	status, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(status), "\n") {
		if hwm, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			fmt.Printf("import-peak-kb %s\n", strings.TrimSpace(strings.TrimSuffix(hwm, "kB")))
		}
	}
}

// TestImportChildPeak checks that the peak importInChild reports is the
// child's: with 256 MB resident here, a child importing a one-operation
// document reports far less.
func TestImportChildPeak(t *testing.T) {
	held := make([]byte, 256<<20)
	for i := 0; i < len(held); i += 4096 {
		held[i] = 1
	}
	doc := `{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/a":{"get":{"responses":{"200":{"description":"ok",` +
		`"content":{"application/json":{"schema":{"type":"object"}}}}}}}}}`
	_, peak, out := importInChild(t, []byte(doc))
	runtime.KeepAlive(held)
	if e := findLine(out, "import-error"); e != "" {
		t.Fatal(e)
	}
	if peak <= 0 || peak > 128 {
		t.Errorf("child peak %.0f MB with 256 MB resident in the parent: want the child's own, > 0 and ≤ 128", peak)
	}
}

// importInChild imports doc in a child process: wall time and peak RSS.
func importInChild(tb testing.TB, doc []byte) (wall time.Duration, peakMB float64, out string) {
	wall, peakMB, _, out = importInChildCPU(tb, doc)
	return wall, peakMB, out
}

// importInChildCPU is importInChild with the child's CPU time (user and
// system): on a shared host the wall time is mostly waiting for a core.
// The peak is the child's VmHWM, not getrusage's ru_maxrss: Go starts a
// child with vfork (CLONE_VM), so the kernel folds the parent's peak into
// the child's maxrss at exec (fs/exec.c exec_mmap, setmax_mm_hiwater_rss).
func importInChildCPU(tb testing.TB, doc []byte) (wall time.Duration, peakMB float64, cpu time.Duration, out string) {
	tb.Helper()
	file := filepath.Join(tb.TempDir(), "openapi.json")
	if err := os.WriteFile(file, doc, 0o644); err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestImportChild$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), importChildEnv+"="+file)
	start := time.Now()
	b, err := cmd.CombinedOutput()
	wall = time.Since(start)
	if err != nil {
		tb.Fatalf("child: %v\n%s", err, b)
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	var kb float64
	if _, err := fmt.Sscanf(findLine(string(b), "import-peak-kb"), "import-peak-kb %f", &kb); err != nil {
		tb.Fatalf("child: no peak in %s", b)
	}
	return wall, kb / 1024, cpu, string(b)
}

// BenchmarkImport imports generated Stripe-size and GitHub-like documents
// (pkg/validator/internal/apigen) in a child process each iteration, as a
// plugin instance would: seconds from config decode to a compiled
// Validator, and the child's peak resident memory (goal: ≤ 5 s, ≤ 300 MB
// for the Stripe-size document), and its CPU time (user and system: on a
// loaded shared host the wall time is mostly waiting for a core).
func BenchmarkImport(b *testing.B) {
	for _, api := range []struct {
		name string
		doc  []byte
	}{
		{"stripe", apigen.Stripe(apigen.StripeSize).Doc},
		{"github", apigen.GitHub(apigen.GitHubSize).Doc},
	} {
		b.Run(api.name, func(b *testing.B) {
			var secs, peak, cpuSecs float64
			for range b.N {
				wall, mb, cpu, out := importInChildCPU(b, api.doc)
				var s float64
				if _, err := fmt.Sscanf(findLine(out, "import-seconds"), "import-seconds %f", &s); err != nil {
					b.Fatalf("no timing in %s (wall %s)", out, wall)
				}
				if e := findLine(out, "import-error"); e != "" {
					b.Fatal(e)
				}
				secs, peak, cpuSecs = max(secs, s), max(peak, mb), max(cpuSecs, cpu.Seconds())
			}
			b.ReportMetric(secs, "s/import")
			b.ReportMetric(cpuSecs, "cpu-s/import")
			b.ReportMetric(peak, "peak-MB")
			b.ReportMetric(0, "ns/op")
		})
	}
}

func findLine(out, prefix string) string {
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, prefix) {
			return line
		}
	}
	return ""
}

// BenchmarkImportAgain is a second instance of an imported Stripe-size
// document (Kong restarting the instance on a config change, or another
// route carrying the same document): decode, Validate and New, the
// import itself taken from the process cache (goal: ≤ 50 ms).
func BenchmarkImportAgain(b *testing.B) {
	file := filepath.Join(b.TempDir(), "openapi.json")
	if err := os.WriteFile(file, generatedAPIs()["stripe"].Doc, 0o644); err != nil {
		b.Fatal(err)
	}
	raw, _ := json.Marshal(map[string]any{"openapi_file": file, "response_validation": map[string]any{"enabled": true}})
	load := func() {
		cfg, err := config.Load[Config](raw)
		if err != nil {
			b.Fatal(config.Summary(err))
		}
		if _, err := New(cfg); err != nil {
			b.Fatal(err)
		}
	}
	load()
	b.ResetTimer()
	for range b.N {
		load()
	}
}

// BenchmarkRealWorldRequest compares, per request, the full check on the
// generated Stripe- and GitHub-shaped documents with bare gojsonschema
// validating the same value against the same schema, compiled once from
// the same converted schema text (goal: ≤ 1.2×). The two run interleaved
// in each iteration, so load on the shared host falls on both alike:
//   - stripe_form: POST create, a form-encoded body (decoded, shaped,
//     validated) among 420 operations; bare validates the JSON the form
//     encodes;
//   - github_json: PATCH with a JSON body and a $ref integer path
//     parameter; bare validates the body bytes;
//   - stripe_response: a retrieved object with expanded fields (~10 KB),
//     response validation; bare validates the body bytes.
func BenchmarkRealWorldRequest(b *testing.B) {
	apis := generatedAPIs()
	for _, sc := range []struct {
		name, api string
		pick      func(c apigen.Case) bool
		response  bool
	}{
		{"stripe_form", "stripe", func(c apigen.Case) bool { return c.Name == "create, full form" }, false},
		{"github_json", "github", func(c apigen.Case) bool { return c.Name == "update example ($ref integer path parameter)" }, false},
		{"stripe_response", "stripe", func(c apigen.Case) bool { return c.Name == "retrieve, expandable fields null, id or object" }, true},
	} {
		b.Run(sc.name, func(b *testing.B) {
			v := loadAPI(b, apis[sc.api].Doc)
			var c apigen.Case
			for _, cc := range apis[sc.api].Cases {
				if sc.pick(cc) {
					c = cc
					break
				}
			}
			req, _ := checkCase(b, v, c)
			if !req.Valid() {
				b.Fatalf("case refused: %+v", req.Violations)
			}
			// The bare baseline: the schema the check used, alone.
			var sch *Schema
			var body []byte
			if sc.response {
				sch = req.op.responses["200"].bodies[0].schema
				body = c.Response
			} else {
				mt, _ := parseContentType(c.ContentType)
				sch = typedFor(req.op.bodies, mt).schema
				body = c.Body
				if ts := typedFor(req.op.bodies, mt); ts.form != nil {
					v, vs := ts.schema.shaper(ts.form).formBody(c.Body, mt, c.ContentType, ts.schema.raw)
					if len(vs) > 0 {
						b.Fatal(vs)
					}
					body, _ = json.Marshal(v)
				}
			}
			standalone := map[string]any{"definitions": sch.defs, "allOf": []any{sch.raw}}
			text, _ := json.Marshal(standalone)
			bare, err := gojsonschema.NewSchemaLoader().Compile(gojsonschema.NewBytesLoader(text))
			if err != nil {
				b.Fatal(err)
			}
			if r, err := bare.Validate(gojsonschema.NewBytesLoader(body)); err != nil || !r.Valid() {
				b.Fatalf("bare: %v %v", err, r.Errors())
			}
			// ours is the request's check, or for a response the
			// response's check (the request was checked above).
			h := map[string][]string{"content-type": {c.ContentType}, "content-length": {strconv.Itoa(len(c.Body))}}
			rh := map[string][]string{"content-type": {"application/json"}, "content-length": {strconv.Itoa(len(c.Response))}}
			rules := v.ResponsesOf(req, c.Method)
			check := func() bool {
				if sc.response {
					d, err := rules.For(200).Check(rh, func() ([]byte, error) { return c.Response, nil })
					return err == nil && d.Valid()
				}
				d, err := v.Check(&Request{Method: c.Method, PathWithQuery: c.Target, Headers: h}, bodyOf(string(c.Body)))
				return err == nil && d.Valid()
			}
			var ours, base time.Duration
			b.ResetTimer()
			for i := range b.N {
				// Alternate which runs first, so neither always runs on
				// a warm cache.
				start := time.Now()
				if i%2 == 0 {
					ok := check()
					mid := time.Now()
					r, err := bare.Validate(gojsonschema.NewBytesLoader(body))
					end := time.Now()
					if !ok || err != nil || !r.Valid() {
						b.Fatal("refused")
					}
					ours, base = ours+mid.Sub(start), base+end.Sub(mid)
					continue
				}
				r, err := bare.Validate(gojsonschema.NewBytesLoader(body))
				mid := time.Now()
				ok := check()
				end := time.Now()
				if !ok || err != nil || !r.Valid() {
					b.Fatal("refused")
				}
				ours, base = ours+end.Sub(mid), base+mid.Sub(start)
			}
			b.StopTimer()
			n := float64(b.N)
			b.ReportMetric(float64(ours)/n, "warden-ns/op")
			b.ReportMetric(float64(base)/n, "bare-ns/op")
			b.ReportMetric(float64(ours)/float64(base), "ratio")
		})
	}
}

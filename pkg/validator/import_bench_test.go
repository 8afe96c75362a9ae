package validator

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

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
}

// importInChild imports doc in a child process: wall time and peak RSS.
func importInChild(tb testing.TB, doc []byte) (wall time.Duration, peakMB float64, out string) {
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
	return wall, float64(ru.Maxrss) / 1024, string(b)
}

// BenchmarkImport imports generated Stripe-size and GitHub-like documents
// (pkg/validator/internal/apigen) in a child process each iteration, as a
// plugin instance would: seconds from config decode to a compiled
// Validator, and the child's peak resident memory (goal: ≤ 5 s, ≤ 300 MB
// for the Stripe-size document).
func BenchmarkImport(b *testing.B) {
	for _, api := range []struct {
		name string
		doc  []byte
	}{
		{"stripe", apigen.Stripe(apigen.StripeSize).Doc},
		{"github", apigen.GitHub(apigen.GitHubSize).Doc},
	} {
		b.Run(api.name, func(b *testing.B) {
			var secs, peak float64
			for range b.N {
				wall, mb, out := importInChild(b, api.doc)
				var s float64
				if _, err := fmt.Sscanf(findLine(out, "import-seconds"), "import-seconds %f", &s); err != nil {
					b.Fatalf("no timing in %s (wall %s)", out, wall)
				}
				if e := findLine(out, "import-error"); e != "" {
					b.Fatal(e)
				}
				secs, peak = max(secs, s), max(peak, mb)
			}
			b.ReportMetric(secs, "s/import")
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

package uri

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestKongURIVerdicts: Normalize and Escape agree byte for byte with Kong's
// own kong/tools/uri.lua over the hostile paths in
// kong/conformance/uri/corpus.lua, as recorded from Kong's code by
// kong/conformance/uri/record.sh for each Kong version.
func TestKongURIVerdicts(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("../../kong/conformance/uri/kong-*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no recorded verdicts (kong/conformance/uri/record.sh writes them): %v", err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var rec struct {
			Kong  string
			Paths []struct{ Path, In, Normalize, Escape string }
		}
		if err := json.Unmarshal(data, &rec); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if len(rec.Paths) < 50 {
			t.Fatalf("%s: %d paths, want the whole corpus", file, len(rec.Paths))
		}
		for _, p := range rec.Paths {
			in, norm, esc := unhexT(t, p.In), unhexT(t, p.Normalize), unhexT(t, p.Escape)
			if got := Normalize(in); got != norm {
				t.Errorf("Kong %s: Normalize(%q) = %q, Kong's normalize gives %q", rec.Kong, in, got, norm)
			}
			if got := Escape(norm); got != esc {
				t.Errorf("Kong %s: Escape(%q) = %q, Kong's escape gives %q", rec.Kong, norm, got, esc)
			}
		}
	}
}

func unhexT(t *testing.T, s string) string {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

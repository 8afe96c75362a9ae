package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/warden-gw/warden/kong/harness/harnesstest"
)

// TestDocs fails when docs/plugins or the generated table in
// docs/operations.md differ from what `make docs` writes now.
func TestDocs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the plugin binaries")
	}
	dir := harnesstest.BuildPlugins(t, pluginPackages(t)...)
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	files, err := generateDocs(root, dir)
	if err != nil {
		t.Fatal(err)
	}
	const fix = "; run `make docs` and commit the result"
	for name, want := range files {
		if strings.HasSuffix(name, ".table") {
			continue
		}
		got, err := os.ReadFile(filepath.Join(root, "docs/plugins", name))
		if err != nil {
			t.Errorf("docs/plugins/%s: %v%s", name, err, fix)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("docs/plugins/%s is out of date%s", name, fix)
		}
	}
	committed, err := filepath.Glob(filepath.Join(root, "docs/plugins/*.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range committed {
		if _, ok := files[filepath.Base(p)]; !ok {
			t.Errorf("docs/plugins/%s is not generated any more; delete it", filepath.Base(p))
		}
	}
	ops, err := os.ReadFile(filepath.Join(root, "docs/operations.md"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := replaceGenerated(ops, files[indexPage+".table"])
	if err != nil {
		t.Fatalf("docs/operations.md: %v", err)
	}
	if !bytes.Equal(ops, want) {
		t.Errorf("docs/operations.md: the plugin table is out of date%s", fix)
	}
}

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/warden-gw/warden/kong/harness/harnesstest"
	"github.com/warden-gw/warden/pkg/ratelimit"
)

// TestDocs fails when docs/plugins, the generated table in
// docs/operations.md or the defaults stated in hand-written pages differ
// from what `make docs` writes now.
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
	defaults, err := schemaDefaults()
	if err != nil {
		t.Fatal(err)
	}
	pages, err := prosePaths(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pages {
		got, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		want, err := fillDefaults(got, defaults)
		if err != nil {
			t.Errorf("%s: %v", p, err)
		} else if !bytes.Equal(got, want) {
			t.Errorf("%s: a stated default is out of date%s", p, fix)
		}
	}
}

func TestFillDefaults(t *testing.T) {
	t.Parallel()
	defaults, err := schemaDefaults()
	if err != nil {
		t.Fatal(err)
	}
	page := "`key_prefix` defaults to <!-- default warden-ratelimit redis.key_prefix -->`stale:`<!-- /default -->, " +
		"pools of <!-- default warden-ratelimit redis.pool_size -->1<!-- /default -->, " +
		"hidden: <!-- default warden-auth hide_credentials --><!-- /default -->."
	got, err := fillDefaults([]byte(page), defaults)
	if err != nil {
		t.Fatal(err)
	}
	want := "`key_prefix` defaults to <!-- default warden-ratelimit redis.key_prefix -->`" + ratelimit.DefaultKeyPrefix + "`<!-- /default -->, " +
		"pools of <!-- default warden-ratelimit redis.pool_size -->" + strconv.Itoa(ratelimit.DefaultRedisPoolSize) + "<!-- /default -->, " +
		"hidden: <!-- default warden-auth hide_credentials -->`true`<!-- /default -->."
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	for _, bad := range []string{
		"<!-- default warden-ratelimit redis.nope -->x<!-- /default -->",
		"<!-- default warden-nope cost -->x<!-- /default -->",
		"<!-- default warden-ratelimit header_name -->x<!-- /default -->", // no default
		"<!-- default warden-ratelimit redis -->x<!-- /default -->",       // a record
	} {
		if _, err := fillDefaults([]byte(bad), defaults); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

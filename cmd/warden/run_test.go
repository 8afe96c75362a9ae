package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/warden-gw/warden/kong/harness/harnesstest"
)

func TestCheckStructure(t *testing.T) {
	t.Parallel()
	r := check(readFile(t, "testdata/structure.yml"), checkOptions{})
	assertLines(t, "errors", r.Errors, []string{
		"upstreams: unknown field",
		"services[1].routes[1].paths[1]: regex paths are not supported by the harness",
		"services[1].plugins[2]: uniqueness violation: plugin id",
		"services[1].plugins[2]: uniqueness violation: plugin \"warden-authz\" already configured",
	})
}

func TestRunCheck(t *testing.T) {
	for name, v := range demoEnv(t) {
		t.Setenv(name, v)
	}
	tests := []struct {
		name   string
		args   []string
		status int
		stdout string
		stderr string
	}{
		{name: "good", args: []string{"check", "-env", "../../kong/kong.yml"}, status: 0, stdout: "kong.yml: ok ("},
		{name: "flags after the file", args: []string{"check", "../../kong/kong.yml", "-env"}, status: 0, stdout: "kong.yml: ok ("},
		{name: "unresolved references are notes", args: []string{"check", "../../kong/kong.yml"}, status: 0, stderr: "note: services[orders].plugins[warden-auth].config.api_keys.keys[1].sha256: vault reference"},
		{name: "broken", args: []string{"check", "-env", "testdata/broken.yml"}, status: 1, stderr: "testdata/broken.yml: 7 error(s)"},
		{name: "missing file", args: []string{"check", "nope.yml"}, status: 1, stderr: "nope.yml"},
		{name: "no file", args: []string{"check"}, status: 2, stderr: "usage: warden check"},
		{name: "unknown command", args: []string{"frobnicate"}, status: 2, stderr: `unknown command "frobnicate"`},
		{name: "no arguments explain the commands", args: nil, status: 2, stderr: "check    validate a DB-less kong.yml"},
		{name: "help", args: []string{"help"}, status: 0, stdout: "version  print the version"},
		{name: "help for a command", args: []string{"help", "check"}, status: 0, stdout: "-enabled NAMES"},
		{name: "-h after a command", args: []string{"check", "-h"}, status: 0, stdout: "usage: warden check"},
		{name: "help for an unknown command", args: []string{"help", "nope"}, status: 2, stderr: `unknown command "nope"`},
		{name: "version", args: []string{"version"}, status: 0, stdout: "warden 0."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if got := run(tt.args, &out, &errb); got != tt.status {
				t.Errorf("status %d, want %d\nstdout: %s\nstderr: %s", got, tt.status, out.String(), errb.String())
			}
			if !strings.Contains(out.String(), tt.stdout) {
				t.Errorf("stdout %q, want it to contain %q", out.String(), tt.stdout)
			}
			if !strings.Contains(errb.String(), tt.stderr) {
				t.Errorf("stderr %q, want it to contain %q", errb.String(), tt.stderr)
			}
		})
	}
}

// pluginPackages are the plugin main packages, one per directory.
func pluginPackages(t *testing.T) []string {
	t.Helper()
	dirs, err := filepath.Glob("../../plugins/warden-*")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no plugins: %v", err)
	}
	var pkgs []string
	for _, d := range dirs {
		pkgs = append(pkgs, "./plugins/"+filepath.Base(d))
	}
	return pkgs
}

// TestRegistry keeps the checker's plugin list and schemas equal to the
// plugin binaries': one entry per plugins/warden-* directory, and each
// binary's -dump schema equal to the one derived here.
func TestRegistry(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the plugin binaries")
	}
	pkgs := pluginPackages(t)
	if len(pkgs) != len(plugins) {
		t.Errorf("%d plugin directories, %d checker entries", len(pkgs), len(plugins))
	}
	dir := harnesstest.BuildPlugins(t, pkgs...)
	for _, pkg := range pkgs {
		name := filepath.Base(pkg)
		p, ok := lookupPlugin(name)
		if !ok {
			t.Errorf("%s: not in the checker's plugin list", name)
			continue
		}
		_, dumped, err := dumpInfo(dir, name)
		if err != nil {
			t.Fatal(err)
		}
		own, err := p.schemaMap()
		if err != nil {
			t.Fatal(err)
		}
		if !sameJSON(own, dumped) {
			t.Errorf("%s: dumped schema differs from the derived one", name)
		}
	}
	data, err := os.ReadFile("../../kong/kong.yml")
	if err != nil {
		t.Fatal(err)
	}
	r := check(data, checkOptions{PluginDir: dir, LookupEnv: lookup(demoEnv(t))})
	if len(r.Errors) > 0 || len(r.Notes) > 0 {
		t.Errorf("-plugins: errors %q, notes %q", r.Errors, r.Notes)
	}
}

// TestCheckDumpedSchemas runs check with -plugins against stand-in
// binaries: the dumped schema is the one applied, a difference from the
// checker's own is reported, and a binary that cannot dump is an error.
func TestCheckDumpedSchemas(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p, _ := lookupPlugin("warden-authz")
	s, err := p.schemaMap()
	if err != nil {
		t.Fatal(err)
	}
	// The stand-in requires rules, which the real schema does not.
	cfg := s["fields"].([]any)[0].(map[string]any)["config"].(map[string]any)
	for _, f := range cfg["fields"].([]any) {
		if r, ok := f.(map[string]any)["rules"].(map[string]any); ok {
			r["required"] = true
		}
	}
	dump, err := json.Marshal(map[string]any{"Protocol": "ProtoBuf:1", "Plugins": []any{map[string]any{
		"Name": "warden-authz", "Phases": []string{"access"}, "Version": "0", "Priority": 940, "Schema": s,
	}}})
	if err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\ncat <<'EOF'\n" + string(dump) + "\nEOF\n"
	if err := os.WriteFile(filepath.Join(dir, "warden-authz"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	yml := []byte(`_format_version: "3.0"
services:
  - name: orders
    url: http://echo:8080
    plugins:
      - name: warden-authz
      - name: warden-ratelimit
        config: {limits: [{window: second, limit: 1}]}
`)
	r := check(yml, checkOptions{PluginDir: dir})
	assertLines(t, "notes", r.Notes, []string{
		"warden-authz: the schema " + dir + "/warden-authz dumps differs from this checker's",
	})
	assertLines(t, "errors", r.Errors, []string{
		"services[orders].plugins[warden-authz].config.rules: required field missing",
		"services[orders].plugins[warden-ratelimit]: running " + dir + "/warden-ratelimit -dump",
	})
	// Without -plugins the checker's own schema applies.
	r = check(yml, checkOptions{})
	assertLines(t, "errors", r.Errors, nil)
}

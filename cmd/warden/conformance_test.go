package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/warden-gw/warden/kong/harness"
)

// The verdicts of Kong's own schema and declarative code
// (../shared/kong-oracle, run by `make conformance`) are recorded under
// kong/conformance/verdicts, one folder per Kong version. These tests hold
// the harness and warden check to them, so CI checks what Kong decides
// without running Kong.
const verdictsDir = "../../kong/conformance/verdicts"

var updateDigests = flag.Bool("update-digests", false, "record the digests of the schemas the verdicts were taken with (make conformance)")

type verdict struct {
	Case, Kong, Plugin string
	Valid              bool
	Errors             []string
	Config             map[string]any
	Crash              string
}

func kongVersions(t *testing.T) []string {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(verdictsDir, "kong-*"))
	if err != nil || len(dirs) < 2 {
		t.Fatalf("want verdicts of at least two Kong versions under %s (make conformance), have %v", verdictsDir, dirs)
	}
	return dirs
}

// TestConformanceSchemasCurrent: the verdicts were recorded against the
// schemas the plugins dump today (make conformance writes their digests).
func TestConformanceSchemasCurrent(t *testing.T) {
	digestFile := filepath.Join(verdictsDir, "schemas.sha256.json")
	if *updateDigests {
		out := map[string]string{}
		for _, p := range plugins {
			s, err := p.schemaMap()
			if err != nil {
				t.Fatal(err)
			}
			out[p.name] = schemaDigest(t, s)
		}
		b, _ := json.MarshalIndent(out, "", "  ")
		if err := os.WriteFile(digestFile, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]string{}
	if err := json.Unmarshal(readFile(t, digestFile), &want); err != nil {
		t.Fatal(err)
	}
	for _, p := range plugins {
		s, err := p.schemaMap()
		if err != nil {
			t.Fatal(err)
		}
		if got := schemaDigest(t, s); got != want[p.name] {
			t.Errorf("%s: schema changed since the Kong verdicts were recorded (digest %s, recorded %s): run make conformance", p.name, got, want[p.name])
		}
	}
	for _, dir := range kongVersions(t) {
		for _, p := range plugins {
			var v struct{ OK bool }
			if err := json.Unmarshal(readFile(t, filepath.Join(dir, "schemas", p.name+".json")), &v); err != nil || !v.OK {
				t.Errorf("%s: Kong %s refuses the %s schema (%v)", dir, filepath.Base(dir), p.name, err)
			}
		}
	}
}

func schemaDigest(t *testing.T, s map[string]any) string {
	t.Helper()
	b, err := json.Marshal(s) // map keys sorted: a stable digest
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// TestConformanceCases: for every project case (kong/conformance/cases)
// and every Kong version, the harness gives Kong's verdict, Kong's errors
// and Kong's processed config; warden check refuses exactly what Kong
// refuses, with the same errors, and accepts what Kong accepts unless the
// plugin's own checks refuse it (listed in checkOnly).
func TestConformanceCases(t *testing.T) {
	env := demoEnv(t)
	n := 0
	for _, dir := range kongVersions(t) {
		err := filepath.WalkDir(filepath.Join(dir, "cases"), func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") {
				return err
			}
			n++
			var v verdict
			if err := json.Unmarshal(readFile(t, path), &v); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			t.Run(filepath.Base(dir)+"/"+v.Case, func(t *testing.T) {
				checkCase(t, v, env)
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	cases, _ := filepath.Glob("../../kong/conformance/cases/*/*/*.json")
	if n < 2*len(cases) || len(cases) < 30 {
		t.Errorf("%d recorded verdicts for %d cases: run make conformance", n, len(cases))
	}
}

// checkOnly lists the cases Kong's schema accepts and warden check
// refuses, with warden check's errors. A vault reference to a variable that
// is not set: Kong stores the config and hands the plugin "" (with a
// warning in its log); warden check -env says so before deploying.
var checkOnly = map[string][]string{
	"auth/valid/introspection-vault.json": {
		"plugin.config.introspection.client_id: vault reference {vault://env/WARDEN_CONFORMANCE_CLIENT_ID} cannot be resolved: environment variable not set",
		"plugin.config.introspection.client_secret: vault reference {vault://env/WARDEN_CONFORMANCE_CLIENT_SECRET} cannot be resolved: environment variable not set",
	},
	"leakguard/valid/fingerprint-vault.json": {
		"plugin.config.fingerprint_key: vault reference {vault://env/WARDEN_CONFORMANCE_FINGERPRINT_KEY} cannot be resolved: environment variable not set",
	},
	// A file on the Kong node, which Kong's schema does not open and the
	// plugin reads when it compiles the config.
	"readme/warden-validator-2.json": {
		"plugin.config.openapi_file: cannot read: open /kong/orders-openapi.yaml: no such file or directory",
	},
	"ratelimit/valid/redis-vault.json": {
		"plugin.config.redis.password: vault reference {vault://env/WARDEN_CONFORMANCE_REDIS_PASSWORD} cannot be resolved: environment variable not set",
	},
}

func checkCase(t *testing.T, v verdict, env map[string]string) {
	if v.Crash != "" {
		t.Fatalf("Kong crashed on it: %s", v.Crash)
	}
	var c struct {
		Plugin string
		Config map[string]any
	}
	if err := json.Unmarshal(readFile(t, "../../kong/conformance/cases/"+v.Case), &c); err != nil {
		t.Fatal(err)
	}
	p, ok := lookupPlugin(c.Plugin)
	if !ok || c.Plugin != v.Plugin {
		t.Fatalf("case plugin %q, verdict plugin %q", c.Plugin, v.Plugin)
	}
	s, err := p.schemaMap()
	if err != nil {
		t.Fatal(err)
	}
	got, err := harness.ApplySchema(s, c.Config, lookup(env))
	var se *harness.SchemaError
	switch {
	case v.Valid && err != nil:
		t.Errorf("harness refuses what Kong %s accepts: %v", v.Kong, err)
	case !v.Valid && !errors.As(err, &se):
		t.Errorf("harness accepts (%v) what Kong %s refuses: %v", err, v.Kong, v.Errors)
	case !v.Valid && !equalStrings(se.Flatten(), v.Errors):
		t.Errorf("harness errors differ from Kong %s's:\n harness %q\n kong    %q", v.Kong, se.Flatten(), v.Errors)
	case v.Valid && !sameJSON(got, v.Config):
		a, _ := json.Marshal(got)
		b, _ := json.Marshal(v.Config)
		t.Errorf("harness config differs from Kong %s's:\n harness %s\n kong    %s", v.Kong, a, b)
	}

	errs, _ := checkPlugin(p, s, c.Config, "plugin", lookup(env))
	want := kongErrorsAsCheck(v.Errors)
	if v.Valid {
		want = checkOnly[v.Case]
	}
	sort.Strings(errs)
	if !equalStrings(errs, want) {
		t.Errorf("warden check errors differ (Kong %s says valid=%v):\n check %q\n want  %q", v.Kong, v.Valid, errs, want)
	}
}

// kongErrorsAsCheck writes Kong's flattened schema errors as warden check
// prints them: prefixed with the entity, positions as Kong counts them.
func kongErrorsAsCheck(errs []string) []string {
	out := make([]string, 0, len(errs))
	for _, e := range errs {
		out = append(out, "plugin."+e)
	}
	sort.Strings(out)
	return out
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestConformanceDeclarative: warden check accepts a declarative file
// exactly when Kong's kong.db.declarative parses it, and the harness
// processes each Warden plugin entity in it as Kong does. References that
// nothing sets get the oracle's placeholder, as the oracle gives them.
func TestConformanceDeclarative(t *testing.T) {
	env := demoEnv(t)
	placeholder := func(name string) (string, bool) {
		if v, ok := env[name]; ok {
			return v, true
		}
		return "kong-oracle-placeholder", true
	}
	n := 0
	for _, dir := range kongVersions(t) {
		err := filepath.WalkDir(filepath.Join(dir, "declarative"), func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			n++
			var v struct {
				File     string
				OK       bool
				Errors   []string
				Entities []struct {
					Entity, Plugin string
					Valid          bool
					Errors         []string
					Config         map[string]any
				}
			}
			if err := json.Unmarshal(readFile(t, path), &v); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			data := readFile(t, "../../"+v.File)
			r := check(data, checkOptions{LookupEnv: placeholder})
			if ok := len(r.Errors) == 0; ok != v.OK {
				t.Errorf("%s: warden check ok=%v (%q), Kong %s ok=%v (%q)", v.File, ok, r.Errors, filepath.Base(dir), v.OK, v.Errors)
			}
			cfg, err := harness.LoadConfig(data)
			if err != nil {
				t.Errorf("%s: harness: %v", v.File, err)
				return nil
			}
			byPath := map[string]map[string]any{}
			for _, pc := range cfg.Plugins {
				byPath[pc.Where] = pc.Config // counted from 1, as the oracle and Kong count
			}
			for _, e := range v.Entities {
				conf, ok := byPath[e.Entity]
				p, known := lookupPlugin(e.Plugin)
				if !ok || !known {
					t.Errorf("%s: Kong's entity %s (%s) not found by the harness (has %v)", v.File, e.Entity, e.Plugin, keys(byPath))
					continue
				}
				s, _ := p.schemaMap()
				got, err := harness.ApplySchema(s, conf, placeholder)
				if (err == nil) != e.Valid || (e.Valid && !sameJSON(got, e.Config)) {
					a, _ := json.Marshal(got)
					b, _ := json.Marshal(e.Config)
					t.Errorf("%s#%s: harness (%v) %s\n Kong %s", v.File, e.Entity, err, a, b)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if n < 4 {
		t.Errorf("%d recorded declarative verdicts: run make conformance", n)
	}
}

func keys(m map[string]map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestReadmeAdminExamples: every Admin API example in the README is a
// conformance case (kong/conformance/cases/readme), so Kong's verdict on
// it is recorded and checked like the others.
func TestReadmeAdminExamples(t *testing.T) {
	t.Parallel()
	readme := string(readFile(t, "../../README.md"))
	examples := regexp.MustCompile(`(?ms)^plugin '(.*?)'$`).FindAllStringSubmatch(readme, -1)
	if len(examples) < len(plugins) {
		t.Fatalf("found %d Admin API examples in the README, want one per plugin", len(examples))
	}
	seen := map[string]int{}
	for _, m := range examples {
		var ex struct {
			Name   string
			Config map[string]any
		}
		if err := json.Unmarshal([]byte(m[1]), &ex); err != nil {
			t.Errorf("README example is not JSON: %v\n%s", err, m[1])
			continue
		}
		var c struct {
			Plugin string
			Config map[string]any
		}
		// The n-th example of a plugin is <plugin>-<n>.json, the first <plugin>.json.
		seen[ex.Name]++
		file := ex.Name + ".json"
		if n := seen[ex.Name]; n > 1 {
			file = fmt.Sprintf("%s-%d.json", ex.Name, n)
		}
		if err := json.Unmarshal(readFile(t, "../../kong/conformance/cases/readme/"+file), &c); err != nil {
			t.Errorf("%s: %v", ex.Name, err)
			continue
		}
		if c.Plugin != ex.Name || !sameJSON(c.Config, ex.Config) {
			t.Errorf("README example for %s differs from kong/conformance/cases/readme/%s: update the case and run make conformance", ex.Name, file)
		}
	}
}

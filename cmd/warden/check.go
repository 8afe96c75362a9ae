package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"runtime/debug"
	"slices"
	"sort"
	"strings"

	"github.com/warden-gw/warden/kong/harness"
	"github.com/warden-gw/warden/pkg/auth"
	"github.com/warden-gw/warden/pkg/config"
	"github.com/warden-gw/warden/pkg/leakguard"
	"github.com/warden-gw/warden/pkg/pluginkit"
)

// checkOptions configure one check.
type checkOptions struct {
	// PluginDir, when set, is where the plugin binaries are: each plugin's
	// schema then comes from its -dump, as Kong reads it.
	PluginDir string
	// LookupEnv resolves {vault://env/NAME} references; nil leaves them
	// unresolved and skips the checks of the fields holding them.
	LookupEnv func(string) (string, bool)
	// Enabled names the plugins kong.conf enables besides Kong's bundled
	// ones and Warden's (custom Lua plugins); any other plugin name is
	// refused, as Kong refuses it.
	Enabled []string
}

// report is what a check found: errors (each "path: message") and notes
// (things not checked, mismatches worth knowing).
type report struct {
	Errors []string
	Notes  []string
	// Checked counts the Warden plugin entities checked.
	Checked int
}

func runCheck(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("check", stderr)
	env := fs.Bool("env", false, "resolve {vault://env/NAME} references from the environment, as Kong does; without it they stay unresolved and their fields' checks are skipped")
	dir := fs.String("plugins", "", "read each plugin's schema from `DIR`/<plugin> -dump (the binaries you deploy) instead of this checker's own build")
	enabled := fs.String("enabled", "", "comma-separated `NAMES` of other plugins your kong.conf enables (custom plugins); Kong's bundled plugins and Warden's are always known")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		fs.Usage()
		return 2
	}
	data, err := os.ReadFile(pos[0])
	if err != nil {
		fmt.Fprintln(stderr, "warden check:", err)
		return 1
	}
	o := checkOptions{PluginDir: *dir}
	for _, n := range strings.Split(*enabled, ",") {
		if n = strings.TrimSpace(n); n != "" {
			o.Enabled = append(o.Enabled, n)
		}
	}
	if *env {
		o.LookupEnv = os.LookupEnv
	}
	r := check(data, o)
	for _, n := range r.Notes {
		fmt.Fprintln(stderr, "note: "+n)
	}
	for _, e := range r.Errors {
		fmt.Fprintln(stderr, e)
	}
	if len(r.Errors) > 0 {
		fmt.Fprintf(stderr, "%s: %d error(s)\n", pos[0], len(r.Errors))
		return 1
	}
	fmt.Fprintf(stdout, "%s: ok (%d Warden plugin configs checked)\n", pos[0], r.Checked)
	return 0
}

// check validates a DB-less kong.yml.
func check(data []byte, o checkOptions) report {
	var r report
	cfg, err := harness.LoadConfig(data)
	if err != nil {
		r.Errors = loadErrors(err)
		return r
	}
	schemas := map[string]map[string]any{}
	schemaFor := func(p plugin) (map[string]any, error) {
		if s, ok := schemas[p.name]; ok {
			return s, nil
		}
		own, err := p.schemaMap()
		if err != nil {
			return nil, err
		}
		s := own
		if o.PluginDir != "" {
			_, dumped, err := dumpInfo(o.PluginDir, p.name)
			if err != nil {
				return nil, err
			}
			if !sameJSON(own, dumped) {
				r.Notes = append(r.Notes, fmt.Sprintf("%s: the schema %s/%s dumps differs from this checker's; checking against the dumped one (rebuild one or the other from the same sources)", p.name, o.PluginDir, p.name))
			}
			s = dumped
		}
		schemas[p.name] = s
		return s, nil
	}
	for _, pc := range cfg.Plugins {
		where := entityPath(cfg, pc)
		p, ok := lookupPlugin(pc.Name)
		if !ok {
			if !bundledPlugins[pc.Name] && !slices.Contains(o.Enabled, pc.Name) {
				r.Errors = append(r.Errors, fmt.Sprintf("%s: "+notEnabled, where, pc.Name))
				continue
			}
			r.Notes = append(r.Notes, fmt.Sprintf("%s: %s is not a Warden plugin; not checked", where, pc.Name))
			continue
		}
		r.Checked++
		s, err := schemaFor(p)
		if err != nil {
			r.Errors = append(r.Errors, fmt.Sprintf("%s: %v", where, err))
			continue
		}
		errs, notes := checkPlugin(p, s, pc.Config, where, o.LookupEnv)
		r.Errors = append(r.Errors, errs...)
		r.Notes = append(r.Notes, notes...)
		if rv, _ := pc.Config["response_validation"].(map[string]any); p.name == "warden-validator" && rv["enabled"] == true {
			r.Notes = append(r.Notes, fmt.Sprintf("%s: response_validation needs warden-validator started with -%s in both pluginserver_warden_validator_query_cmd and _start_cmd (the instance fails closed without it), and Kong then buffers every response on this plugin's routes", where, pluginkit.ResponsePhaseFlag))
		}
	}
	r.Notes = append(r.Notes, assertionNotes(cfg)...)
	return r
}

// assertionNotes flags a warden-leakguard that scans request headers
// without skipping the header a warden-auth sends its identity assertion
// in: plugins after warden-auth see the headers it set (Kong's
// kong.service.request.set_header is ngx.req.set_header), and the
// assertion is a JWT, so every authenticated request would be a finding
// where both run.
func assertionNotes(cfg *harness.Config) []string {
	var auths []string // "where (header)"
	headers := map[string]bool{}
	for _, pc := range cfg.Plugins {
		as, _ := pc.Config["assertion"].(map[string]any)
		if pc.Name != "warden-auth" || as == nil || as["private_key"] == nil || as["private_key"] == "" {
			continue
		}
		h, _ := as["header"].(string)
		if h == "" {
			h = auth.DefaultAssertionHeader
		}
		headers[strings.ToLower(h)] = true
		auths = append(auths, fmt.Sprintf("%s (%s)", entityPath(cfg, pc), h))
	}
	if len(headers) == 0 {
		return nil
	}
	var notes []string
	for _, pc := range cfg.Plugins {
		req, _ := pc.Config["request"].(map[string]any)
		if pc.Name != "warden-leakguard" || req["enabled"] == false || req["headers"] == false {
			continue
		}
		skip := map[string]bool{}
		if list, ok := req["skip_headers"].([]any); ok {
			for _, v := range list {
				if s, ok := v.(string); ok {
					skip[strings.ToLower(s)] = true
				}
			}
		} else {
			for _, s := range leakguard.DefaultRequestSkipHeaders {
				skip[s] = true
			}
		}
		for _, h := range slices.Sorted(maps.Keys(headers)) {
			if !skip[h] {
				notes = append(notes, fmt.Sprintf("%s: request headers are scanned, but not skipping %s, the identity assertion warden-auth sends (%s): where both run, every authenticated request is a jwt finding; add it to request.skip_headers", entityPath(cfg, pc), h, strings.Join(auths, ", ")))
			}
		}
	}
	return notes
}

// checkPlugin applies the schema to one plugin entity's config, then runs
// the runtime's decode, Validate and compile on the result.
func checkPlugin(p plugin, s map[string]any, conf map[string]any, where string, lookupEnv func(string) (string, bool)) (errs, notes []string) {
	var missing []string
	lookup := func(name string) (string, bool) {
		if lookupEnv == nil {
			return "", false
		}
		v, ok := lookupEnv(name)
		if !ok {
			missing = append(missing, name)
		}
		return v, ok
	}
	applied, err := harness.ApplySchema(s, conf, lookup)
	var se *harness.SchemaError
	switch {
	case errors.As(err, &se):
		var out []string
		flattenSchemaErr("", se.Fields, &out)
		sort.Strings(out)
		for _, e := range out {
			errs = append(errs, where+"."+oneLine(e))
		}
		return errs, nil
	case err != nil:
		return []string{fmt.Sprintf("%s: %v", where, err)}, nil
	}
	refs := map[string]string{}
	collectRefs(applied, "config", refs)
	// Fields whose reference was not resolved hold "", as in Kong; their
	// own errors would only restate that.
	var unresolved []string
	for path, ref := range refs {
		switch {
		case lookupEnv == nil:
			unresolved = append(unresolved, path)
			notes = append(notes, fmt.Sprintf("%s.%s: vault reference %s left unresolved; checks on this field skipped (use -env to resolve it)", where, path, ref))
		case refMissing(ref, missing):
			unresolved = append(unresolved, path)
			errs = append(errs, fmt.Sprintf("%s.%s: vault reference %s cannot be resolved: environment variable not set", where, path, ref))
		}
	}
	sort.Strings(notes)
	sort.Strings(errs)
	raw, err := json.Marshal(applied)
	if err != nil {
		return append(errs, fmt.Sprintf("%s.config: encoding: %v", where, err)), notes
	}
	for _, e := range config.Flatten(safeCompile(p, raw)) {
		path, msg := "config", e.Error()
		var fe *config.FieldError
		if errors.As(e, &fe) {
			if fp := config.KongPositions(fe.Path); fp != "" {
				path += "." + strings.TrimPrefix(fp, ".")
				if strings.HasPrefix(fp, "[") {
					path = "config" + fp
				}
			}
			msg = fe.Msg
		}
		if underAny(path, unresolved) {
			continue
		}
		errs = append(errs, fmt.Sprintf("%s.%s: %s", where, path, oneLine(msg)))
	}
	if len(errs) == 0 && p.notes != nil {
		for _, n := range p.notes(raw) {
			notes = append(notes, where+".config: "+n)
		}
	}
	return errs, notes
}

// safeCompile runs the plugin's steps, turning a panic into an error as
// the runtime does (the instance would fail closed).
func safeCompile(p plugin, raw []byte) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("compile panicked (the instance would fail closed): %v\n%s", v, debug.Stack())
		}
	}()
	return p.compile(raw)
}

// loadErrors lists the problems harness.LoadConfig joined.
func loadErrors(err error) []string {
	var out []string
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			if e == harness.ErrConfig {
				continue
			}
			for _, f := range config.Flatten(e) {
				out = append(out, f.Error())
			}
		}
	}
	if len(out) == 0 {
		out = []string{err.Error()}
	}
	return out
}

func sameJSON(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}

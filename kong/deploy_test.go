// Package kong_test checks, on paper, the parts of the Docker demo that
// cannot run here (no Docker engine): docker-compose.yml, kong/Dockerfile
// and kong/kong.yml must agree with each other and with plugins/.
package kong_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

type compose struct {
	Services map[string]struct {
		Image       string            `yaml:"image"`
		Environment map[string]string `yaml:"environment"`
		Volumes     []string          `yaml:"volumes"`
		EnvFile     string            `yaml:"env_file"`
		Build       *struct {
			Context    string `yaml:"context"`
			Dockerfile string `yaml:"dockerfile"`
			Target     string `yaml:"target"`
		} `yaml:"build"`
	} `yaml:"services"`
}

func load(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(false)
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// pluginDirs lists the plugin binaries this repository builds.
func pluginDirs(t *testing.T) []string {
	t.Helper()
	dirs, err := filepath.Glob("../plugins/warden-*")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range dirs {
		names = append(names, filepath.Base(d))
	}
	return names
}

func TestComposeRegistersEveryPlugin(t *testing.T) {
	var c compose
	load(t, "../docker-compose.yml", &c)
	k, ok := c.Services["kong"]
	if !ok {
		t.Fatal("no kong service")
	}
	env := k.Environment
	plugins := strings.Split(env["KONG_PLUGINS"], ",")
	if !slices.Contains(plugins, "bundled") {
		t.Errorf("KONG_PLUGINS %q drops Kong's bundled plugins", env["KONG_PLUGINS"])
	}
	names := strings.Split(env["KONG_PLUGINSERVER_NAMES"], ",")
	for _, p := range pluginDirs(t) {
		key := "KONG_PLUGINSERVER_" + strings.ToUpper(strings.ReplaceAll(p, "-", "_"))
		if !slices.Contains(plugins, p) {
			t.Errorf("%s missing from KONG_PLUGINS", p)
		}
		if !slices.Contains(names, p) {
			t.Errorf("%s missing from KONG_PLUGINSERVER_NAMES", p)
		}
		// Audit events to one file: Kong logs plugin-server output at info,
		// which its default log_level hides (docs/operations.md).
		if got, want := env[key+"_START_CMD"], "/usr/local/bin/"+p+" -audit-file /usr/local/kong/logs/warden-audit.log"; got != want {
			t.Errorf("%s_START_CMD = %q, want %q", key, got, want)
		}
		if got, want := env[key+"_QUERY_CMD"], "/usr/local/bin/"+p+" -dump"; got != want {
			t.Errorf("%s_QUERY_CMD = %q, want %q", key, got, want)
		}
	}
	if !slices.Contains(k.Volumes, "./kong/kong.yml:/kong/kong.yml:ro") || env["KONG_DECLARATIVE_CONFIG"] != "/kong/kong.yml" {
		t.Errorf("Kong must load the same kong/kong.yml that make run serves: volumes %v", k.Volumes)
	}
}

func TestKongYMLPluginsAreRegistered(t *testing.T) {
	var c compose
	load(t, "../docker-compose.yml", &c)
	registered := strings.Split(c.Services["kong"].Environment["KONG_PLUGINSERVER_NAMES"], ",")
	var doc any
	load(t, "kong.yml", &doc)
	for _, name := range pluginNames(doc) {
		if strings.HasPrefix(name, "warden-") && !slices.Contains(registered, name) {
			t.Errorf("kong.yml enables %s, which docker-compose.yml does not register", name)
		}
	}
}

// pluginNames finds every plugins[].name anywhere in a kong.yml document.
func pluginNames(v any) []string {
	var out []string
	switch n := v.(type) {
	case map[string]any:
		for k, child := range n {
			if k == "plugins" {
				if list, ok := child.([]any); ok {
					for _, p := range list {
						if m, ok := p.(map[string]any); ok {
							if s, ok := m["name"].(string); ok {
								out = append(out, s)
							}
						}
					}
				}
			}
			out = append(out, pluginNames(child)...)
		}
	case []any:
		for _, child := range n {
			out = append(out, pluginNames(child)...)
		}
	}
	return out
}

var pinned = regexp.MustCompile(`^[a-z0-9./_-]+:[0-9][A-Za-z0-9._-]*$`)

func TestImagesArePinned(t *testing.T) {
	var c compose
	load(t, "../docker-compose.yml", &c)
	for name, s := range c.Services {
		if s.Image != "" && !pinned.MatchString(s.Image) {
			t.Errorf("service %s: image %q is not pinned to a version", name, s.Image)
		}
		if s.Build != nil && s.Build.Dockerfile != "kong/Dockerfile" {
			t.Errorf("service %s builds from %q, want kong/Dockerfile", name, s.Build.Dockerfile)
		}
	}
	df, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	from := regexp.MustCompile(`(?m)^FROM\s+(\S+)`)
	for _, m := range from.FindAllStringSubmatch(string(df), -1) {
		img := m[1]
		if !pinned.MatchString(img) {
			t.Errorf("Dockerfile: FROM %s is not pinned to a version", img)
		}
	}
}

// TestDemoIsHTTPSOnly checks the encryption practice on paper: Kong serves
// TLS with Kong's own default certificate, and every route in
// kong.yml refuses plain HTTP.
func TestDemoIsHTTPSOnly(t *testing.T) {
	var c compose
	load(t, "../docker-compose.yml", &c)
	k := c.Services["kong"]
	if !strings.Contains(k.Environment["KONG_PROXY_LISTEN"], "8443 ssl") {
		t.Errorf("KONG_PROXY_LISTEN %q has no TLS listener", k.Environment["KONG_PROXY_LISTEN"])
	}
	// Kong's own default certificate (kong/cmd/utils/prefix_handler.lua
	// gen_default_ssl_cert), made in its prefix and readable by the kong
	// user; a key made on the host and mounted would be the host user's.
	if k.Environment["KONG_SSL_CERT"] != "" || k.Environment["KONG_SSL_CERT_KEY"] != "" {
		t.Errorf("the demo should use Kong's default certificate: env %v", k.Environment)
	}
	var doc struct {
		Services []struct {
			Name   string `yaml:"name"`
			Routes []struct {
				Name      string   `yaml:"name"`
				Protocols []string `yaml:"protocols"`
			} `yaml:"routes"`
		} `yaml:"services"`
	}
	load(t, "kong.yml", &doc)
	n := 0
	for _, s := range doc.Services {
		for _, r := range s.Routes {
			n++
			if !slices.Equal(r.Protocols, []string{"https"}) {
				t.Errorf("route %s/%s accepts %v, want [https] only", s.Name, r.Name, r.Protocols)
			}
		}
	}
	if n == 0 {
		t.Fatal("kong.yml has no routes")
	}
}

// TestVaultReferencesAreProvided checks that every {vault://env/NAME} in
// kong.yml is defined in examples/demo.env, which both make run (Makefile
// include) and the real Kong (compose env_file) read.
func TestVaultReferencesAreProvided(t *testing.T) {
	var c compose
	load(t, "../docker-compose.yml", &c)
	if got := c.Services["kong"].EnvFile; got != "examples/demo.env" {
		t.Errorf("kong env_file %q, want examples/demo.env", got)
	}
	env, err := os.ReadFile("../examples/demo.env")
	if err != nil {
		t.Fatal(err)
	}
	defined := map[string]bool{}
	for _, line := range strings.Split(string(env), "\n") {
		if k, _, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			defined[k] = true
		}
	}
	yml, err := os.ReadFile("kong.yml")
	if err != nil {
		t.Fatal(err)
	}
	comment := regexp.MustCompile(`(?m)^\s*#.*$`)
	refs := regexp.MustCompile(`\{vault://env/([A-Za-z0-9_-]+)\}`).FindAllStringSubmatch(comment.ReplaceAllString(string(yml), ""), -1)
	if len(refs) == 0 {
		t.Fatal("kong.yml holds no vault references; secrets must not be inline")
	}
	for _, m := range refs {
		// kong/vaults/env/init.lua: upper case, dashes to underscores.
		name := strings.ToUpper(strings.ReplaceAll(m[1], "-", "_"))
		if !defined[name] {
			t.Errorf("kong.yml references %s, which examples/demo.env does not define", name)
		}
	}
}

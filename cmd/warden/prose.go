package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/warden-gw/warden/pkg/schema"
)

// Hand-written pages state a config default only through a marker that
// `warden docs` fills in from the plugin's schema, whose defaults come
// from the config types' SetDefaults:
//
//	`key_prefix` defaults to <!-- default warden-ratelimit redis.key_prefix -->`warden:rl:`<!-- /default -->.
//
// so the text cannot drift from the code; TestDocs fails when a page is
// not up to date.
var defaultMarker = regexp.MustCompile(`<!-- default (\S+) (\S+) -->(.*?)<!-- /default -->`)

// prosePages are the hand-written pages, relative to the module root,
// whose default markers `warden docs` refreshes.
var prosePages = []string{"README.md", "docs/*.md"}

// prosePaths lists the files of prosePages under root.
func prosePaths(root string) ([]string, error) {
	var out []string
	for _, p := range prosePages {
		m, err := filepath.Glob(filepath.Join(root, p))
		if err != nil {
			return nil, err
		}
		out = append(out, m...)
	}
	return out, nil
}

// schemaDefaults returns every plugin's schema field by path
// (schema.Walk's paths), for the default markers.
func schemaDefaults() (map[string]map[string]schema.Field, error) {
	out := map[string]map[string]schema.Field{}
	for _, p := range plugins {
		s, err := schema.ForPlugin(p.name, p.config)
		if err != nil {
			return nil, err
		}
		fields := map[string]schema.Field{}
		schema.Walk(s.Fields[0].Field, func(path string, f schema.Field) { fields[path] = f })
		out[p.name] = fields
	}
	return out, nil
}

// fillDefaults writes each marker's current default between its tags.
func fillDefaults(page []byte, defaults map[string]map[string]schema.Field) ([]byte, error) {
	var errs []string
	out := defaultMarker.ReplaceAllStringFunc(string(page), func(m string) string {
		sub := defaultMarker.FindStringSubmatch(m)
		name, path := sub[1], sub[2]
		f, ok := defaults[name][path]
		if !ok {
			errs = append(errs, fmt.Sprintf("%s has no config field %s", name, path))
			return m
		}
		if f.Default == nil || f.Type == "record" {
			errs = append(errs, fmt.Sprintf("%s: config field %s has no default", name, path))
			return m
		}
		return "<!-- default " + name + " " + path + " -->" + proseValue(f.Default) + "<!-- /default -->"
	})
	if len(errs) > 0 {
		return nil, fmt.Errorf("default markers: %s", strings.Join(errs, "; "))
	}
	return []byte(out), nil
}

// proseValue renders a default for running text: a number as it is,
// anything else as code (a string without its JSON quotes).
func proseValue(v any) string {
	switch v := v.(type) {
	case float64:
		return num(v)
	case string:
		return "`" + v + "`"
	}
	b, _ := json.Marshal(v)
	return "`" + string(b) + "`"
}

// refreshProse fills the default markers of every hand-written page under
// root, rewriting the pages that change.
func refreshProse(root string) error {
	defaults, err := schemaDefaults()
	if err != nil {
		return err
	}
	paths, err := prosePaths(root)
	if err != nil {
		return err
	}
	for _, p := range paths {
		old, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		updated, err := fillDefaults(old, defaults)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		if string(updated) != string(old) {
			if err := os.WriteFile(p, updated, 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

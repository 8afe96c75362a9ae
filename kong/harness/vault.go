package harness

// Vault references (kong/pdk/vault.lua is_reference/parse_reference) resolved
// with the env vault (kong/vaults/env/init.lua).

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// isReference is kong/pdk/vault.lua is_reference: "{vault://" ... "}".
func isReference(s string) bool {
	return len(s) > 9 && strings.HasPrefix(s, "{vault://") && s[len(s)-1] == '}'
}

type vaultResolver struct {
	lookup func(string) (string, bool)
	warn   func(string)
}

// resolve returns the referenced secret, or "" after a warning when it cannot
// be resolved: kong/db/schema/init.lua resolve_reference logs
// "unable to resolve reference <ref> (<err>)" and returns deref or "".
func (v *vaultResolver) resolve(ref string) string {
	val, err := v.get(ref)
	if err != nil {
		if v.warn != nil {
			v.warn(fmt.Sprintf("unable to resolve reference %s (%v)", ref, err))
		}
		return ""
	}
	return val
}

func (v *vaultResolver) get(ref string) (string, error) {
	u, err := url.Parse(ref[1 : len(ref)-1])
	if err != nil {
		return "", fmt.Errorf("reference is not url (%v) [%s]", err, ref)
	}
	if u.Host == "" {
		return "", fmt.Errorf("reference url is missing host [%s]", ref)
	}
	resource := strings.TrimPrefix(u.Path, "/")
	if resource == "" {
		return "", fmt.Errorf("reference url has empty path [%s]", ref)
	}
	if u.Host != "env" {
		return "", fmt.Errorf("vault not found (%s) [%s]", u.Host, ref)
	}
	version := 0
	if u.Fragment != "" {
		if version, err = strconv.Atoi(u.Fragment); err != nil {
			return "", fmt.Errorf("reference url has invalid version [%s]", ref)
		}
	}
	// parse_reference: with more than one segment the last one is a JSON key.
	var key string
	parts := strings.Split(resource, "/")
	if len(parts) > 1 && !strings.HasSuffix(resource, "/") {
		key = parts[len(parts)-1]
		resource = strings.Join(parts[:len(parts)-1], "/")
	}
	if prefix := u.Query().Get("prefix"); prefix != "" {
		resource = prefix + resource
	}
	// env/init.lua get: upper(gsub(resource, "-", "_")), "_PREVIOUS" for version 2.
	name := strings.ToUpper(strings.ReplaceAll(resource, "-", "_"))
	if version == 2 {
		name += "_PREVIOUS"
	}
	lookup := v.lookup
	if lookup == nil {
		return "", fmt.Errorf("no environment lookup")
	}
	val, ok := lookup(name)
	if !ok {
		return "", fmt.Errorf("could not get value from external vault (no value found (%s))", ref)
	}
	if key == "" {
		return val, nil
	}
	var obj map[string]any
	if err := json.Unmarshal([]byte(val), &obj); err != nil {
		return "", fmt.Errorf("unable to json decode value (%v)", err)
	}
	s, ok := obj[key].(string)
	if !ok {
		return "", fmt.Errorf("no value found (key %s)", key)
	}
	return s, nil
}

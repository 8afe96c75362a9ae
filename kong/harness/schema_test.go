package harness

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func testSchema() map[string]any {
	return map[string]any{
		"name": "t",
		"fields": []any{
			map[string]any{"config": map[string]any{"type": "record", "fields": []any{
				map[string]any{"mode": map[string]any{"type": "string", "default": "strict", "one_of": []any{"strict", "lax"}}},
				map[string]any{"limit": map[string]any{"type": "integer", "between": []any{1.0, 100.0}}},
				map[string]any{"name": map[string]any{"type": "string", "match": "^[%w-]+$"}},
				map[string]any{"secret": map[string]any{"type": "string", "referenceable": true}},
				map[string]any{"plain": map[string]any{"type": "string"}},
				map[string]any{"tags": map[string]any{"type": "map", "keys": map[string]any{"type": "string"}, "values": map[string]any{"type": "string"}}},
				map[string]any{"rules": map[string]any{"type": "array", "elements": map[string]any{"type": "record", "fields": []any{
					map[string]any{"path": map[string]any{"type": "string", "required": true}},
					map[string]any{"methods": map[string]any{"type": "set", "elements": map[string]any{"type": "string"}, "default": []any{"GET"}}},
				}}}},
				map[string]any{"redis": map[string]any{"type": "record", "required": true, "fields": []any{
					map[string]any{"host": map[string]any{"type": "string", "default": "localhost"}},
					map[string]any{"port": map[string]any{"type": "integer", "default": 6379.0}},
				}}},
			}}},
		},
	}
}

func TestApplySchema(t *testing.T) {
	t.Parallel()
	env := func(k string) (string, bool) {
		if k == "MY_SECRET" {
			return "s3cr3t", true
		}
		return "", false
	}
	tests := []struct {
		name    string
		config  map[string]any
		want    map[string]any
		wantErr []string
	}{
		{
			name:   "defaults and materialized record",
			config: map[string]any{},
			want:   map[string]any{"mode": "strict", "redis": map[string]any{"host": "localhost", "port": 6379.0}},
		},
		{
			name:   "nested defaults in arrays, vault ref resolved in referenceable field only",
			config: map[string]any{"rules": []any{map[string]any{"path": "/a"}}, "secret": "{vault://env/my-secret}", "plain": "{vault://env/my-secret}"},
			want: map[string]any{"mode": "strict", "redis": map[string]any{"host": "localhost", "port": 6379.0},
				"rules":  []any{map[string]any{"path": "/a", "methods": []any{"GET"}}},
				"secret": "s3cr3t", "plain": "{vault://env/my-secret}",
				"$refs": map[string]any{"secret": "{vault://env/my-secret}"}},
		},
		{
			name:   "unresolvable reference becomes empty string",
			config: map[string]any{"secret": "{vault://env/missing}"},
			want: map[string]any{"mode": "strict", "redis": map[string]any{"host": "localhost", "port": 6379.0},
				"secret": "", "$refs": map[string]any{"secret": "{vault://env/missing}"}},
		},
		{
			name:   "all errors reported",
			config: map[string]any{"mode": "x", "limit": 0, "name": "a b", "bogus": 1, "rules": []any{map[string]any{"methods": []any{"GET"}}, map[string]any{}}, "tags": map[string]any{"k": 1}},
			wantErr: []string{
				"config.bogus: unknown field",
				"config.limit: value should be between 1 and 100",
				"config.mode: expected one of: strict, lax",
				"config.name: invalid value: a b",
				"config.rules[1].path: required field missing",
				"config.rules[2].path: required field missing",
				"config.tags: expected a string",
			},
		},
		{
			name:    "type errors",
			config:  map[string]any{"limit": 1.5, "redis": "x", "plain": ""},
			wantErr: []string{"config.limit: expected an integer", "config.plain: length must be at least 1", "config.redis: expected a record"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ApplySchema(testSchema(), tt.config, env)
			if tt.wantErr != nil {
				var se *SchemaError
				if !errors.As(err, &se) || !errors.Is(err, ErrSchema) {
					t.Fatalf("err = %v, want SchemaError", err)
				}
				if flat := se.Flatten(); !reflect.DeepEqual(flat, tt.wantErr) {
					t.Errorf("errors:\n got %q\nwant %q", flat, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestMetaSchemaRejects(t *testing.T) {
	t.Parallel()
	s := map[string]any{"name": "x", "fields": []any{map[string]any{"config": map[string]any{"type": "record", "fields": []any{
		map[string]any{"a": map[string]any{"type": "string", "between": []any{1.0, 2.0}}},
		map[string]any{"b": map[string]any{"type": "strng"}},
		map[string]any{"c": map[string]any{"type": "string", "frobnicate": true}},
		map[string]any{"d": map[string]any{"type": "array"}},
	}}}}}
	err := validateMetaSchema(s)
	for _, want := range []string{"field of type 'string' cannot have attribute 'between'", "config.b.type", "config.c.frobnicate: unknown field", "must declare 'elements'"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
}

func TestLoadConfigErrorsNameKeys(t *testing.T) {
	t.Parallel()
	_, err := LoadConfig([]byte(`_format_version: "3.0"
services:
- name: s
  url: http://x
  colour: red
  routes:
  - paths: ["~/re"]
    snis: [a]
plugins:
- name: p
  route: nope
`))
	for _, want := range []string{"services[1].colour: unknown field", "services[1].routes[1].snis: unknown field", "paths[1]: regex paths", "plugins[1].route: no route named \"nope\""} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
}

func TestRouterAndStripPath(t *testing.T) {
	t.Parallel()
	cfg, err := LoadConfig([]byte(`_format_version: "3.0"
services:
- name: s
  url: http://up/base
  routes:
  - name: short
    paths: ["/a"]
  - name: long
    paths: ["/a/b"]
    strip_path: false
  - name: get
    methods: [GET]
    paths: ["/a"]
`))
	if err != nil {
		t.Fatal(err)
	}
	r := newRouter(cfg.Routes)
	tests := []struct{ method, path, route, upstream string }{
		{"POST", "/a/x", "short", "/base/x"},
		{"GET", "/a/x", "get", "/base/x"},
		{"POST", "/a/b/c", "long", "/base/a/b/c"},
		{"POST", "/a", "short", "/base"},
		{"POST", "/abc", "short", "/base/bc"},
	}
	for _, tt := range tests {
		m := r.find(tt.method, "h", tt.path)
		if m == nil || m.route.Name != tt.route {
			t.Errorf("%s %s matched %+v, want %s", tt.method, tt.path, m, tt.route)
			continue
		}
		if got := upstreamURI(m.route, m.prefix, tt.path, m.route.Service.Path); got != tt.upstream {
			t.Errorf("%s: upstream %q, want %q", tt.path, got, tt.upstream)
		}
	}
	if r.find("GET", "h", "/zzz") != nil {
		t.Error("unexpected match")
	}
}

// TestMakeRecordsRequired: a nested record that does not say `required` is
// required in Kong (kong/db/schema/entity.lua make_records_required), so a
// config that leaves it out gets it filled in and its own required fields
// fail; one that says `required: false` stays absent. Records inside arrays
// are left alone (each_field walks record fields only).
func TestMakeRecordsRequired(t *testing.T) {
	t.Parallel()
	sub := func(required any) map[string]any {
		def := map[string]any{"type": "record", "fields": []any{
			map[string]any{"endpoint": map[string]any{"type": "string", "required": true}},
			map[string]any{"timeout": map[string]any{"type": "integer", "default": 5.0}},
		}}
		if required != nil {
			def["required"] = required
		}
		return def
	}
	schemaWith := func(required any) map[string]any {
		return map[string]any{"name": "t", "fields": []any{
			map[string]any{"config": map[string]any{"type": "record", "fields": []any{
				map[string]any{"introspection": sub(required)},
				map[string]any{"list": map[string]any{"type": "array", "elements": sub(nil)}},
			}}},
		}}
	}
	tests := []struct {
		name     string
		required any
		config   map[string]any
		want     map[string]any
		wantErr  []string
	}{
		{name: "unsaid: filled in, then its required field fails", required: nil, config: map[string]any{},
			wantErr: []string{"config.introspection.endpoint: required field missing"}},
		{name: "required false: stays absent", required: false, config: map[string]any{}, want: map[string]any{}},
		{name: "required false, given: defaults filled", required: false,
			config: map[string]any{"introspection": map[string]any{"endpoint": "https://x"}},
			want:   map[string]any{"introspection": map[string]any{"endpoint": "https://x", "timeout": 5.0}}},
		{name: "required false, partial: its required field fails", required: false,
			config:  map[string]any{"introspection": map[string]any{"timeout": 2.0}},
			wantErr: []string{"config.introspection.endpoint: required field missing"}},
		{name: "array elements are not made required", required: false,
			config: map[string]any{"list": []any{map[string]any{"endpoint": "a"}}},
			want:   map[string]any{"list": []any{map[string]any{"endpoint": "a", "timeout": 5.0}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ApplySchema(schemaWith(tc.required), tc.config, nil)
			if tc.wantErr != nil {
				var se *SchemaError
				if !errors.As(err, &se) || !reflect.DeepEqual(se.Flatten(), tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

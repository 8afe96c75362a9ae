package schema_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/warden-gw/warden/pkg/schema"
)

type tls struct {
	Enabled bool   `json:"enabled"`
	CA      string `json:"ca" kong:"referenceable"`
}

type target struct {
	Host string `json:"host" kong:"required"`
	Port int    `json:"port" kong:"between=1:65535"`
	TLS  tls    `json:"tls"`
}

func (t *target) SetDefaults() { t.Port = 6379 }

type sample struct {
	Algorithms []string          `json:"algorithms" kong:"required,len_min=1,one_of=HS256|RS256"`
	Secret     string            `json:"secret" kong:"referenceable,encrypted"`
	Keys       []string          `json:"keys" kong:"referenceable"`
	Window     int64             `json:"window" kong:"gt=0"`
	Weights    map[string]int    `json:"weights"`
	Targets    []target          `json:"targets"`
	Primary    target            `json:"primary"`
	Backup     *target           `json:"backup"`
	Hidden     string            `json:"-"`
	Name       string            `json:"name" match:"^%w+$" desc:"A name made of letters and digits."`
	Labels     map[string]string `json:"labels"`
	unexported int
}

func (s *sample) SetDefaults() { s.Algorithms, s.Window = []string{"RS256"}, 60 }

func TestForPlugin(t *testing.T) {
	t.Parallel()
	p, err := schema.ForPlugin("warden-x", reflect.TypeFor[sample]())
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	cfg := fieldMap(t, got["fields"])["config"]
	if cfg["type"] != "record" || cfg["required"] != true {
		t.Fatalf("config record: %v", cfg)
	}
	fields := fieldMap(t, cfg["fields"])
	check := func(name string, want string) {
		t.Helper()
		b, _ := json.Marshal(fields[name])
		if string(b) != want {
			t.Errorf("%s:\n got %s\nwant %s", name, b, want)
		}
	}
	check("algorithms", `{"default":["RS256"],"elements":{"one_of":["HS256","RS256"],"type":"string"},"len_min":1,"required":true,"type":"array"}`)
	check("secret", `{"encrypted":true,"referenceable":true,"type":"string"}`)
	check("keys", `{"elements":{"referenceable":true,"type":"string"},"type":"array"}`)
	check("window", `{"default":60,"gt":0,"type":"integer"}`)
	check("weights", `{"keys":{"type":"string"},"type":"map","values":{"type":"integer"}}`)
	check("name", `{"description":"A name made of letters and digits.","match":"^%w+$","type":"string"}`)
	check("primary", `{"default":{},"fields":[{"host":{"required":true,"type":"string"}},{"port":{"between":[1,65535],"default":6379,"type":"integer"}},{"tls":{"default":{},"fields":[{"enabled":{"type":"boolean"}},{"ca":{"referenceable":true,"type":"string"}}],"required":true,"type":"record"}}],"required":true,"type":"record"}`)
	check("backup", `{"fields":[{"host":{"required":true,"type":"string"}},{"port":{"between":[1,65535],"default":6379,"type":"integer"}},{"tls":{"default":{},"fields":[{"enabled":{"type":"boolean"}},{"ca":{"referenceable":true,"type":"string"}}],"required":true,"type":"record"}}],"required":false,"type":"record"}`)
	if el := fields["targets"]["elements"].(map[string]any); el["type"] != "record" || el["required"] != nil || el["default"] != nil {
		t.Errorf("array element record must be neither required nor defaulted: %v", el)
	}
	for _, name := range []string{"Hidden", "-", "unexported", "hidden"} {
		if _, ok := fields[name]; ok {
			t.Errorf("field %q must not be in the schema", name)
		}
	}
	if len(fields) != 10 {
		t.Errorf("got %d fields, want 10", len(fields))
	}
}

// fieldMap turns Kong's [{name: decl}, ...] into a map.
func fieldMap(t *testing.T, v any) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, e := range v.([]any) {
		for k, d := range e.(map[string]any) {
			out[k] = d.(map[string]any)
		}
	}
	return out
}

func TestForPluginErrors(t *testing.T) {
	t.Parallel()
	type noTag struct {
		Field string
	}
	type duration struct {
		Timeout time.Duration `json:"timeout"`
	}
	type badBetween struct {
		Name string `json:"name" kong:"between=1:2"`
	}
	type badOneOf struct {
		On bool `json:"on" kong:"one_of=a|b"`
	}
	type shortDesc struct {
		Name string `json:"name" desc:"short"`
	}
	type unknownAttr struct {
		Name string `json:"name" kong:"sparkly"`
	}
	type badMatch struct {
		N int `json:"n" match:"^%d+$"`
	}
	type intKeys struct {
		M map[int]string `json:"m"`
	}
	tests := []struct {
		name string
		typ  reflect.Type
		want string
	}{
		{"untagged field", reflect.TypeFor[noTag](), "needs a json tag"},
		{"duration", reflect.TypeFor[duration](), "timeout: time.Duration has no Kong type"},
		{"between on string", reflect.TypeFor[badBetween](), "name: kong tag \"between=1:2\": between applies to numbers"},
		{"one_of on bool", reflect.TypeFor[badOneOf](), "on: kong tag \"one_of=a|b\": one_of applies to strings and numbers"},
		{"description too short", reflect.TypeFor[shortDesc](), "name: description must be 10 to 500 characters"},
		{"unknown attribute", reflect.TypeFor[unknownAttr](), "unknown attribute"},
		{"match on integer", reflect.TypeFor[badMatch](), "n: match applies to strings"},
		{"map with int keys", reflect.TypeFor[intKeys](), "m: map keys must be strings"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := schema.ForPlugin("x", tt.typ)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestNamedFieldRoundTrip(t *testing.T) {
	t.Parallel()
	in := `{"name":"x","fields":[{"config":{"type":"record","fields":[{"a":{"type":"string","default":"v"}}]}}]}`
	var p schema.Plugin
	if err := json.Unmarshal([]byte(in), &p); err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(p)
	var a, b any
	_ = json.Unmarshal([]byte(in), &a)
	_ = json.Unmarshal(out, &b)
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("round trip changed the schema:\n in %s\nout %s", in, out)
	}
	if err := json.Unmarshal([]byte(`{"name":"x","fields":[{"a":{"type":"string"},"b":{"type":"string"}}]}`), &p); err == nil {
		t.Fatal("a two-key field entry must be refused")
	}
}

func TestWalk(t *testing.T) {
	t.Parallel()
	type leaf struct {
		X int `json:"x"`
	}
	type root struct {
		A    string          `json:"a"`
		Rec  leaf            `json:"rec"`
		Opt  *leaf           `json:"opt"`
		List []leaf          `json:"list"`
		Map  map[string]leaf `json:"map"`
		Tags []string        `json:"tags"`
	}
	rec, err := schema.Derive(reflect.TypeFor[root]())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	schema.Walk(rec, func(path string, f schema.Field) {
		if f.IsOptionalRecord() {
			path += " (optional)"
		}
		got = append(got, path+" "+f.Type)
	})
	want := []string{
		"a string", "rec record", "rec.x integer", "opt (optional) record", "opt.x integer",
		"list array", "list[].x integer", "map map", "map.*.x integer", "tags array",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

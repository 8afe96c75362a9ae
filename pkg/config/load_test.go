package config_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/warden-gw/warden/pkg/config"
)

type redis struct {
	Host      string `json:"host"`
	Port      int    `json:"port"`
	TimeoutMS int    `json:"timeout_ms"`
}

func (r *redis) SetDefaults() { r.Host, r.Port, r.TimeoutMS = "127.0.0.1", 6379, 50 }

type rule struct {
	Path   string   `json:"path"`
	Effect string   `json:"effect"`
	Scopes []string `json:"scopes"`
}

func (r *rule) SetDefaults() { r.Effect = "allow" }

type conf struct {
	Mode    string            `json:"mode"`
	Enabled bool              `json:"enabled"`
	Limit   int64             `json:"limit"`
	Count   uint8             `json:"count"`
	Ratio   float64           `json:"ratio"`
	Redis   redis             `json:"redis"`
	Extra   *redis            `json:"extra"`
	Rules   []rule            `json:"rules"`
	Labels  map[string]string `json:"labels"`
	Ignored string            `json:"-"`
}

func (c *conf) SetDefaults() { c.Mode, c.Enabled, c.Limit = "block", true, 10 }

func (c *conf) Validate() error {
	var errs config.Errors
	for i, r := range c.Rules {
		if !strings.HasPrefix(r.Path, "/") {
			errs.Add(fmt.Sprintf("rules[%d].path", i), "must start with /")
		}
	}
	return errs.Err()
}

func TestLoad(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		raw     string
		want    *conf
		wantErr []string
	}{
		{
			name: "defaults everywhere, Kong keys ignored",
			raw:  `{"__seq__": 3, "__plugin_id": "p1", "__key__": "k", "__ws_id": "w", "route_id": "r", "service_id": null, "consumer_id": null, "plugin_instance_name": null}`,
			want: &conf{Mode: "block", Enabled: true, Limit: 10, Redis: redis{"127.0.0.1", 6379, 50}},
		},
		{
			name: "null keeps the default, as Kong sends null for unset fields",
			raw:  `{"mode": null, "enabled": null, "redis": null, "extra": null, "rules": null}`,
			want: &conf{Mode: "block", Enabled: true, Limit: 10, Redis: redis{"127.0.0.1", 6379, 50}},
		},
		{
			name: "explicit false and zero override defaults",
			raw:  `{"enabled": false, "limit": 0, "redis": {"port": 6380}}`,
			want: &conf{Mode: "block", Enabled: false, Limit: 0, Redis: redis{"127.0.0.1", 6380, 50}},
		},
		{
			name: "array elements and optional record get their own defaults",
			raw:  `{"rules": [{"path": "/a"}, {"path": "/b", "effect": "deny", "scopes": {}}], "extra": {"host": "h", "$refs": {"host": "{vault://env/H}"}}, "$refs": {}, "labels": {"a": "b"}}`,
			want: &conf{Mode: "block", Enabled: true, Limit: 10, Redis: redis{"127.0.0.1", 6379, 50},
				Extra:  &redis{"h", 6379, 50},
				Rules:  []rule{{Path: "/a", Effect: "allow"}, {Path: "/b", Effect: "deny", Scopes: []string{}}},
				Labels: map[string]string{"a": "b"}},
		},
		{
			name: "integers written as floats by cjson",
			raw:  `{"limit": 1e3, "count": 7.0, "ratio": 0.25}`,
			want: &conf{Mode: "block", Enabled: true, Limit: 1000, Count: 7, Ratio: 0.25, Redis: redis{"127.0.0.1", 6379, 50}},
		},
		{
			name:    "every type and unknown-key error, named by path",
			raw:     `{"mode": 1, "enabled": "yes", "limit": 1.5, "count": 300, "redis": {"hots": "x", "port": "6379"}, "rules": [{"path": "/ok"}, {"path": 2}], "nope": true, "__kong_future__": 1, "redis2": {"__x": 1}}`,
			wantErr: []string{"mode: expected a string", "enabled: expected a boolean", "limit: expected an integer", "count: integer out of range", "redis.hots: unknown field", "redis.port: expected an integer", "rules[1].path: expected a string", "nope: unknown field", "redis2: unknown field"},
		},
		{
			name:    "Validate names field and index",
			raw:     `{"rules": [{"path": "/ok"}, {"path": "bad"}, {"path": "worse"}]}`,
			wantErr: []string{"rules[1].path: must start with /", "rules[2].path: must start with /"},
		},
		{
			name:    "not JSON",
			raw:     `{"mode": `,
			wantErr: []string{"config is not valid JSON"},
		},
		{
			name:    "trailing data",
			raw:     `{} {}`,
			wantErr: []string{"trailing data"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := config.Load[conf]([]byte(tt.raw))
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Load: %v", err)
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Fatalf("Load:\n got %+v\nwant %+v", got, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("Load succeeded, want errors %q", tt.wantErr)
			}
			if !errors.Is(err, config.ErrInvalid) {
				t.Errorf("error %v does not match ErrInvalid", err)
			}
			msgs := config.Flatten(err)
			if len(msgs) != len(tt.wantErr) {
				t.Errorf("got %d errors, want %d: %v", len(msgs), len(tt.wantErr), config.Summary(err))
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("errors %q lack %q", config.Summary(err), want)
				}
			}
		})
	}
}

func TestPrefix(t *testing.T) {
	t.Parallel()
	var errs config.Errors
	errs.Check("redis", errors.Join(config.Errorf("host", "required"), errors.New("bad tls")))
	errs.Check("rules", config.Errorf("[2].path", "must start with /"))
	errs.Check("ok", nil)
	got := config.Summary(errs.Err())
	want := "redis.host: required; redis: bad tls; rules[2].path: must start with /"
	if got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestKongPositions(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":                      "",
		"mode":                  "mode",
		"rules[0].paths[2]":     "rules[1].paths[3]",
		"[9]":                   "[10]",
		"tiers[x].multiplier":   "tiers[x].multiplier",
		"a[0][1]":               "a[1][2]",
		"api_keys.keys[41].sha": "api_keys.keys[42].sha",
	} {
		if got := config.KongPositions(in); got != want {
			t.Errorf("KongPositions(%q) = %q, want %q", in, got, want)
		}
	}
	err := errors.Join(config.Errorf("rules[0].path", "must start with /"), errors.New("other"))
	if got, want := config.KongSummary(err), "rules[1].path: must start with /; other"; got != want {
		t.Errorf("KongSummary = %q, want %q", got, want)
	}
}

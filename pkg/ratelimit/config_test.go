package ratelimit

import (
	"strings"
	"testing"

	"github.com/warden-gw/warden/pkg/config"
)

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		json string
		want []string // every expected "path: message" fragment
	}{
		{name: "minimal", json: `{"limits":[{"window":"minute","limit":10}]}`},
		{name: "local needs no redis", json: `{"policy":"local","limits":[{"window":"second","limit":1}],"redis":{"addresses":[]}}`},
		{name: "no limits", json: `{"limits":[]}`, want: []string{"limits: at least one limit"}},
		{
			name: "bad limits",
			json: `{"limits":[{"window":"minute","limit":10},{"window":"minute","limit":0,"burst":5},{"window":"week","limit":1}]}`,
			want: []string{
				"limits[1].window: duplicate window minute",
				"limits[1].limit: must be positive",
				"limits[1].burst: applies to algorithm gcra only",
				"limits[2].window: must be second, minute, hour or day",
			},
		},
		{name: "gcra burst", json: `{"algorithm":"gcra","limits":[{"window":"second","limit":10,"burst":50}]}`},
		{
			name: "identifiers",
			json: `{"limit_by":["header","claim","header","nope"],"fallback_by":"x","limits":[{"window":"hour","limit":1}]}`,
			want: []string{
				`limit_by[2]: duplicate identifier header`,
				`limit_by[3]: unknown identifier "nope"`,
				`fallback_by: unknown identifier "x"`,
				"header_name: required when limiting by header",
				"claim_name: required when limiting by claim",
			},
		},
		{
			name: "tiers",
			json: `{"limits":[{"window":"hour","limit":1}],"tiers":[{"by":"claim","value":"gold","multiplier":10},{"by":"group","claim":"x","value":"g","multiplier":0},{"by":"planet","value":"v","multiplier":2}]}`,
			want: []string{
				"tiers[0].claim: required when by is claim",
				"tiers[1].claim: only for by claim",
				"tiers[1].multiplier: must be above 0",
				"tiers[2].by: must be group, role, scope, consumer or claim",
			},
		},
		{
			name: "redis",
			json: `{"limits":[{"window":"hour","limit":1}],"redis":{"mode":"sentinel","addresses":["nohost","h:99999"],"client_cert":"x","timeout_ms":0}}`,
			want: []string{
				"redis.sentinel_master: required in sentinel mode",
				"redis.addresses[0]: must be host:port",
				"redis.addresses[1]: must be host:port",
				"redis.client_key: client_cert and client_key go together",
				"redis.ssl: must be true when TLS settings are given",
				"redis.timeout_ms: must be at least 1",
			},
		},
		{name: "standalone takes one address", json: `{"limits":[{"window":"hour","limit":1}],"redis":{"addresses":["a:1","b:2"]}}`, want: []string{"redis.addresses: standalone mode takes exactly one address"}},
		{name: "cluster", json: `{"limits":[{"window":"hour","limit":1}],"redis":{"mode":"cluster","addresses":["a:1","b:2"],"database":3}}`, want: []string{"redis.database: Redis Cluster has only database 0"}},
		{name: "status", json: `{"limits":[{"window":"hour","limit":1}],"error_code":200,"on_redis_error":"maybe"}`, want: []string{"error_code: must be between 400 and 599", "on_redis_error: must be allow, deny or local"}},
		{name: "braces", json: `{"limits":[{"window":"hour","limit":1}],"namespace":"a{b}","redis":{"key_prefix":"{rl}"}}`, want: []string{"namespace: only letters", "redis.key_prefix: must not contain braces"}},
		// Issue #13 item 12: a cost no request can pay refused every
		// request forever; it is refused at config, naming the limit.
		{name: "cost within every limit", json: `{"cost":5,"limits":[{"window":"second","limit":5},{"window":"hour","limit":100}]}`},
		{
			name: "cost above a limit",
			json: `{"cost":6,"limits":[{"window":"second","limit":5},{"window":"hour","limit":100},{"window":"day","limit":3}]}`,
			want: []string{
				"cost: 6 is more than limits[0].limit (5): every request would be refused",
				"cost: 6 is more than limits[2].limit (3)",
			},
		},
		{
			name: "cost above the gcra burst",
			json: `{"algorithm":"gcra","cost":6,"limits":[{"window":"second","limit":100,"burst":5},{"window":"minute","limit":3}]}`,
			want: []string{
				"cost: 6 is more than limits[0].burst (5)",
				"cost: 6 is more than limits[1].limit (3)",
			},
		},
		{name: "gcra burst above cost", json: `{"algorithm":"gcra","cost":6,"limits":[{"window":"second","limit":2,"burst":6}]}`},
		{
			name: "cost above a tier's scaled limit",
			json: `{"cost":4,"limits":[{"window":"second","limit":10}],"tiers":[{"by":"group","value":"free","multiplier":0.3},{"by":"group","value":"gold","multiplier":0.4}]}`,
			want: []string{"tiers[0].multiplier: scales limits[0].limit to 3, less than cost 4"},
		},
		{name: "unknown field", json: `{"limits":[{"window":"hour","limit":1}],"second":5}`, want: []string{"second: unknown field"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := config.Load[Config]([]byte(tt.json))
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			got := config.Flatten(err)
			for _, w := range tt.want {
				found := false
				for _, e := range got {
					found = found || strings.Contains(e.Error(), w)
				}
				if !found {
					t.Errorf("missing error %q in %v", w, config.Summary(err))
				}
			}
			if len(got) != len(tt.want) {
				t.Errorf("got %d errors, want %d: %s", len(got), len(tt.want), config.Summary(err))
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	t.Parallel()
	c, err := config.Load[Config]([]byte(`{"limits":[{"window":"minute","limit":10}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.Algorithm != "sliding_window" || c.Policy != "redis" || c.LimitBy[0] != "consumer" || c.FallbackBy != "ip" ||
		c.Cost != 1 || c.ErrorCode != 429 || c.OnRedisError != "local" || !c.RememberOverLimit ||
		c.Redis.TimeoutMS != DefaultRedisTimeout || c.Redis.Addresses[0] != "127.0.0.1:6379" || !c.Redis.SSLVerify {
		t.Errorf("defaults: %+v", c)
	}
}

func TestSecretsStayOutOfErrors(t *testing.T) {
	t.Parallel()
	const secret = "hunter2-secret"
	_, err := config.Load[Config]([]byte(`{"limits":[{"window":"hour","limit":1}],"redis":{"password":"` + secret + `","ssl":true,"ca_cert":"` + secret + `","client_cert":"` + secret + `","client_key":"` + secret + `","addresses":["x"]}}`))
	if err == nil || strings.Contains(err.Error(), secret) {
		t.Fatalf("error %v", err)
	}
	c, _ := config.Load[Config]([]byte(`{"limits":[{"window":"hour","limit":1}],"redis":{"ssl":true,"ca_cert":"` + secret + `"}}`))
	if _, err := NewClient(c.Redis); err == nil || strings.Contains(err.Error(), secret) {
		t.Fatalf("client error %v", err)
	}
}

package ratelimit

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/warden-gw/warden/pkg/identity"
)

func TestIdentify(t *testing.T) {
	t.Parallel()
	alice := &identity.Identity{Subject: "alice", Issuer: "https://idp", ConsumerID: "c-1", CredentialID: "k-9",
		Claims: map[string]any{"tenant": "acme", "n": float64(7), "list": []any{"a"}}}
	bob := &identity.Identity{Subject: "bob", Issuer: "https://idp"}
	full := Request{Identity: alice, IP: "10.0.0.1", Path: "/orders/1", ServiceID: "s", RouteID: "r",
		Headers: map[string][]string{"x-tenant": {"t1", "t2"}}}
	tests := []struct {
		name     string
		kinds    []string
		fallback string
		req      Request
		want     string
		ok       bool
	}{
		{name: "consumer", kinds: []string{"consumer"}, fallback: "ip", req: full, want: "consumer=c-1", ok: true},
		{name: "subject without consumer", kinds: []string{"consumer"}, fallback: "ip", req: Request{Identity: bob, IP: "1.2.3.4"}, want: "consumer=sub:https://idp|bob", ok: true},
		{name: "anonymous falls back", kinds: []string{"consumer"}, fallback: "ip", req: Request{IP: "1.2.3.4"}, want: "ip=1.2.3.4", ok: true},
		{name: "credential", kinds: []string{"credential"}, fallback: "ip", req: full, want: "credential=k-9", ok: true},
		{name: "header first value", kinds: []string{"header"}, fallback: "ip", req: full, want: "header=t1", ok: true},
		{name: "claim string", kinds: []string{"claim"}, fallback: "ip", req: full, want: "claim=acme", ok: true},
		{name: "path", kinds: []string{"path"}, fallback: "ip", req: full, want: "path=/orders/1", ok: true},
		{name: "service and route", kinds: []string{"service", "route"}, fallback: "ip", req: full, want: "service=s|route=r", ok: true},
		{name: "combination", kinds: []string{"consumer", "ip"}, fallback: "ip", req: full, want: "consumer=c-1|ip=10.0.0.1", ok: true},
		{name: "combination missing part", kinds: []string{"consumer", "header"}, fallback: "ip", req: Request{Identity: alice, IP: "9.9.9.9"}, want: "ip=9.9.9.9", ok: true},
		{name: "no fallback value: the client ip", kinds: []string{"header"}, fallback: "consumer", req: Request{IP: "1.2.3.4"}, want: "ip=1.2.3.4", ok: false},
		{name: "nothing at all", kinds: []string{"header"}, fallback: "claim", req: Request{}, want: "unidentified", ok: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			claim := "tenant"
			got, ok := identify(tt.kinds, tt.fallback, tt.req, "x-tenant", claim)
			if got != tt.want || ok != tt.ok {
				t.Errorf("identify = %q %v, want %q %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestTiers(t *testing.T) {
	t.Parallel()
	tiers := []Tier{
		{By: "group", Value: "gold", Multiplier: 10},
		{By: "claim", Claim: "plan", Value: "pro", Multiplier: 5},
		{By: "role", Value: "admin", Multiplier: 100},
		{By: "scope", Value: "bulk", Multiplier: 3},
		{By: "consumer", Value: "partner", Multiplier: 2},
	}
	tests := []struct {
		name string
		id   *identity.Identity
		want float64
	}{
		{name: "anonymous", id: nil, want: 1},
		{name: "group", id: &identity.Identity{Groups: []string{"gold"}, Roles: []string{"admin"}}, want: 10},
		{name: "claim string", id: &identity.Identity{Claims: map[string]any{"plan": "pro"}}, want: 5},
		{name: "claim list", id: &identity.Identity{Claims: map[string]any{"plan": []any{"free", "pro"}}}, want: 5},
		{name: "role", id: &identity.Identity{Roles: []string{"admin"}}, want: 100},
		{name: "scope", id: &identity.Identity{Scopes: []string{"bulk"}}, want: 3},
		{name: "consumer", id: &identity.Identity{ConsumerUsername: "partner"}, want: 2},
		{name: "no match", id: &identity.Identity{Groups: []string{"silver"}}, want: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := 1.0
			if tr := tierFor(tiers, tt.id); tr != nil {
				got = tr.Multiplier
			}
			if got != tt.want {
				t.Errorf("multiplier %v, want %v", got, tt.want)
			}
		})
	}
}

func TestLimitValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		l      Limit
		str    string
		window string
		valid  bool
	}{
		{l: PerSecond(10), str: "10/s", window: "Second", valid: true},
		{l: PerMinute(5), str: "5/m", window: "Minute", valid: true},
		{l: PerHour(1000), str: "1000/h", window: "Hour", valid: true},
		{l: PerDay(7).WithBurst(3), str: "7/d,burst=3", window: "Day", valid: true},
		{l: Limit{Rate: 5, Period: 30 * time.Second}, str: "5/30s", window: "30s", valid: true},
		{l: Limit{Rate: 0, Period: time.Second}, str: "0/s", window: "Second"},
		{l: Limit{Rate: 1, Period: time.Microsecond}, str: "1/1µs", window: "0.000001s"},
		{l: Limit{Rate: 1, Period: time.Second, Burst: -1}, str: "1/s,burst=-1", window: "Second"},
	}
	for _, tt := range tests {
		if got := tt.l.String(); got != tt.str {
			t.Errorf("String() = %q, want %q", got, tt.str)
		}
		if got := tt.l.Window(); got != tt.window {
			t.Errorf("%s: Window() = %q, want %q", tt.str, got, tt.window)
		}
		if err := tt.l.Validate(); (err == nil) != tt.valid {
			t.Errorf("%s: Validate() = %v, want valid=%v", tt.str, err, tt.valid)
		}
	}
	if got := PerSecond(10).WithBurst(4).Scale(2.5); got.Rate != 25 || got.Burst != 10 {
		t.Errorf("Scale: %+v", got)
	}
	if got := PerSecond(1).Scale(0.1); got.Rate != 1 {
		t.Errorf("Scale below 1: %+v", got)
	}
}

func TestHeaders(t *testing.T) {
	t.Parallel()
	res := Result{Allowed: false, States: []LimitState{
		{Limit: PerSecond(10), Remaining: 0, Reset: 300 * time.Millisecond, RetryAfter: 300 * time.Millisecond},
		{Limit: PerHour(1000), Remaining: 0, Reset: 1800 * time.Second},
		{Limit: PerDay(5000), Remaining: 4000, Reset: 10 * time.Hour},
	}}
	h := Headers(res, true)
	want := map[string]string{
		"X-RateLimit-Limit-Second":     "10",
		"X-RateLimit-Remaining-Second": "0",
		"X-RateLimit-Limit-Hour":       "1000",
		"X-RateLimit-Remaining-Hour":   "0",
		"X-RateLimit-Limit-Day":        "5000",
		"X-RateLimit-Remaining-Day":    "4000",
		// Tie on remaining: the longer window, as Kong picks.
		"RateLimit-Limit":     "1000",
		"RateLimit-Remaining": "0",
		"RateLimit-Reset":     "1800",
		"RateLimit-Policy":    `"second";q=10;w=1, "hour";q=1000;w=3600, "day";q=5000;w=86400`,
		"RateLimit":           `"hour";r=0;t=1800`,
		"Retry-After":         "1",
	}
	for k, v := range want {
		if got := strings.Join(h[k], ","); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if len(h) != len(want) {
		t.Errorf("%d headers, want %d: %v", len(h), len(want), h)
	}
	if h := Headers(Result{Allowed: true, States: res.States}, false); h["Retry-After"] != nil {
		t.Error("Retry-After on an allowed request")
	}
	if h := Headers(Result{}, true); len(h) != 1 || h["Retry-After"][0] != "1" {
		t.Errorf("fallback refusal headers %v", h)
	}
}

func TestPolicyLocal(t *testing.T) {
	t.Parallel()
	cfg := &Config{}
	cfg.SetDefaults()
	cfg.Redis.SetDefaults()
	cfg.Policy = PolicyLocal
	cfg.Shadow = false
	cfg.Limits = []LimitConfig{{Window: "hour", Limit: 2}}
	cfg.Tiers = []TierConfig{{By: "group", Value: "gold", Multiplier: 2}}
	cfg.SetScope(freshRoute(), "")
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	p, err := Compile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if n := p.Needs(); !n.Identity || n.IP {
		t.Errorf("needs %+v: want identity only, the fallback ip read lazily", n)
	}
	anon := Request{IP: "1.1.1.1"}
	if !p.Missing(anon) {
		t.Error("anonymous request not missing its consumer")
	}
	gold := Request{Identity: &identity.Identity{Subject: "g", ConsumerID: "g", Groups: []string{"gold"}}}
	for i, want := range []bool{true, true, false} {
		v := p.Decide(context.Background(), anon)
		if v.Refuse == want || v.Source != SourceLocal {
			t.Fatalf("anonymous request %d: refuse=%v source=%s", i, v.Refuse, v.Source)
		}
		if !want && (v.Reason() != "rate_limited" || v.Headers["Retry-After"] == nil) {
			t.Fatalf("refusal: reason %s headers %v", v.Reason(), v.Headers)
		}
	}
	for i := 0; i < 4; i++ {
		if v := p.Decide(context.Background(), gold); v.Refuse || v.Tier == nil {
			t.Fatalf("gold request %d refused (tier %v)", i, v.Tier)
		}
	}
	if v := p.Decide(context.Background(), gold); !v.Refuse {
		t.Fatal("fifth gold request allowed")
	}
}

// TestHeaderNameAnyCase: Kong hands header names over lower-cased and
// HTTP header names are case-insensitive, so header_name: X-Tenant must
// find the x-tenant header, not leave every request to the fallback.
func TestHeaderNameAnyCase(t *testing.T) {
	t.Parallel()
	cfg := &Config{}
	cfg.SetDefaults()
	cfg.Redis.SetDefaults()
	cfg.Policy = PolicyLocal
	cfg.Limits = []LimitConfig{{Window: "hour", Limit: 1}}
	cfg.LimitBy = []string{IdentifierHeader}
	cfg.HeaderName = "X-Tenant"
	cfg.FallbackBy = IdentifierIP
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	p, err := Compile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	req := func(tenant string) Request {
		return Request{IP: "1.1.1.1", Headers: map[string][]string{"x-tenant": {tenant}}}
	}
	if p.Missing(req("acme")) {
		t.Fatal("x-tenant header not found for header_name X-Tenant")
	}
	// One an hour per tenant: a second tenant from the same address has
	// its own counter.
	for _, tenant := range []string{"acme", "globex"} {
		if v := p.Decide(context.Background(), req(tenant)); v.Refuse {
			t.Fatalf("first request of %s refused", tenant)
		}
	}
}

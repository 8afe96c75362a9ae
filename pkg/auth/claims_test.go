package auth

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// leaves flattens joined and wrapped errors into the sentinels they carry,
// in order, so a test can assert every failure and nothing more.
func leaves(err error) []error {
	var out []error
	var walk func(error)
	walk = func(e error) {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, c := range j.Unwrap() {
				walk(c)
			}
			return
		}
		for _, s := range reasons {
			if errors.Is(e, s.err) {
				out = append(out, s.err)
				return
			}
		}
		out = append(out, e)
	}
	if err != nil {
		walk(err)
	}
	return out
}

func assertErrors(t *testing.T, err error, want ...error) {
	t.Helper()
	got := leaves(err)
	if len(got) != len(want) {
		t.Fatalf("got %d errors %v, want %d %v", len(got), got, len(want), want)
	}
	for i := range want {
		if !errors.Is(got[i], want[i]) {
			t.Errorf("error %d: %v, want %v", i, got[i], want[i])
		}
		if !errors.Is(err, want[i]) {
			t.Errorf("errors.Is(err, %v) is false", want[i])
		}
	}
}

func TestTimeRulesJoinAllFailures(t *testing.T) {
	t.Parallel()
	now := testNow
	at := func(d time.Duration) float64 { return float64(now.Add(d).Unix()) }
	r := timeRules{leeway: 30 * time.Second, maxLifetime: time.Hour}
	tests := []struct {
		name   string
		rules  timeRules
		claims map[string]any
		want   []error
	}{
		{"valid", r, map[string]any{"exp": at(time.Minute), "iat": at(-time.Minute)}, nil},
		{"missing exp", r, map[string]any{"iat": at(0)}, []error{ErrMissingExp}},
		{"missing exp allowed", timeRules{allowNoExp: true}, map[string]any{}, nil},
		{"expired within leeway", r, map[string]any{"exp": at(-10 * time.Second)}, nil},
		{"expired", r, map[string]any{"exp": at(-time.Minute)}, []error{ErrExpired}},
		{"exp, nbf and iat all wrong", r,
			map[string]any{"exp": at(-time.Minute), "nbf": at(time.Hour), "iat": at(time.Hour)},
			[]error{ErrExpired, ErrNotYetValid, ErrIssuedInFuture}},
		{"iat in future and lifetime too long", r,
			map[string]any{"exp": at(5 * time.Hour), "iat": at(2 * time.Hour)},
			[]error{ErrIssuedInFuture, ErrLifetime}},
		{"lifetime from now without iat", r, map[string]any{"exp": at(2 * time.Hour)}, []error{ErrLifetime}},
		{"malformed exp and nbf", r, map[string]any{"exp": "soon", "nbf": true},
			[]error{ErrMalformedToken, ErrMalformedToken}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := tt.rules.check(tt.claims, now)
			assertErrors(t, err, tt.want...)
		})
	}
}

func TestClaimChecksJoinAllFailures(t *testing.T) {
	t.Parallel()
	c := claimChecks{
		audiences: []string{"orders"},
		required:  []string{"tenant", "email"},
		values:    []ClaimValue{{Claim: "tenant", Values: []string{"acme"}}, {Claim: "plan", Values: []string{"gold"}}},
	}
	tests := []struct {
		name   string
		claims map[string]any
		want   []error
	}{
		{"all pass", map[string]any{"aud": "orders", "tenant": "acme", "email": "a@x", "plan": []any{"x", "gold"}}, nil},
		{"everything wrong", map[string]any{"aud": []any{"billing"}, "plan": "silver"},
			[]error{ErrAudience, ErrClaim, ErrClaim, ErrClaim, ErrClaim}},
		{"audience only", map[string]any{"aud": "billing", "tenant": "acme", "email": "a@x", "plan": "gold"}, []error{ErrAudience}},
		{"one value wrong", map[string]any{"aud": "orders", "tenant": "evil", "email": "a@x", "plan": "gold"}, []error{ErrClaim}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assertErrors(t, c.check(tt.claims), tt.want...)
		})
	}
}

// TestVerifyJoinsTimeAndClaimFailures: a token breaking several rules is
// refused with every failure in its error; the reason code is the first
// in the reasons table, whatever the order of the checks.
func TestVerifyJoinsTimeAndClaimFailures(t *testing.T) {
	cfg := staticConfig(t)
	is := cfg["issuers"].([]any)[0].(map[string]any)
	is["required_claims"] = []string{"tenant"}
	a := newAuth(t, cfg)
	c := goodClaims()
	c["exp"] = testNow.Add(-time.Hour).Unix()
	c["aud"] = "billing"
	_, d := a.Authenticate(context.Background(), bearer(sign(t, jwt.SigningMethodRS256, rsaA, "a1", c)))
	if d == nil {
		t.Fatal("token accepted")
	}
	if d.Reason != ReasonExpired || d.Status != 401 {
		t.Errorf("denial %s %d, want %s 401", d.Reason, d.Status, ReasonExpired)
	}
	assertErrors(t, d.Err, ErrExpired, ErrAudience, ErrClaim)
	if got, want := strings.Join(d.Reasons(), ","), "token_expired,audience_mismatch,claim_check_failed"; got != want {
		t.Errorf("Reasons() = %s, want %s", got, want)
	}
}

func TestReasonsOfASingleFailure(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		err  error
		want string
	}{
		{ErrSignature, "bad_signature"},
		{errors.New("unexpected"), "malformed_token"},
	} {
		if got := strings.Join(deny(tt.err).Reasons(), ","); got != tt.want {
			t.Errorf("%v: Reasons() = %s, want %s", tt.err, got, tt.want)
		}
	}
}

// TestClaimValuesCompareWholeStrings: a string claim must equal one of
// the accepted values. It is not split on spaces as a scope is, or a
// token whose tenant is "evil acme" would pass a check for "acme".
func TestClaimValuesCompareWholeStrings(t *testing.T) {
	t.Parallel()
	c := claimChecks{values: []ClaimValue{{Claim: "tenant", Values: []string{"acme"}}}}
	tests := []struct {
		name   string
		tenant any
		ok     bool
	}{
		{"equal", "acme", true},
		{"array element", []any{"other", "acme"}, true},
		{"space separated", "evil acme", false},
		{"padded", " acme", false},
		{"array element with space", []any{"evil acme"}, false},
		{"number", 1.0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := c.check(map[string]any{"tenant": tt.tenant})
			if tt.ok {
				assertErrors(t, err)
			} else {
				assertErrors(t, err, ErrClaim)
			}
		})
	}
}

package authz

import (
	"net/http"
	"testing"

	"github.com/warden-gw/warden/pkg/identity"
)

// TestConfirmationRequired: a rule can require a sender-constrained token
// (identity.Confirmation, set by warden-auth for a DPoP-proven or
// certificate-bound token); a bearer token, however valid, gets 401.
func TestConfirmationRequired(t *testing.T) {
	t.Parallel()
	c := &Config{}
	c.SetDefaults()
	c.Rules = []Rule{
		{Name: "payments", Effect: EffectAllow, Paths: []string{"/payments/**"}, Confirmation: []string{"dpop", "mtls"}, Roles: &Requirement{AnyOf: []string{"payer"}}},
		{Name: "rest", Effect: EffectAllow, Paths: []string{"/**"}, Authenticated: true},
	}
	p, err := Compile(c)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		id     *identity.Identity
		status int
		reason string
	}{
		{"bearer token", &identity.Identity{Subject: "a", Roles: []string{"payer"}}, http.StatusUnauthorized, ReasonNotBound},
		{"dpop-bound", &identity.Identity{Subject: "a", Roles: []string{"payer"}, Confirmation: identity.ConfirmationDPoP}, 0, ReasonAllowed},
		{"certificate-bound", &identity.Identity{Subject: "a", Roles: []string{"payer"}, Confirmation: identity.ConfirmationMTLS}, 0, ReasonAllowed},
		{"bound, role missing", &identity.Identity{Subject: "a", Confirmation: identity.ConfirmationDPoP}, http.StatusForbidden, ReasonMissingRole},
		{"no identity", nil, http.StatusUnauthorized, ReasonIdentityRequired},
	}
	for _, tc := range tests {
		d := p.Decide(Request{Method: "POST", Path: "/payments/42"}, tc.id)
		if d.Reason != tc.reason || (tc.status != 0 && d.Status != tc.status) || (tc.status == 0) != d.Allow {
			t.Errorf("%s: %+v, want status %d reason %s", tc.name, d, tc.status, tc.reason)
		}
	}
	c.Rules = []Rule{{Effect: EffectAllow, Paths: []string{"/x"}, Confirmation: []string{"bearer"}}}
	if err := c.Validate(); err == nil {
		t.Error("confirmation [bearer] accepted")
	}
}

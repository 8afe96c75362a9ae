package identity_test

import (
	"encoding/json"
	"testing"

	"github.com/warden-gw/warden/pkg/identity"
)

// FuzzFromShared reads whatever another plugin may have left under the
// identity key: any JSON value, as it crosses the plugin socket. It must
// never panic, and what it accepts must survive a round trip.
func FuzzFromShared(f *testing.F) {
	for _, seed := range []string{
		`null`, `"bob"`, `{"sub": "a", "method": "jwt", "scopes": ["x"], "claims": {"t": 1}}`,
		`{"sub": 1}`, `{"scopes": {}}`, `{"roles": [1, "a"]}`, `{"claims": []}`, `[{"sub": "a"}]`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var v any
		if json.Unmarshal(raw, &v) != nil {
			return
		}
		id, ok, err := identity.FromShared(v)
		if err != nil || !ok {
			return
		}
		again, ok2, err2 := identity.FromShared(roundTrip(t, id.Shared()))
		if err2 != nil || !ok2 || again.Subject != id.Subject || len(again.Scopes) != len(id.Scopes) {
			t.Fatalf("round trip of %+v: %+v %v %v", id, again, ok2, err2)
		}
	})
}

package identity_test

import (
	"errors"
	"reflect"
	"testing"

	"google.golang.org/protobuf/types/known/structpb"

	"github.com/warden-gw/warden/pkg/identity"
)

// roundTrip sends v through google.protobuf.Value as go-pdk does for
// kong.ctx.shared (go-pdk ctx.SetShared, bridge AskValue).
func roundTrip(t *testing.T, v any) any {
	t.Helper()
	pv, err := structpb.NewValue(v)
	if err != nil {
		t.Fatalf("structpb: %v", err)
	}
	return pv.AsInterface()
}

func TestSharedRoundTrip(t *testing.T) {
	t.Parallel()
	in := identity.Identity{
		Subject: "alice", Issuer: "https://idp", ConsumerID: "c1", ConsumerUsername: "alice",
		CredentialID: "kid1", Method: identity.MethodJWT, Confirmation: identity.ConfirmationDPoP,
		Scopes: []string{"orders:read", "orders:write"}, Roles: []string{"admin"}, Groups: []string{"eu"},
		Claims: map[string]any{"tenant": "t1", "level": float64(3)},
	}
	got, ok, err := identity.FromShared(roundTrip(t, in.Shared()))
	if err != nil || !ok {
		t.Fatalf("FromShared: ok=%v err=%v", ok, err)
	}
	if !reflect.DeepEqual(got, in) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, in)
	}
	if !got.SenderConstrained() || (identity.Identity{}).SenderConstrained() {
		t.Fatal("SenderConstrained disagrees with Confirmation")
	}
	if !got.HasScope("orders:write") || got.HasScope("orders") || !got.HasRole("admin") || !got.HasGroup("eu") {
		t.Fatal("Has* disagree with the lists")
	}
}

func TestFromSharedTolerance(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      any
		want    identity.Identity
		ok      bool
		wantErr bool
	}{
		{name: "absent", in: nil},
		{name: "empty lists come back from Kong as empty maps",
			in:   map[string]any{"sub": "bob", "method": "api_key", "scopes": map[string]any{}, "roles": nil},
			want: identity.Identity{Subject: "bob", Method: "api_key"}, ok: true},
		{name: "not a map", in: "bob", wantErr: true},
		{name: "sub not a string", in: map[string]any{"sub": 1.0}, wantErr: true},
		{name: "scope element not a string", in: map[string]any{"sub": "x", "scopes": []any{"a", 2.0}}, wantErr: true},
		{name: "claims not a map", in: map[string]any{"sub": "x", "claims": []any{}}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok, err := identity.FromShared(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil && !errors.Is(err, identity.ErrMalformed) {
				t.Fatalf("err %v is not ErrMalformed", err)
			}
			if ok != tt.ok || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v ok=%v, want %+v ok=%v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

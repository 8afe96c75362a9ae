package authz_test

import (
	"fmt"
	"strings"

	"github.com/warden-gw/warden/pkg/authz"
	"github.com/warden-gw/warden/pkg/config"
	"github.com/warden-gw/warden/pkg/identity"
)

func Example() {
	var cfg authz.Config
	err := config.Decode([]byte(`{"rules": [
		{"name": "orders-read-own", "methods": ["GET"], "paths": ["/users/{user_id}/orders/{id}"],
		 "scopes": {"all_of": ["orders:read"]}, "owner": {"param": "user_id"}},
		{"name": "admin", "paths": ["/users/*/orders/**"], "roles": {"any_of": ["admin"]}}
	]}`), &cfg)
	if err != nil {
		panic(err)
	}
	p, err := authz.Compile(&cfg)
	if err != nil {
		panic(err)
	}
	alice := &identity.Identity{Subject: "alice", Scopes: []string{"orders:read"}}
	for _, path := range []string{"/users/alice/orders/1", "/users/bob/orders/1", "/users/alice%2fbob/orders/1"} {
		d := p.Decide(authz.Request{Method: "GET", Path: path}, alice)
		fmt.Println(path, d.Allow, d.Status, strings.TrimSpace(d.Reason+" "+d.Rule))
	}
	d := p.Decide(authz.Request{Method: "GET", Path: "/users/bob/orders/1"}, nil)
	fmt.Println("anonymous", d.Allow, d.Status, d.Reason)
	// Output:
	// /users/alice/orders/1 true 0 allowed orders-read-own
	// /users/bob/orders/1 false 403 not_owner orders-read-own
	// /users/alice%2fbob/orders/1 false 400 invalid_path
	// anonymous false 401 identity_required
}

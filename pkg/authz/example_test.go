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
		{"name": "admin", "methods": ["GET"], "paths": ["/users/{user_id}/orders/{id}"], "roles": {"any_of": ["admin"]}}
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
	// The admin rule has the owner rule's template and methods: equally
	// specific, they share the decision. (On /users/*/orders/** it would
	// be less specific and never decide there.)
	carol := &identity.Identity{Subject: "carol", Roles: []string{"admin"}}
	d := p.Decide(authz.Request{Method: "GET", Path: "/users/bob/orders/1"}, carol)
	fmt.Println("admin", d.Allow, d.Rule)
	d = p.Decide(authz.Request{Method: "GET", Path: "/users/bob/orders/1"}, nil)
	fmt.Println("anonymous", d.Allow, d.Status, d.Reason)
	// Output:
	// /users/alice/orders/1 true 0 allowed orders-read-own
	// /users/bob/orders/1 false 403 not_owner orders-read-own
	// /users/alice%2fbob/orders/1 false 400 invalid_path
	// admin true admin
	// anonymous false 401 identity_required
}

// The most specific template decides: a catch-all for signed-in users does
// not open the admin part, and Overlaps says so.
func ExamplePolicy_Overlaps() {
	var cfg authz.Config
	err := config.Decode([]byte(`{"rules": [
		{"name": "admin", "paths": ["/admin/**"], "roles": {"any_of": ["admin"]}},
		{"name": "user", "paths": ["/**"], "authenticated": true}
	]}`), &cfg)
	if err != nil {
		panic(err)
	}
	p, err := authz.Compile(&cfg)
	if err != nil {
		panic(err)
	}
	bob := &identity.Identity{Subject: "bob"}
	for _, path := range []string{"/admin", "/admin/users", "/home"} {
		d := p.Decide(authz.Request{Method: "GET", Path: path}, bob)
		fmt.Println(path, d.Allow, d.Rule)
	}
	for _, o := range p.Overlaps() {
		fmt.Println(o)
	}
	// Output:
	// /admin false admin
	// /admin/users false admin
	// /home true user
	// rules[2] (user, /**) is shadowed where rules[1] (admin, /admin/**) also matches: the more specific template decides there
}

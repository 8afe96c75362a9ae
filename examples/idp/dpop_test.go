package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/warden-gw/warden/pkg/auth"
	"github.com/warden-gw/warden/pkg/config"
	"github.com/warden-gw/warden/pkg/identity"
)

// TestDPoPBoundTokens: a token asked for with dpop_client is bound to
// that demo client's key (cnf.jkt, token_type DPoP), and warden-auth
// accepts it with a proof from /demo/dpop-proof by that client only.
func TestDPoPBoundTokens(t *testing.T) {
	_, issuer := startIdP(t)
	raw, _ := json.Marshal(map[string]any{
		"issuers": []any{map[string]any{"issuer": issuer, "discovery": true, "algorithms": []string{"RS256"},
			"audiences": []string{"orders"}, "dpop": "allowed"}},
		"http": map[string]any{"allow_http": true},
	})
	cfg, err := config.Load[auth.Config](raw)
	if err != nil {
		t.Fatal(err)
	}
	a, err := auth.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	get := func(u string) (int, string) {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	status, body := get(issuer + "/token?user=alice&dpop_client=client-a")
	var tr struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
	}
	if err := json.Unmarshal([]byte(body), &tr); err != nil || status != 200 || tr.TokenType != "DPoP" {
		t.Fatalf("token: %d %s", status, body)
	}
	const htu = "https://api.example/users/alice/orders/1"
	proof := func(client string) string {
		q := url.Values{"client": {client}, "htm": {"GET"}, "htu": {htu}, "token": {tr.AccessToken}}
		status, p := get(issuer + "/demo/dpop-proof?" + q.Encode())
		if status != 200 {
			t.Fatalf("proof: %d %s", status, p)
		}
		return strings.TrimSpace(p)
	}
	req := func(p string) auth.Request {
		return auth.Request{Headers: map[string][]string{"authorization": {"DPoP " + tr.AccessToken}, "dpop": {p},
			"host": {"api.example"}}, Method: "GET", Target: "/users/alice/orders/1", Scheme: "https"}
	}
	res, d := a.Authenticate(context.Background(), req(proof("client-a")))
	if d != nil || res.Identity.Confirmation != identity.ConfirmationDPoP {
		t.Fatalf("bound token with client-a's proof: %v", d)
	}
	if _, d := a.Authenticate(context.Background(), req(proof("client-b"))); d == nil || d.Reason != auth.ReasonDPoPBinding {
		t.Errorf("client-b's proof for client-a's token: %v", d)
	}
	for _, bad := range []string{"dpop_client=client-c", "dpop_jkt=short", "x5t_s256=%2F%2F"} {
		if status, _ := get(issuer + "/token?user=alice&" + bad); status != 400 {
			t.Errorf("%s: %d, want 400", bad, status)
		}
	}
}

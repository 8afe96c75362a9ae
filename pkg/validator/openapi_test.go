package validator

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/warden-gw/warden/pkg/config"
)

func TestOpenAPIImport(t *testing.T) {
	t.Parallel()
	for _, file := range []string{"testdata/orders-openapi-3.0.yaml", "testdata/orders-openapi-3.1.yaml"} {
		t.Run(file, func(t *testing.T) {
			t.Parallel()
			raw, _ := json.Marshal(map[string]any{"openapi_file": file, "base_path": "/v1", "unknown_operation": "404"})
			cfg, err := config.Load[Config](raw)
			if err != nil {
				t.Fatal(err)
			}
			v := mustNew(t, cfg)
			tests := []struct {
				req    *Request
				body   string
				status int
				loc    string
			}{
				{req: post("/v1/orders", "application/json", `{"currency":"EUR","coupon":null,"items":[{"sku":"a","quantity":1}]}`),
					body: `{"currency":"EUR","coupon":null,"items":[{"sku":"a","quantity":1}]}`},
				{req: post("/v1/orders", "application/json", `{"currency":"EUR","items":[{"sku":"a","quantity":0}]}`),
					body: `{"currency":"EUR","items":[{"sku":"a","quantity":0}]}`, status: 400, loc: "body/items/0/quantity"},
				{req: post("/v1/orders", "application/json", `{"currency":"EUR","coupon":7,"items":[{"sku":"a","quantity":1}]}`),
					body: `{"currency":"EUR","coupon":7,"items":[{"sku":"a","quantity":1}]}`, status: 400, loc: "body/coupon"},
				{req: &Request{Method: "GET", PathWithQuery: "/v1/orders?limit=5&status=open,shipped"}},
				{req: &Request{Method: "GET", PathWithQuery: "/v1/orders?status=open,lost"}, status: 400, loc: "query/status/1"},
				{req: &Request{Method: "GET", PathWithQuery: "/v1/orders/abc"}, status: 400, loc: "path/id"},
				{req: &Request{Method: "GET", PathWithQuery: "/v1/admin"}, status: 404, loc: "path"},
			}
			for i, tt := range tests {
				if tt.req.Headers == nil {
					tt.req.Headers = map[string][]string{}
				}
				d, err := v.Check(tt.req, bodyOf(tt.body))
				if err != nil {
					t.Fatal(err)
				}
				if d.Status != tt.status || (tt.loc != "" && d.Violations[0].Location != tt.loc) {
					t.Errorf("case %d %s: status %d %+v, want %d at %s", i, tt.req.PathWithQuery, d.Status, d.Violations, tt.status, tt.loc)
				}
			}
		})
	}
}

func TestOpenAPIRefusesExternalRefs(t *testing.T) {
	t.Parallel()
	spec := `{"openapi":"3.0.3","info":{"title":"x","version":"1"},"paths":{"/a":{"post":{"requestBody":{"content":{"application/json":{"schema":{"$ref":"http://127.0.0.1:1/s.json"}}}},"responses":{"200":{"description":"ok"}}}}}}`
	raw, _ := json.Marshal(map[string]any{"openapi_spec": spec})
	_, err := config.Load[Config](raw)
	if err == nil || !strings.Contains(config.Summary(err), "openapi_spec") {
		t.Fatalf("external ref accepted or error unnamed: %v", err)
	}
}

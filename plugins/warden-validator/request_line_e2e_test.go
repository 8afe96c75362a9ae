package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
)

// rawRequest sends the request line exactly as given (Go's client would
// drop a fragment and check the method), with a JSON body.
func rawRequest(t *testing.T, addr, method, target, body string) (int, string) {
	t.Helper()
	host := strings.TrimPrefix(addr, "http://")
	c, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		method, target, host, len(body), body)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestE2ERequestLine: with unknown_operation allow, a target or a method
// that matches no operation here but the upstream's handler for POST
// /orders (cut at '#', upper-cased) would go through unvalidated. Both are
// refused with 400, nothing proxied.
func TestE2ERequestLine(t *testing.T) {
	cfg, _ := json.Marshal(map[string]any{
		"unknown_operation": "allow",
		"operations": []any{
			map[string]any{"method": "POST", "path": "/orders", "body_schema": orderSchema, "body_required": true},
		},
	})
	g, up := start(t, string(cfg))
	invalid := `{"currency":"XXX","items":[]}`
	for _, tt := range []struct {
		name, method, target string
		status               int
	}{
		{"invalid body", "POST", "/orders", 400},
		{"raw # after the path", "POST", "/orders#x", 400},
		{"raw # in the query", "POST", "/orders?a=1#x", 400},
		{"lower-case method", "post", "/orders", 400},
		{"mixed-case method", "Post", "/orders", 400},
		{"unknown operation allowed", "POST", "/orders/x", 200},
	} {
		before := up.Count()
		status, body := rawRequest(t, g.URL(), tt.method, tt.target, invalid)
		if status != tt.status {
			t.Errorf("%s: %s %s: status %d, want %d (%s)", tt.name, tt.method, tt.target, status, tt.status, body)
		}
		if proxied := up.Count() > before; proxied != (tt.status == 200) {
			t.Errorf("%s: proxied %v", tt.name, proxied)
		}
	}
}

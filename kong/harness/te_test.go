package harness

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestChunkedRequestKeepsTransferEncoding: net/http moves the header out
// of the map, but plugins must see it as ngx.req.get_headers shows it
// (rs.r.Header backs kong.request.get_header(s)), and the upstream must
// still get the whole body.
func TestChunkedRequestKeepsTransferEncoding(t *testing.T) {
	var got string
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = string(b)
	}))
	defer up.Close()
	cfg := "_format_version: \"3.0\"\nservices:\n  - name: s\n    url: " + up.URL + "\n    routes: [{name: r, paths: [\"/\"]}]\n"
	g, err := Start(context.Background(), Options{Config: []byte(cfg), Log: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	req := httptest.NewRequest("POST", "/x", strings.NewReader("chunked body"))
	req.TransferEncoding = []string{"chunked"}
	req.ContentLength = -1
	rec := httptest.NewRecorder()
	g.serve(rec, req)
	if rec.Code != 200 || got != "chunked body" {
		t.Fatalf("status %d, upstream body %q", rec.Code, got)
	}
	if te := req.Header.Get("Transfer-Encoding"); te != "chunked" {
		t.Fatalf("plugins would see Transfer-Encoding %q, want chunked", te)
	}
}

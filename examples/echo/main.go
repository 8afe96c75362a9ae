// Command echo is the example upstream: it answers every request with a
// JSON description of what reached it (method, path, query, headers, body
// size), so a Kong operator can see what the gateway forwarded, added and
// stripped.
package main

import (
	"encoding/json"
	"flag"
	"io"
	"log"
	"net/http"
	"os"
	"sort"
	"time"
)

// maxBody is the most body bytes echoed back.
const maxBody = 4096

// Echo is what the upstream saw.
type Echo struct {
	Service  string              `json:"service"`
	Method   string              `json:"method"`
	Path     string              `json:"path"`
	RawQuery string              `json:"raw_query,omitempty"`
	Headers  map[string][]string `json:"headers"`
	BodySize int                 `json:"body_size"`
	Body     string              `json:"body,omitempty"`
}

func handler(service string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		e := Echo{
			Service:  service,
			Method:   r.Method,
			Path:     r.URL.Path,
			RawQuery: r.URL.RawQuery,
			Headers:  map[string][]string{},
			BodySize: len(body),
		}
		names := make([]string, 0, len(r.Header))
		for k := range r.Header {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			e.Headers[k] = r.Header[k]
		}
		if len(body) > maxBody {
			body = body[:maxBody]
		}
		e.Body = string(body)
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(e)
	}
}

func main() {
	listen := flag.String("listen", envOr("ECHO_LISTEN", "127.0.0.1:8080"), "address to listen on")
	name := flag.String("name", envOr("ECHO_NAME", "echo"), "service name shown in answers")
	flag.Parse()
	srv := &http.Server{Addr: *listen, Handler: handler(*name), ReadHeaderTimeout: 5 * time.Second}
	log.Printf("echo upstream listening on http://%s", *listen)
	log.Fatal(srv.ListenAndServe())
}

func envOr(env, def string) string {
	if v := os.Getenv(env); v != "" {
		return v
	}
	return def
}

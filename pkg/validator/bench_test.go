package validator

import (
	"bytes"
	"encoding/json"
	"strconv"
	"testing"

	"github.com/xeipuuv/gojsonschema"

	"github.com/warden-gw/warden/pkg/config"
)

// BenchmarkValidateOrder compares, in one run:
//   - warden: the full Check of a ~1 KB create-order request (operation
//     match, size, content type, one-pass threat scan and decode, compiled
//     schema);
//   - bare_compiled: gojsonschema alone validating the same bytes against
//     the same schema compiled once (the issue's ≤1.2× baseline);
//   - naive_compile_per_request: gojsonschema compiling the schema for
//     every request.
func BenchmarkValidateOrder(b *testing.B) {
	v := mustNew(b, ordersConfig(b))
	body := []byte(orderJSON)
	req := post("/orders", "application/json", orderJSON)
	read := func(int64) ([]byte, error) { return body, nil }
	b.Run("warden", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if d, err := v.Check(req, read); err != nil || !d.Valid() {
					b.Fatalf("%v %+v", err, d)
				}
			}
		})
	})
	benchBareCompiled(b, orderSchema, body)
	b.Run("naive_compile_per_request", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				r, err := gojsonschema.Validate(gojsonschema.NewStringLoader(orderSchema), gojsonschema.NewBytesLoader(body))
				if err != nil || !r.Valid() {
					b.Fatal(err)
				}
			}
		})
	})
}

// BenchmarkThreatScan compares the threat pre-pass with encoding/json on
// a larger body (the order repeated in an array, ~64 KB).
func BenchmarkThreatScan(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString("[")
	for i := range 60 {
		if i > 0 {
			buf.WriteString(",")
		}
		buf.WriteString(orderJSON)
	}
	buf.WriteString("]")
	doc := buf.Bytes()
	lim := DefaultLimits()
	b.Run("check", func(b *testing.B) {
		b.SetBytes(int64(len(doc)))
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := lim.CheckJSON(doc); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
	b.Run("check_and_decode", func(b *testing.B) {
		b.SetBytes(int64(len(doc)))
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := lim.DecodeJSON(doc); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
	b.Run("encoding_json_valid", func(b *testing.B) {
		b.SetBytes(int64(len(doc)))
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if !json.Valid(doc) {
					b.Fatal("invalid")
				}
			}
		})
	})
	b.Run("encoding_json_unmarshal", func(b *testing.B) {
		b.SetBytes(int64(len(doc)))
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				var v any
				if err := json.Unmarshal(doc, &v); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}

// BenchmarkValidateResponse compares, in one run, the check of a ~1 KB
// order answered by the upstream (operation match, status, content type,
// size, threat scan and decode, compiled schema) with gojsonschema alone
// validating the same bytes against the same compiled schema.
func BenchmarkValidateResponse(b *testing.B) {
	raw, _ := json.Marshal(map[string]any{
		"response_validation": map[string]any{"enabled": true},
		"operations": []any{map[string]any{"method": "POST", "path": "/orders", "responses": []any{
			map[string]any{"status": "201", "body_schema": orderSchema}}}},
	})
	cfg, err := config.Load[Config](raw)
	if err != nil {
		b.Fatal(err)
	}
	v := mustNew(b, cfg)
	body := []byte(orderJSON)
	headers := map[string][]string{"content-type": {"application/json"}, "content-length": {strconv.Itoa(len(body))}}
	read := func() ([]byte, error) { return body, nil }
	b.Run("warden", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				d, err := v.Responses("POST", "/orders").For(201).Check(headers, read)
				if err != nil || !d.Valid() {
					b.Fatalf("%v %+v", err, d)
				}
			}
		})
	})
	benchBareCompiled(b, orderSchema, body)
}

// benchBareCompiled is the baseline both comparisons use: gojsonschema
// alone validating body against schema compiled once.
func benchBareCompiled(b *testing.B, schema string, body []byte) {
	compiled, err := gojsonschema.NewSchema(gojsonschema.NewStringLoader(schema))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("bare_compiled", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if r, err := compiled.Validate(gojsonschema.NewBytesLoader(body)); err != nil || !r.Valid() {
					b.Fatal(err)
				}
			}
		})
	})
}

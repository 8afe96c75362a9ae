package validator

import (
	"os"
	"strings"
	"sync"
	"testing"
)

var (
	fuzzDocOnce sync.Once
	fuzzDoc     *diffDoc
	fuzzSeeds   []diffReq
)

// fuzzDiffDoc is the one document FuzzDifferential uses, loaded once.
func fuzzDiffDoc(t testing.TB) *diffDoc {
	fuzzDocOnce.Do(func() {
		spec, err := os.ReadFile("testdata/differential-openapi-3.0.yaml")
		if err != nil {
			t.Fatal(err)
		}
		fuzzDoc = loadDiffDoc(t, "differential", spec)
		fuzzSeeds = generate(fuzzDoc.doc, fuzzDoc.base, 0)
	})
	return fuzzDoc
}

var (
	fuzzMethods = []string{"GET", "POST", "PUT", "DELETE", "PATCH"}
	fuzzTypes   = []string{"", "application/json", "text/plain", "application/x-www-form-urlencoded", "application/json; charset=utf-8"}
)

// fuzzRequest makes a request of the fuzzer's input: method and content
// type by index, the path under the document's base path, one extra
// header line "Name: value\n..." per line of headers.
func fuzzRequest(base string, method, ctype uint8, path, query, headers string, body []byte) diffReq {
	r := diffReq{Method: fuzzMethods[int(method)%len(fuzzMethods)], Path: base + "/" + strings.TrimPrefix(path, "/")}
	if query != "" {
		r.Path += "?" + query
	}
	for _, line := range strings.Split(headers, "\n") {
		if name, value, ok := strings.Cut(line, ":"); ok {
			r.Headers = append(r.Headers, [2]string{strings.TrimSpace(name), strings.TrimSpace(value)})
		}
	}
	if ct := fuzzTypes[int(ctype)%len(fuzzTypes)]; ct != "" || len(body) > 0 {
		r.HasBody, r.Body = true, body
		if ct != "" {
			r.Headers = append(r.Headers, [2]string{"Content-Type", ct})
		}
	}
	return r
}

// FuzzDifferential mutates generated requests of the differential
// document and compares the two verdicts: a disagreement outside the
// known classes fails.
func FuzzDifferential(f *testing.F) {
	d := fuzzDiffDoc(f)
	for _, r := range fuzzSeeds {
		path, query, _ := strings.Cut(strings.TrimPrefix(r.Path, d.base), "?")
		var hs []string
		var ct uint8
		for _, h := range r.Headers {
			if strings.EqualFold(h[0], "content-type") {
				for i, t := range fuzzTypes {
					if t == h[1] {
						ct = uint8(i)
					}
				}
				continue
			}
			hs = append(hs, h[0]+": "+h[1])
		}
		m := uint8(0)
		for i, x := range fuzzMethods {
			if x == r.Method {
				m = uint8(i)
			}
		}
		f.Add(m, ct, path, query, strings.Join(hs, "\n"), r.Body)
	}
	f.Fuzz(func(t *testing.T, method, ctype uint8, path, query, headers string, body []byte) {
		r := fuzzRequest(d.base, method, ctype, path, query, headers, body)
		if !validHeaders(r) {
			return // net/http would not send it; Kong would not pass it
		}
		w, k := d.warden(t, r), d.kin(r)
		if k.err == errNotTarget || w.ok == k.ok {
			return
		}
		if c := classify(d, r, w, k); c != nil {
			return
		}
		t.Errorf("%s: warden ok=%v %s; kin ok=%v %s", r, w.ok, w.reason, k.ok, k.reason)
	})
}

// validHeaders reports whether every header has a token name and a value
// of visible characters, spaces and tabs (RFC 9110 5.1, 5.5).
func validHeaders(r diffReq) bool {
	for _, h := range r.Headers {
		if h[0] == "" {
			return false
		}
		for _, c := range []byte(h[0]) {
			if c <= ' ' || c >= 0x7f || strings.IndexByte("\"(),/:;<=>?@[\\]{}", c) >= 0 {
				return false
			}
		}
		for _, c := range []byte(h[1]) {
			if (c < ' ' && c != '\t') || c == 0x7f {
				return false
			}
		}
	}
	return true
}

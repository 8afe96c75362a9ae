package validator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/warden-gw/warden/pkg/config"
	"github.com/warden-gw/warden/pkg/validator/internal/apigen"
)

// Differential testing: warden-validator's request validation against
// kin-openapi's openapi3filter (a validator we did not write), both
// reading one OpenAPI document. Every disagreement is either a bug of one
// side or a class named in diffClasses, asserted in TestDiffClasses.

// diffDoc is one document loaded by both sides.
type diffDoc struct {
	name   string
	doc    *openapi3.T
	router routers.Router
	origin string // scheme://host of the document's first server
	base   string // its path: warden's base_path
	v      *Validator
}

func loadDiffDoc(t testing.TB, name string, spec []byte) *diffDoc {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(spec)
	if err != nil {
		t.Fatalf("%s: kin-openapi load: %v", name, err)
	}
	// An array schema without items (GitHub's) admits any items; kin-openapi's
	// document check refuses it. Warden's import fills them in, here too.
	fillMissingItems(doc)
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("%s: kin-openapi validate: %v", name, err)
	}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatalf("%s: legacy router: %v", name, err)
	}
	d := &diffDoc{name: name, doc: doc, router: router}
	u, err := url.Parse(doc.Servers[0].URL)
	if err != nil {
		t.Fatal(err)
	}
	d.origin, d.base = u.Scheme+"://"+u.Host, strings.TrimSuffix(u.Path, "/")
	// As the plugin builds it: the decoded config, defaults, Validate, New.
	raw, _ := json.Marshal(map[string]any{"openapi_spec": string(spec), "base_path": d.base, "unknown_operation": UnknownMethodNotAllowed})
	cfg, err := config.Load[Config](raw)
	if err != nil {
		t.Fatalf("%s: warden config: %s", name, config.Summary(err))
	}
	d.v = mustNew(t, cfg)
	return d
}

// diffVerdict is one side's answer.
type diffVerdict struct {
	ok     bool
	reason string
	// warden: the decision; kin: the error.
	d   Decision
	err error
}

func (d *diffDoc) warden(t testing.TB, r diffReq) diffVerdict {
	h := map[string][]string{}
	for _, kv := range r.Headers {
		k := strings.ToLower(kv[0])
		h[k] = append(h[k], kv[1])
	}
	if r.HasBody {
		h["content-length"] = []string{strconv.Itoa(len(r.Body))}
	}
	dec, err := d.v.Check(&Request{Method: r.Method, PathWithQuery: r.Path, Headers: h, HTTP1: true}, bodyOf(string(r.Body)))
	if err != nil {
		t.Fatalf("warden %s: %v", r, err)
	}
	if dec.Valid() {
		return diffVerdict{ok: true, d: dec}
	}
	var parts []string
	for _, v := range dec.Violations {
		parts = append(parts, v.Location+" "+v.Code)
	}
	return diffVerdict{reason: fmt.Sprintf("%d %s", dec.Status, strings.Join(parts, "; ")), d: dec}
}

// httpRequest is r as net/http reads it, or false when net/http cannot
// (a target url.ParseRequestURI refuses).
func (d *diffDoc) httpRequest(r diffReq) (*http.Request, bool) {
	u, err := url.ParseRequestURI(r.Path)
	if err != nil || !strings.HasPrefix(r.Path, "/") {
		return nil, false
	}
	o, _ := url.Parse(d.origin)
	u.Scheme, u.Host = o.Scheme, o.Host
	req := &http.Request{Method: r.Method, URL: u, Host: o.Host, Header: http.Header{}, RequestURI: r.Path,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Body: http.NoBody}
	for _, kv := range r.Headers {
		req.Header.Add(kv[0], kv[1])
	}
	if r.HasBody {
		req.Body, req.ContentLength = ioNopCloser(r.Body), int64(len(r.Body))
	}
	return req, true
}

func (d *diffDoc) kin(r diffReq) diffVerdict {
	req, ok := d.httpRequest(r)
	if !ok {
		return diffVerdict{reason: "net/http: not a request target", err: errNotTarget}
	}
	route, params, err := d.router.FindRoute(req)
	if err != nil {
		return diffVerdict{reason: "route: " + err.Error(), err: err}
	}
	err = openapi3filter.ValidateRequest(context.Background(), &openapi3filter.RequestValidationInput{
		Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{
			// Warden checks no credentials: that is warden-auth's job.
			AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
			MultiError:         true,
			// Warden's defaults are never written into the request.
			SkipSettingDefaults: true,
		},
	})
	if err != nil {
		return diffVerdict{reason: truncate(strings.ReplaceAll(err.Error(), "\n", " | "), 300), err: err}
	}
	return diffVerdict{ok: true}
}

var errNotTarget = errors.New("not a request target")

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

func ioNopCloser(b []byte) nopCloser { return nopCloser{bytes.NewReader(b)} }

// diffUnknown is a disagreement no class explains.
type diffUnknown struct{ key, text string }

// diffTally counts a comparison.
type diffTally struct {
	compared, agree int
	byClass         map[string]int
	unknown         []diffUnknown
	bothOff         []string
}

func (d *diffDoc) compare(t testing.TB, reqs []diffReq, tally *diffTally) {
	for _, r := range reqs {
		w, k := d.warden(t, r), d.kin(r)
		tally.compared++
		if w.ok == k.ok {
			tally.agree++
			// Both wrong about what the generator meant: its bug, or a
			// shared one; listed below.
			if w.ok != (r.Mutation == mutNone) && !strings.HasPrefix(r.Mutation, "apigen:") {
				tally.bothOff = append(tally.bothOff, fmt.Sprintf("%s %s (%s %s): both ok=%v; warden %s; kin %s", d.name, r, r.Mutation, r.Target, w.ok, w.reason, k.reason))
			}
			continue
		}
		if c := classify(d, r, w, k); c != nil {
			tally.byClass[c.name]++
			continue
		}
		tally.unknown = append(tally.unknown, diffUnknown{key: fmt.Sprint(d.name, r.Mutation, r.Target, w.ok), text: fmt.Sprintf("%s %s (%s %s): warden ok=%v %s; kin ok=%v %s",
			d.name, r, r.Mutation, r.Target, w.ok, w.reason, k.ok, k.reason)})
	}
}

// diffDocs are the documents compared: the orders examples, the
// differential one, and the generated Stripe- and GitHub-shaped ones (a
// subset of their operations).
func diffDocs(t testing.TB) (docs []*diffDoc, reqs [][]diffReq) {
	for _, f := range []string{"testdata/orders-openapi-3.0.yaml", "testdata/orders-openapi-3.1.yaml", "testdata/differential-openapi-3.0.yaml"} {
		spec, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		d := loadDiffDoc(t, f, spec)
		docs, reqs = append(docs, d), append(reqs, generate(d.doc, d.base, 0))
	}
	small := apigen.Size{Resources: 12, Schemas: 24, Padding: 3}
	for _, api := range []struct {
		name string
		a    *apigen.API
	}{{"stripe", apigen.Stripe(small)}, {"github", apigen.GitHub(small)}} {
		d := loadDiffDoc(t, api.name, api.a.Doc)
		rs := generate(d.doc, d.base, 0)
		for _, c := range api.a.Cases {
			r := diffReq{Op: "apigen", Mutation: "apigen:" + c.Name, Method: c.Method, Path: c.Target, Body: c.Body, HasBody: len(c.Body) > 0}
			if c.Valid {
				r.Mutation = mutNone
			}
			if c.ContentType != "" && r.HasBody {
				r.Headers = [][2]string{{"Content-Type", c.ContentType}}
			}
			rs = append(rs, r)
		}
		docs, reqs = append(docs, d), append(reqs, rs)
	}
	return docs, reqs
}

// TestDifferential compares every generated request's verdicts.
func TestDifferential(t *testing.T) {
	docs, reqs := diffDocs(t)
	tally := &diffTally{byClass: map[string]int{}}
	for i, d := range docs {
		n, a := tally.compared, tally.agree
		d.compare(t, reqs[i], tally)
		t.Logf("%s: %d requests, %d agree", d.name, tally.compared-n, tally.agree-a)
	}
	for _, b := range tally.bothOff {
		t.Log("agreed, against the generator's intent: " + b)
	}
	var classes []string
	for c, n := range tally.byClass {
		classes = append(classes, fmt.Sprintf("%s=%d", c, n))
	}
	sort.Strings(classes)
	t.Logf("%d requests compared, %d agree, %d disagree in known classes [%s], %d unexplained",
		tally.compared, tally.agree, tally.compared-tally.agree-len(tally.unknown), strings.Join(classes, " "), len(tally.unknown))
	// One example per kind of unexplained disagreement.
	seen := map[string]int{}
	for _, u := range tally.unknown {
		if seen[u.key]++; seen[u.key] == 1 {
			t.Error(u.text)
		}
	}
}

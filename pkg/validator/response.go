package validator

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/warden-gw/warden/pkg/config"
	"github.com/warden-gw/warden/pkg/httpbody"
	"github.com/warden-gw/warden/pkg/respond"
)

// Codes of response violations besides the request ones they share.
const (
	CodeContentEncoding = "content_encoding_not_supported"
	// CodeUpgradeRefused: the request asks for a connection upgrade, whose
	// answer the gateway proxies without showing it to response checks.
	CodeUpgradeRefused = "upgrade_not_allowed"
)

// jsonRanges are the content types of a documented response with a body
// schema and no content types.
var jsonRanges = []string{"application/json", "application/*+json"}

// responseSpec is a compiled Response.
type responseSpec struct {
	ctypes []mediaRange // nil: the body is not checked
	bodies []typedSchema
	body   *Schema
}

// ResponseRules are the documented responses of the operation a request
// matched.
type ResponseRules struct {
	v      *Validator
	op     *operation
	noBody bool // a HEAD request: no response has content
}

// compileResponses compiles an operation's documented responses, keyed
// "200", "2XX" or "default".
func compileResponses(rs []Response, d Draft, at string) (map[string]*responseSpec, error) {
	if len(rs) == 0 {
		return nil, nil
	}
	var errs config.Errors
	out := make(map[string]*responseSpec, len(rs))
	for i, r := range rs {
		rat := fmt.Sprintf("%s.responses[%d]", at, i)
		key, ok := statusKey(r.Status)
		if !ok {
			errs.Add(rat+".status", "must be a status code (200), a class (2XX) or default")
			continue
		}
		if _, dup := out[key]; dup {
			errs.Add(rat+".status", "duplicate response %s", r.Status)
			continue
		}
		spec := &responseSpec{}
		ctypes := r.ContentTypes
		if len(ctypes) == 0 && r.BodySchema != "" {
			ctypes = jsonRanges
		}
		for j, ct := range ctypes {
			mr, err := parseMediaRange(ct)
			if err != nil {
				errs.Add(fmt.Sprintf("%s.content_types[%d]", rat, j), "%v", err)
			}
			spec.ctypes = append(spec.ctypes, mr)
		}
		if r.BodySchema != "" {
			s, err := CompileSchema([]byte(r.BodySchema), d)
			if err != nil {
				errs.Add(rat+".body_schema", "%v", err)
			}
			spec.body = s
		}
		var err error
		if spec.bodies, err = compileTypedSchemas(r.bodySchemas, rat+".content"); err != nil {
			errs.Check("", err)
		}
		out[key] = spec
	}
	return out, errs.Err()
}

// statusKey canonicalizes a documented status: "200", "2XX", "default".
func statusKey(s string) (string, bool) {
	if strings.EqualFold(s, "default") {
		return "default", true
	}
	if len(s) != 3 || s[0] < '1' || s[0] > '5' {
		return "", false
	}
	if rest := strings.ToUpper(s[1:]); rest == "XX" {
		return s[:1] + "XX", true
	}
	if n, err := strconv.Atoi(s); err != nil || n < 100 {
		return "", false
	}
	return s, true
}

// ValidatesResponses reports whether response validation is on: when it
// is off the response phase reads nothing.
func (v *Validator) ValidatesResponses() bool { return v.respEnabled }

// ResponseLogOnly reports whether invalid responses are only audited.
func (v *Validator) ResponseLogOnly() bool { return v.respMode == ModeLogOnly }

// Responses finds the documented responses of a request's operation: nil
// when response validation is off, or the request matches no operation or
// one that documents no response. Method and target are the client's, as
// for Check.
func (v *Validator) Responses(method, pathWithQuery string) *ResponseRules {
	if !v.respEnabled {
		return nil
	}
	rawPath, _, _ := strings.Cut(pathWithQuery, "?")
	rel, ok := v.relative(normalizePath(rawPath))
	if !ok {
		return nil
	}
	routes := v.routes.Load()
	if routes == nil {
		return nil // no request passed Check yet
	}
	op, _, _ := routes.find(method, rel)
	return v.rules(op, method)
}

// ResponsesOf is Responses for the request a valid Decision of Check was
// made on, without matching its operation again.
func (v *Validator) ResponsesOf(d Decision, method string) *ResponseRules {
	if !v.respEnabled {
		return nil
	}
	return v.rules(d.op, method)
}

func (v *Validator) rules(op *operation, method string) *ResponseRules {
	if op == nil || len(op.responses) == 0 {
		return nil
	}
	return &ResponseRules{v: v, op: op, noBody: method == http.MethodHead}
}

// Unverifiable is the decision for a request whose response would escape
// validation (a connection upgrade, which the gateway proxies without
// buffering): 400 in block mode.
func (r *ResponseRules) Unverifiable() Decision {
	return r.v.finish(http.StatusBadRequest, []Violation{{Location: "header/upgrade", Code: CodeUpgradeRefused,
		Message: "is not allowed on an operation whose responses are validated"}}, nil, r.op.method+" "+r.op.template)
}

// For returns the documented response for status, nil when the status is
// undocumented or its response has nothing to check.
func (r *ResponseRules) For(status int) *ResponseSpec {
	code := strconv.Itoa(status)
	spec := r.op.responses[code]
	if spec == nil && len(code) == 3 {
		spec = r.op.responses[code[:1]+"XX"]
	}
	if spec == nil {
		spec = r.op.responses["default"]
	}
	// 204 and 304 never have content (RFC 9110 15.3.5, 15.4.5), nor
	// does the answer to HEAD.
	if spec == nil || spec.ctypes == nil || r.noBody || status == http.StatusNoContent || status == http.StatusNotModified {
		return nil
	}
	return &ResponseSpec{rules: r, spec: spec, status: status}
}

// ResponseSpec is the documented response an upstream response is checked
// against.
type ResponseSpec struct {
	rules  *ResponseRules
	spec   *responseSpec
	status int
}

// Check validates an upstream response: its headers (names lower-cased;
// kong.response.get_headers in the response phase) and, only when the
// headers leave something to check, its raw body, read once. An error
// means the body could not be read.
func (s *ResponseSpec) Check(headers map[string][]string, body func() ([]byte, error)) (Decision, error) {
	v := s.rules.v
	opName := s.rules.op.method + " " + s.rules.op.template
	fail := func(vs ...Violation) (Decision, error) {
		return v.finish(http.StatusBadGateway, vs, nil, opName), nil
	}
	tooLarge := Violation{Location: "response/body", Code: CodeBodyTooLarge, Message: fmt.Sprintf("must be at most %d bytes", v.respLimits.MaxBytes)}
	_, size, bad := v.bodySize(headers)
	switch {
	case bad != nil:
		bad.Location = "response/" + bad.Location
		return fail(*bad)
	case size == 0:
		return fail(Violation{Location: "response/body", Code: CodeBodyRequired, Message: "is required for this status"})
	}
	mt, bad := contentType(headers, s.spec.ctypes)
	if bad != nil {
		bad.Location = "response/" + bad.Location
		if bad.Code == CodeContentTypeMissing {
			bad.Message = "is required for this status"
		}
		return fail(*bad)
	}
	schema := schemaFor(s.spec.bodies, s.spec.body, mt)
	if schema == nil || !mt.isJSON() {
		return Decision{Operation: opName}, nil
	}
	enc := strings.Join(headers["content-encoding"], ",")
	if !httpbody.Decodable(enc) {
		return fail(Violation{Location: "response/header/content-encoding", Code: CodeContentEncoding, Message: "is not gzip, deflate or identity, so the body cannot be checked"})
	}
	if size > int64(v.respLimits.MaxBytes) {
		return fail(tooLarge) // without moving the body over the socket
	}
	raw, err := body()
	if err != nil {
		return Decision{}, err
	}
	if len(raw) > v.respLimits.MaxBytes {
		return fail(tooLarge)
	}
	b, err := httpbody.Decode(raw, enc, v.respLimits.MaxBytes)
	switch {
	case errors.Is(err, httpbody.ErrDecodedTooLarge):
		return fail(tooLarge)
	case err != nil:
		return fail(Violation{Location: "response/body", Code: CodeMalformed, Message: "does not decode as its Content-Encoding says"})
	case len(b) == 0:
		return fail(Violation{Location: "response/body", Code: CodeBodyRequired, Message: "is required for this status"})
	}
	doc, err := v.respScan.Decode(b)
	if err != nil {
		var te *ThreatError
		errors.As(err, &te)
		tv := threatViolation(te)
		tv.Location = "response/body"
		return fail(tv)
	}
	if vs := schema.validate(doc, "response/body"); len(vs) > 0 {
		return fail(vs...)
	}
	return Decision{Operation: opName}, nil
}

// responseLimits bound the work on an upstream body: its size, depth and
// number of values as configured, and no limit on per-container counts
// and lengths, which only request bodies need (a list endpoint may answer
// thousands of items).
func responseLimits(c *Config) Limits {
	return Limits{
		MaxBytes: c.ResponseValidation.MaxBodyBytes, MaxDepth: c.JSONLimits.MaxDepth, MaxValues: c.ResponseValidation.MaxValues,
		MaxArrayLength: 1 << 30, MaxObjectEntries: 1 << 30, MaxKeyLength: 1 << 30,
		MaxStringLength: 1 << 30, MaxNumberLength: 1000, AllowDuplicateKeys: true,
	}
}

// ResponseProblem is the answer that replaces a blocked response: it says
// the upstream answer was invalid and lists nothing, since violations
// describe the upstream's data. They go to the audit event.
func ResponseProblem() respond.Response {
	return respond.ProblemJSON(respond.Problem{Status: http.StatusBadGateway, Detail: "The upstream response failed validation"})
}

package validator

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/warden-gw/warden/pkg/jsonscan"
	"github.com/warden-gw/warden/pkg/respond"
	"github.com/warden-gw/warden/pkg/uri"
)

// ErrBodyTooLarge is what a BodyReader returns for a body over its limit.
var ErrBodyTooLarge = errors.New("request body too large")

// BodyReader reads the request body, returning ErrBodyTooLarge for one
// over max bytes. The plugin passes Kong's body reader.
type BodyReader func(max int64) ([]byte, error)

// Request is what validation reads from a request.
type Request struct {
	// Method is the HTTP method.
	Method string
	// PathWithQuery is the raw request target, as Kong's
	// kong.request.get_path_with_query returns it.
	PathWithQuery string
	// Headers are the request headers, names lower-cased.
	Headers map[string][]string
	// HTTP1 says the request came over HTTP/1.x, where a request with
	// neither Content-Length nor Transfer-Encoding has no body (RFC 9112
	// 6.3); over HTTP/2 and HTTP/3 it may have one, read to know.
	HTTP1 bool
}

// Decision is the outcome of validating one request.
type Decision struct {
	// Status is 0 when the request is valid, else the status to answer.
	Status int
	// Reason is the code of the first violation: the audit reason.
	Reason string
	// Violations lists what is wrong, sorted, at most MaxErrors.
	Violations []Violation
	// Total counts all violations found, listed or not.
	Total int
	// Allow lists the methods of a known path, for a 405.
	Allow []string
	// RetryAfter, in seconds, is for a 503 answered while the OpenAPI
	// document is still being compiled.
	RetryAfter int
	// Operation is "METHOD /template" of the matched operation.
	Operation string

	op *operation // the matched operation, for ResponsesOf
}

// Valid reports whether the request passed.
func (d Decision) Valid() bool { return d.Status == 0 }

// Validator is a compiled Config, safe for concurrent use.
type Validator struct {
	mode          string
	failureStatus int
	unknown       string
	maxErrors     int
	maxBody       int64
	basePath      string
	scan          jsonscan.Scanner // the limits of request bodies
	ctypes        []mediaRange
	routes        atomic.Pointer[router] // nil while the document is imported
	pending       *importedDoc           // the import routes waits for
	pendingCfg    *Config
	pendingOnce   sync.Once
	pendingErr    error
	guard         *guard
	respEnabled   bool
	respMode      string
	respLimits    Limits
	respScan      jsonscan.Scanner // respLimits
}

// New compiles cfg (defaulted and validated).
func New(cfg *Config) (*Validator, error) {
	ops, err := cfg.operations()
	var still *stillImporting
	if err != nil && !errors.As(err, &still) {
		return nil, err
	}
	v := &Validator{
		mode: cfg.Mode, failureStatus: cfg.FailureStatus, unknown: cfg.UnknownOperation,
		maxErrors: cfg.MaxErrors, maxBody: int64(cfg.MaxBodyBytes),
		basePath:    strings.TrimSuffix(cfg.BasePath, "/"),
		respEnabled: cfg.ResponseValidation.Enabled, respMode: cfg.ResponseValidation.Mode, respLimits: responseLimits(cfg),
	}
	limits := cfg.limits()
	v.scan, v.respScan = limits.scanner(), v.respLimits.scanner()
	if still != nil {
		v.pending, v.pendingCfg = still.doc, cfg
	} else {
		v.routes.Store(newRouter(ops))
	}
	for _, ct := range cfg.AllowedContentTypes {
		r, err := parseMediaRange(ct)
		if err != nil {
			return nil, fmt.Errorf("allowed_content_types: %w", err)
		}
		v.ctypes = append(v.ctypes, r)
	}
	if cfg.InjectionGuard.Enabled {
		v.guard = newGuard(cfg.InjectionGuard.Locations)
	}
	return v, nil
}

// LogOnly reports whether violations are only to be recorded.
func (v *Validator) LogOnly() bool { return v.mode == ModeLogOnly }

// Check validates a request. The body is read, once, only when the request
// may have one (Content-Length above 0, a Transfer-Encoding, or neither
// header on a method other than GET and HEAD) and passed the checks that
// come before reading it. An error means the body could not
// be read: the caller fails closed.
func (v *Validator) Check(r *Request, body BodyReader) (Decision, error) {
	// What nginx would have refused, or an upstream reads as another
	// operation than the one matched here.
	switch {
	case !uri.ValidMethod(r.Method):
		return v.finish(http.StatusBadRequest, []Violation{{Location: "method", Code: CodeMalformed, Message: "is not an upper-case HTTP method"}}, nil, ""), nil
	case uri.HasFragment(r.PathWithQuery):
		return v.finish(http.StatusBadRequest, []Violation{{Location: "path", Code: CodeMalformed, Message: "holds a raw #, where upstreams end the target"}}, nil, ""), nil
	}
	rawPath, rawQuery, _ := strings.Cut(r.PathWithQuery, "?")
	path := normalizePath(rawPath)
	var d Decision
	routes, err := v.router(requestImportWait)
	if errors.Is(err, ErrCompiling) {
		d := v.finish(http.StatusServiceUnavailable, []Violation{{Location: "config", Code: CodeCompiling, Message: "the API description is still being compiled: retry"}}, nil, "")
		d.RetryAfter = max(1, int(requestImportWait/time.Second))
		return d, nil
	}
	if err != nil {
		return d, err
	}

	// Operation.
	var op *operation
	var pathParams map[string]string
	if rel, ok := v.relative(path); ok && len(routes.ops) > 0 {
		var allow []string
		op, pathParams, allow = routes.find(r.Method, rel)
		if op == nil {
			switch {
			case v.unknown == UnknownMethodNotAllowed && len(allow) > 0:
				return v.finish(http.StatusMethodNotAllowed, []Violation{{Location: "method", Code: CodeMethodNotAllowed, Message: "is not allowed for this path"}}, allow, ""), nil
			case v.unknown != UnknownAllow:
				return v.finish(http.StatusNotFound, []Violation{{Location: "path", Code: CodeUnknownOperation, Message: "matches no operation"}}, nil, ""), nil
			}
		}
	} else if len(routes.ops) > 0 && v.unknown != UnknownAllow {
		return v.finish(http.StatusNotFound, []Violation{{Location: "path", Code: CodeUnknownOperation, Message: "matches no operation"}}, nil, ""), nil
	}
	if op != nil {
		d.Operation, d.op = op.method+" "+op.template, op
	}

	// Size, before reading anything.
	hasBody, size, bad := v.bodySize(r.Headers)
	if bad != nil {
		return v.finish(http.StatusBadRequest, []Violation{*bad}, nil, d.Operation), nil
	}
	if size > v.maxBody {
		return v.finish(http.StatusRequestEntityTooLarge, []Violation{{Location: "body", Code: CodeBodyTooLarge, Message: fmt.Sprintf("must be at most %d bytes", v.maxBody)}}, nil, d.Operation), nil
	}

	// A request with neither header may still have a body: HTTP/2 and
	// HTTP/3 need neither (RFC 9113 8.1.1), and nginx proxies that body
	// upstream. Read it (one call) to know, except over HTTP/1.x, where
	// there is none (RFC 9112 6.3), and for GET and HEAD, whose content
	// has no defined meaning (RFC 9110 9.3.1, 9.3.2).
	var early []byte
	if !hasBody && size < 0 && !r.HTTP1 && r.Method != http.MethodGet && r.Method != http.MethodHead {
		b, err := body(v.maxBody)
		if errors.Is(err, ErrBodyTooLarge) {
			return v.finish(http.StatusRequestEntityTooLarge, []Violation{{Location: "body", Code: CodeBodyTooLarge, Message: fmt.Sprintf("must be at most %d bytes", v.maxBody)}}, nil, d.Operation), nil
		}
		if err != nil {
			return d, err
		}
		if len(b) > 0 {
			hasBody, early = true, b
		}
	}

	// Parameters.
	var vs []Violation
	q, ok := parseQuery(rawQuery)
	if !ok {
		vs = append(vs, Violation{Location: "query", Code: CodeMalformed, Message: "is not a valid query string"})
	}
	if op != nil {
		rp := &requestParams{query: q, headers: r.Headers, path: pathParams}
		for _, p := range op.params {
			vs = append(vs, p.check(rp)...)
		}
	}

	// Body.
	var doc any
	var isJSON bool
	switch {
	case hasBody:
		ctypes := v.ctypes
		if op != nil {
			ctypes = op.ctypes
		}
		mt, bad := contentType(r.Headers, ctypes)
		if bad != nil {
			return v.finish(http.StatusUnsupportedMediaType, []Violation{*bad}, nil, d.Operation), nil
		}
		b, err := early, error(nil)
		if b == nil {
			b, err = body(v.maxBody)
		}
		if errors.Is(err, ErrBodyTooLarge) {
			return v.finish(http.StatusRequestEntityTooLarge, []Violation{{Location: "body", Code: CodeBodyTooLarge, Message: fmt.Sprintf("must be at most %d bytes", v.maxBody)}}, nil, d.Operation), nil
		}
		if err != nil {
			return d, err
		}
		if len(b) == 0 {
			if op != nil && op.bodyRequired {
				vs = append(vs, Violation{Location: "body", Code: CodeBodyRequired, Message: "is required"})
			}
			break
		}
		if isJSON = mt.isJSON(); isJSON {
			if doc, err = v.scan.Decode(b); err != nil {
				var te *ThreatError
				errors.As(err, &te)
				return v.finish(http.StatusBadRequest, []Violation{threatViolation(te)}, nil, d.Operation), nil
			}
			if op != nil {
				if sch := schemaFor(op.bodies, op.body, mt); sch != nil {
					vs = append(vs, sch.validate(doc, "body")...)
				}
			}
		} else if ts := opForm(op, mt); ts != nil {
			// A form body: its fields decoded as the operation's
			// encoding says, then validated as the object they make.
			vs = append(vs, ts.checkForm(b, mt, r.Headers["content-type"][0])...)
		}
	case op != nil && op.bodyRequired:
		vs = append(vs, Violation{Location: "body", Code: CodeBodyRequired, Message: "is required"})
	}

	// Injection guard, last: schemas catch most of it more precisely.
	if v.guard != nil {
		vs = append(vs, v.guard.check(q, r.Headers, pathParams, doc, isJSON)...)
	}
	if len(vs) == 0 {
		return d, nil
	}
	return v.finish(v.failureStatus, vs, nil, d.Operation), nil
}

// requestImportWait bounds how long a request waits for an OpenAPI
// document still being imported: it is then answered 503 with
// Retry-After, and the import goes on (never a second one). A variable
// for tests.
var requestImportWait = 5 * time.Second

// router returns the operations' router, waiting at most wait for an
// import in flight (ErrCompiling when it is still running). An import
// that failed after the instance started is the instance's config error,
// returned to every request: the plugin fails closed.
func (v *Validator) router(wait time.Duration) (*router, error) {
	if r := v.routes.Load(); r != nil {
		return r, nil
	}
	if !v.pending.wait(wait) {
		return nil, ErrCompiling
	}
	v.pendingOnce.Do(func() {
		ops, err := v.pendingCfg.operationsFrom(v.pending)
		if err != nil {
			v.pendingErr = fmt.Errorf("the OpenAPI document, compiled after the instance started, is refused: %w", err)
			return
		}
		v.routes.Store(newRouter(ops))
	})
	if r := v.routes.Load(); r != nil {
		return r, nil
	}
	return nil, v.pendingErr
}

// opForm returns the form schema for a body of type mt, or nil.
func opForm(op *operation, mt mediaType) *typedSchema {
	if op == nil {
		return nil
	}
	if ts := typedFor(op.bodies, mt); ts != nil && ts.form != nil {
		return ts
	}
	return nil
}

// relative strips the base path.
func (v *Validator) relative(path string) (string, bool) {
	if v.basePath == "" {
		return path, true
	}
	// In any case, as operations match (router.find).
	n := len(v.basePath)
	if len(path) < n || !strings.EqualFold(path[:n], v.basePath) {
		return "", false
	}
	rest := path[n:]
	if rest != "" && rest[0] != '/' {
		return "", false
	}
	if rest == "" {
		rest = "/"
	}
	return rest, true
}

// bodySize reads Content-Length and Transfer-Encoding. Several differing
// or non-numeric Content-Length values are refused (RFC 9112 6.3).
func (v *Validator) bodySize(h map[string][]string) (hasBody bool, size int64, bad *Violation) {
	cl := h["content-length"]
	size = -1
	for _, line := range cl {
		for _, s := range strings.Split(line, ",") {
			s = strings.TrimSpace(s)
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n < 0 || s[0] == '+' || (size >= 0 && n != size) {
				return false, 0, &Violation{Location: "header/content-length", Code: CodeBadContentLength, Message: "must be one non-negative integer"}
			}
			size = n
		}
	}
	return size > 0 || len(h["transfer-encoding"]) > 0, size, nil
}

// contentType checks the body's Content-Type against the allow-list.
func contentType(h map[string][]string, allowed []mediaRange) (mediaType, *Violation) {
	ct := h["content-type"]
	if len(ct) == 0 || strings.TrimSpace(ct[0]) == "" {
		return mediaType{}, &Violation{Location: "header/content-type", Code: CodeContentTypeMissing, Message: "is required for a request body"}
	}
	refused := &Violation{Location: "header/content-type", Code: CodeContentTypeRefused, Message: "is not an allowed media type"}
	if len(ct) > 1 {
		return mediaType{}, refused
	}
	mt, ok := parseContentType(ct[0])
	if !ok || (mt.isJSON() && !mt.jsonCharsetOK()) {
		return mediaType{}, refused
	}
	for _, r := range allowed {
		if r.matches(mt) {
			return mt, nil
		}
	}
	return mediaType{}, refused
}

func threatViolation(te *ThreatError) Violation {
	if te == nil {
		return Violation{Location: "body", Code: CodeJSONSyntax, Message: "is not valid JSON"}
	}
	msg := map[string]string{
		CodeJSONSyntax:         "is not valid JSON",
		CodeJSONTooLarge:       "is too large",
		CodeJSONTooDeep:        "is nested too deeply",
		CodeJSONArrayTooLong:   "has an array with too many elements",
		CodeJSONTooManyEntries: "has an object with too many members",
		CodeJSONKeyTooLong:     "has a member name that is too long",
		CodeJSONStringTooLong:  "has a string that is too long",
		CodeJSONNumberTooLong:  "has a number that is too long or too large",
		CodeJSONDuplicateKey:   "has an object naming a member twice",
		CodeJSONInvalidUTF8:    "is not valid UTF-8",
		CodeJSONTooManyValues:  "has too many values",
	}[te.Code]
	if te.Limit > 0 {
		msg += fmt.Sprintf(" (limit %d)", te.Limit)
	}
	return Violation{Location: "body", Code: te.Code, Message: fmt.Sprintf("%s at byte %d", msg, te.Offset)}
}

// finish sorts and caps violations into a decision.
func (v *Validator) finish(status int, vs []Violation, allow []string, opName string) Decision {
	sortViolations(vs)
	d := Decision{Status: status, Reason: vs[0].Code, Total: len(vs), Allow: allow, Operation: opName}
	if len(vs) > v.maxErrors {
		vs = vs[:v.maxErrors]
	}
	d.Violations = vs
	return d
}

// Response is the application/problem+json answer for a failed decision.
func (d Decision) Response() respond.Response {
	detail := fmt.Sprintf("The request failed validation with %d violation(s)", d.Total)
	if d.Total > len(d.Violations) {
		detail += fmt.Sprintf("; the first %d are listed", len(d.Violations))
	}
	var headers []string
	if len(d.Allow) > 0 {
		headers = []string{"Allow", strings.Join(d.Allow, ", ")}
	}
	if d.RetryAfter > 0 {
		headers = append(headers, "Retry-After", strconv.Itoa(d.RetryAfter))
	}
	return respond.ProblemJSON(respond.Problem{Status: d.Status, Detail: detail, Errors: d.Violations}, headers...)
}

package leakguard

import (
	"bytes"
	"cmp"
	"crypto/rand"
	"errors"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/warden-gw/warden/pkg/config"
	"github.com/warden-gw/warden/pkg/httpbody"
	"github.com/warden-gw/warden/pkg/jsonscan"
	"github.com/warden-gw/warden/pkg/uri"
)

// Audit reason codes.
const (
	ReasonBlocked           = "secret_blocked"
	ReasonRedacted          = "secret_redacted"
	ReasonDetected          = "secret_detected"
	ReasonUnscannablePassed = "body_unscanned"
	ReasonUnscannableBlock  = "body_unscannable_blocked"
	ReasonDecodeLimit       = "decompression_limit"
)

// Why a body was not scanned.
const (
	UnscannedTooLarge = "too_large"
	UnscannedEncoding = "content_encoding"
	// UnscannedUpgrade: the request asks for a connection upgrade, whose
	// answer the gateway proxies without showing it to response scanning.
	UnscannedUpgrade = "connection_upgrade"
	// UnscannedContentType: a textual body whose type is outside
	// content_types. It is audited; unscannable_action does not apply,
	// since content_types is the operator's own choice.
	UnscannedContentType = "content_type"
)

// maxAudited bounds the findings a Decision carries; Total keeps the count.
const maxAudited = 20

// Guard is a compiled configuration: the scanner plus the policy around
// it. It is immutable and safe for concurrent use.
type Guard struct {
	scanner     *Scanner
	req         RequestConfig
	resp        ResponseConfig
	reqMin      Confidence
	respMin     Confidence
	types       typeMatcher
	allowRoutes []compiledRoute
	// reqCapped: rules whose findings in requests have a lower
	// confidence (Rule.requestConfidence).
	reqCapped   map[string]Confidence
	maxScan     int
	unscannable string
	allowPaths  []*regexp.Regexp
	fpKey       []byte
	reqSkipHdr  map[string]bool
	respSkipHdr map[string]bool
	skipQuery   map[string]bool
	// RandomKey reports that no fingerprint_key was configured.
	RandomKey bool
}

// New compiles cfg (already defaulted and validated): builtin and
// gitleaks rules, allow-lists, the keyword automaton. Errors name the
// config field and, for rules, the rule id.
func New(cfg *Config) (*Guard, error) {
	var errs config.Errors
	var rules []Rule
	if cfg.BuiltinRules {
		rules = BuiltinRules()
	}
	var allow []Allowlist
	disabled := map[string]bool{}
	for _, id := range cfg.AllowRules {
		disabled[id] = true
	}
	doc, field := cfg.RulesTOML, "rules_toml"
	if cfg.RulesFile != "" {
		field = "rules_file"
		b, err := os.ReadFile(cfg.RulesFile)
		if err != nil {
			errs.Add(field, "reading rules: %v", err)
		}
		doc = string(b)
	}
	if doc != "" {
		gl, err := ParseGitleaks(doc)
		if err != nil {
			errs.Check(field, stripSentinel(err))
		}
		for _, id := range gl.Disabled {
			disabled[id] = true
		}
		rules = append(rules, gl.Rules...)
		allow = append(allow, gl.Allow...)
	}
	if len(cfg.AllowValues) > 0 {
		allow = append(allow, Allowlist{Description: "allow_values", Regexes: cfg.AllowValues})
	}
	kept := rules[:0]
	for _, r := range rules {
		if !disabled[r.ID] {
			kept = append(kept, r)
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	sc, err := NewScanner(kept, ScannerOptions{Allow: allow})
	if err != nil {
		return nil, config.Errorf(field, "%v", err)
	}
	g := &Guard{
		scanner: sc, req: cfg.Request, resp: cfg.Response,
		types: typeMatcher(cfg.ContentTypes), maxScan: cfg.MaxScanBytes, unscannable: cfg.UnscannableAction,
		reqSkipHdr: set(cfg.Request.SkipHeaders), respSkipHdr: set(cfg.Response.SkipHeaders),
		skipQuery: set(cfg.Request.SkipQueryParams),
	}
	for _, r := range kept {
		if r.requestConfidence != 0 {
			if g.reqCapped == nil {
				g.reqCapped = map[string]Confidence{}
			}
			g.reqCapped[r.ID] = r.requestConfidence
		}
	}
	g.reqMin, _ = ParseConfidence(cfg.Request.ActMinConfidence)
	g.respMin, _ = ParseConfidence(cfg.Response.ActMinConfidence)
	if g.allowPaths, err = compileAll(cfg.AllowPaths); err != nil {
		return nil, config.Errorf("allow_paths", "%v", err)
	}
	if g.allowRoutes, err = compileRoutes(cfg.AllowRoutes, sc.Rules()); err != nil {
		return nil, err
	}
	g.fpKey = []byte(cfg.FingerprintKey)
	if len(g.fpKey) == 0 {
		g.fpKey = make([]byte, 32)
		_, _ = rand.Read(g.fpKey)
		g.RandomKey = true
	}
	return g, nil
}

// stripSentinel keeps the field errors of a joined ErrRulesFile error.
func stripSentinel(err error) error {
	var out []error
	for _, e := range config.Flatten(err) {
		if e != ErrRulesFile {
			out = append(out, e)
		}
	}
	if len(out) == 0 {
		return err
	}
	return errors.Join(out...)
}

func set(names []string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[strings.ToLower(n)] = true
	}
	return m
}

// Scanner returns the guard's scanner.
func (g *Guard) Scanner() *Scanner { return g.scanner }

// ScansRequests reports whether the request direction is enabled.
func (g *Guard) ScansRequests() bool { return g.req.Enabled }

// ScansRequestBody reports whether request bodies are scanned.
func (g *Guard) ScansRequestBody() bool { return g.req.Enabled && g.req.Body }

// ScansResponses reports whether the response direction is enabled.
func (g *Guard) ScansResponses() bool { return g.resp.Enabled }

// ScansResponseBody reports whether response bodies are scanned.
func (g *Guard) ScansResponseBody() bool { return g.resp.Enabled && g.resp.Body }

// PathAllowed reports whether requests to path are exempt from scanning.
func (g *Guard) PathAllowed(path string) bool { return matchAny(g.allowPaths, path) }

// NeedsPathForResponse reports whether the response phase needs the
// request path (for path allow-lists or path-scoped rules): one more PDK
// call, made only then.
func (g *Guard) NeedsPathForResponse() bool {
	if len(g.allowPaths) > 0 || len(g.allowRoutes) > 0 || anyPaths(g.scanner.global) {
		return true
	}
	for _, r := range g.scanner.rules {
		if len(r.paths) > 0 || anyPaths(r.allow) {
			return true
		}
	}
	return false
}

// anyPaths reports whether an allowlist matches on the request path.
func anyPaths(as []compiledAllowlist) bool {
	for _, a := range as {
		if len(a.paths) > 0 {
			return true
		}
	}
	return false
}

// Decision is the verdict for one direction of one request.
type Decision struct {
	// Action is "" when nothing was found, else ActionBlock,
	// ActionRedact or ActionLogOnly.
	Action string
	// Reason is the audit reason code ("" when clean).
	Reason string
	// Findings, at most maxAudited; Total counts them all.
	Findings []Finding
	Total    int
	// Counts counts every finding (not only the audited ones) by rule and
	// the action it got, for metrics; sorted by rule, then action.
	Counts []RuleCount
	// Unscanned says why a body was not scanned ("" if it was, or was
	// out of scope by content type).
	Unscanned string

	// Redaction results. Headers maps header names to their new values;
	// Query is the new raw query when QueryChanged; Body the new body
	// when BodyChanged (decoded: clear Content-Encoding when BodyDecoded).
	Headers      map[string][]string
	Query        string
	QueryChanged bool
	Body         []byte
	BodyChanged  bool
	BodyDecoded  bool

	counts map[countKey]int
}

// RuleCount is how many findings of one rule got one action.
type RuleCount struct {
	Rule string
	// Action is ActionBlock or ActionRedact for findings the direction's
	// action applied to, else ActionLogOnly.
	Action string
	N      int
}

type countKey struct {
	rule  string
	acted bool
}

func (d *Decision) add(f Finding) {
	d.Total++
	if d.counts == nil {
		d.counts = map[countKey]int{}
	}
	d.counts[countKey{f.Rule, f.Acted}]++
	if len(d.Findings) < maxAudited {
		d.Findings = append(d.Findings, f)
	}
}

// secretOf is the secret of the i-th match: its bytes in data, or the
// decoded secret of a base64-wrapped one.
func secretOf(data []byte, m Match, decoded [][]byte, i int) []byte {
	if i < len(decoded) && decoded[i] != nil {
		return decoded[i]
	}
	return data[m.Start:m.End]
}

// decisionState is what a partial scan may have added to a decision.
type decisionState struct {
	findings []Finding
	total    int
	counts   map[countKey]int
}

func (d *Decision) snapshot() decisionState {
	st := decisionState{findings: d.Findings, total: d.Total}
	if d.counts != nil {
		st.counts = make(map[countKey]int, len(d.counts))
		for k, v := range d.counts {
			st.counts[k] = v
		}
	}
	return st
}

func (d *Decision) restore(st decisionState) {
	d.Findings, d.Total, d.counts = st.findings[:len(st.findings):len(st.findings)], st.total, st.counts
}

// Request is what the access phase read.
type Request struct {
	Path     string
	RawQuery string
	// Headers with lower-case names.
	Headers map[string][]string
	Body    []byte
	// BodyTooLarge is set when the body was not read because it exceeds
	// MaxScanBytes.
	BodyTooLarge bool
	// BodyUndecodable is set when the body was not read because its
	// Content-Encoding cannot be decoded (PlanUndecodable).
	BodyUndecodable bool
}

// Response is what the response phase read.
type Response struct {
	Path string
	// Headers with any-case names.
	Headers map[string][]string
	Body    []byte
	// BodyTooLarge is set when the body was not read because its
	// Content-Length exceeds MaxScanBytes.
	BodyTooLarge bool
	// BodyUndecodable is set when the body was not read because its
	// Content-Encoding cannot be decoded (PlanUndecodable).
	BodyUndecodable bool
}

// MaxScanBytes returns the body size limit.
func (g *Guard) MaxScanBytes() int { return g.maxScan }

// direction is the per-direction policy used by the shared scanning code.
type direction struct {
	action   string
	min      Confidence
	skipHdr  map[string]bool
	hdrLoc   string
	bodyLoc  string
	scanHdrs bool
	scanBody bool
	// routes are the allow_routes matching this response's path.
	routes []compiledRoute
	// capped lowers the confidence of some rules in this direction (see
	// Rule.requestConfidence).
	capped map[string]Confidence
}

// cap applies the direction's confidence caps to ms, in place.
func (d direction) cap(ms []Match) []Match {
	if len(d.capped) == 0 {
		return ms
	}
	for i, m := range ms {
		if c, ok := d.capped[m.Rule]; ok && m.Confidence > c {
			ms[i].Confidence = c
		}
	}
	return ms
}

func (d direction) acts(c Confidence) bool { return c >= d.min }

func (d direction) redacting(c Confidence) bool { return d.action == ActionRedact && d.acts(c) }

// InspectRequest scans a request.
func (g *Guard) InspectRequest(r Request) Decision {
	var d Decision
	if !g.req.Enabled || g.PathAllowed(r.Path) {
		return d
	}
	dir := direction{action: g.req.Action, min: g.reqMin, skipHdr: g.reqSkipHdr,
		hdrLoc: LocRequestHeader, bodyLoc: LocRequestBody, scanHdrs: g.req.Headers, scanBody: g.req.Body,
		capped: g.reqCapped}
	if g.req.Query && r.RawQuery != "" {
		q, changed := g.scanPairs(&d, dir, LocRequestQuery, r.RawQuery, g.skipQuery, r.Path)
		d.Query, d.QueryChanged = q, changed
	}
	g.scanHeaders(&d, dir, r.Headers, r.Path)
	if dir.scanBody {
		switch {
		case r.BodyTooLarge:
			g.unscanned(&d, UnscannedTooLarge)
		case r.BodyUndecodable:
			g.unscanned(&d, UnscannedEncoding)
		default:
			g.scanBody(&d, dir, r.Headers, r.Body, r.Path)
		}
	}
	g.finish(&d, dir)
	return d
}

// InspectResponse scans an upstream response.
func (g *Guard) InspectResponse(r Response) Decision {
	var d Decision
	if !g.resp.Enabled || g.PathAllowed(r.Path) {
		return d
	}
	dir := direction{action: g.resp.Action, min: g.respMin, skipHdr: g.respSkipHdr,
		hdrLoc: LocResponseHeader, bodyLoc: LocResponseBody, scanHdrs: g.resp.Headers, scanBody: g.resp.Body,
		routes: g.routesFor(r.Path)}
	g.scanHeaders(&d, dir, r.Headers, r.Path)
	if dir.scanBody {
		switch {
		case r.BodyTooLarge:
			g.unscanned(&d, UnscannedTooLarge)
		case r.BodyUndecodable:
			g.unscanned(&d, UnscannedEncoding)
		default:
			g.scanBody(&d, dir, r.Headers, r.Body, r.Path)
		}
	}
	g.finish(&d, dir)
	return d
}

// InspectUpgrade decides, before proxying, on a request whose response
// will not be seen (a connection upgrade): with response scanning on and
// the path not allowed, it is unscannable, so unscannable_action applies.
func (g *Guard) InspectUpgrade(path string) Decision {
	var d Decision
	if !g.resp.Enabled || g.PathAllowed(path) {
		return d
	}
	g.unscanned(&d, UnscannedUpgrade)
	g.finish(&d, direction{action: g.resp.Action})
	return d
}

// BodyInScope reports whether a body with these headers would be scanned
// at all, so the adapter can skip reading it (one PDK call saved).
func (g *Guard) BodyInScope(headers map[string][]string) bool {
	mt := mediaType(headerValue(headers, "content-type"))
	return mt == "" || g.types.match(mt)
}

func (g *Guard) unscanned(d *Decision, why string) {
	d.Unscanned = why
}

// finish picks the action and reason from the findings.
func (g *Guard) finish(d *Decision, dir direction) {
	for k, n := range d.counts {
		action := ActionLogOnly
		if k.acted {
			action = dir.action
		}
		d.Counts = append(d.Counts, RuleCount{Rule: k.rule, Action: action, N: n})
	}
	d.counts = nil
	slices.SortFunc(d.Counts, func(a, b RuleCount) int {
		return cmp.Or(strings.Compare(a.Rule, b.Rule), strings.Compare(a.Action, b.Action))
	})
	// Every finding counts, not only the audited ones: a secret past the
	// first maxAudited findings is acted on too.
	acted := false
	for _, c := range d.Counts {
		acted = acted || c.Action != ActionLogOnly
	}
	// unscannable_action block comes before redaction and detection: what
	// the headers or query held says nothing of the body left unscanned.
	switch {
	case d.Reason == ReasonDecodeLimit:
		d.Action = ActionBlock
	case acted && dir.action == ActionBlock:
		d.Action, d.Reason = ActionBlock, ReasonBlocked
	case d.Unscanned != "" && d.Unscanned != UnscannedContentType && g.unscannable == UnscannableBlock:
		d.Action, d.Reason = ActionBlock, ReasonUnscannableBlock
	case acted && dir.action == ActionRedact:
		d.Action, d.Reason = ActionRedact, ReasonRedacted
	case d.Total > 0:
		d.Action, d.Reason = ActionLogOnly, ReasonDetected
	case d.Unscanned != "":
		d.Action, d.Reason = ActionLogOnly, ReasonUnscannablePassed
	}
	if d.Action != ActionRedact {
		d.Headers, d.QueryChanged, d.BodyChanged, d.Body = nil, false, false, nil
	}
}

func headerValue(h map[string][]string, name string) string {
	for k, v := range h {
		if len(v) > 0 && strings.EqualFold(k, name) {
			return v[0]
		}
	}
	return ""
}

// finding builds the audit record for a match.
func (g *Guard) finding(dir direction, m Match, secret []byte, loc, name, pointer string) Finding {
	return Finding{
		Rule: m.Rule, Confidence: m.Confidence.String(), Location: loc,
		Name: name, Pointer: pointer, Length: len(secret),
		Fingerprint: Fingerprint(g.fpKey, secret), Acted: dir.acts(m.Confidence),
	}
}

// safe redacts any secret inside a name used in a location.
func (g *Guard) safe(name string) string {
	const maxName = 128
	ms := g.scanner.Scan([]byte(name), "")
	if len(ms) > 0 {
		name = string(redactSpans([]byte(name), ms, func(Confidence) bool { return true }))
	}
	if len(name) > maxName {
		name = name[:maxName] + "..."
	}
	return name
}

// redactSpans replaces each match chosen by pick with [REDACTED:<rule>].
func redactSpans(data []byte, ms []Match, pick func(Confidence) bool) []byte {
	out := make([]byte, 0, len(data))
	last := 0
	for _, m := range ms {
		if !pick(m.Confidence) {
			continue
		}
		out = append(out, data[last:m.Start]...)
		out = append(out, "[REDACTED:"...)
		out = append(out, m.Rule...)
		out = append(out, ']')
		last = m.End
	}
	return append(out, data[last:]...)
}

// scanField scans "name=value" so key-value rules see the name, and
// returns the matches inside value (offsets into value).
func (g *Guard) scanField(scratch *[]byte, name, value []byte, path string) []Match {
	if len(name) == 0 {
		return g.scanner.Scan(value, path)
	}
	buf := append(append(append((*scratch)[:0], name...), '='), value...)
	*scratch = buf
	if !g.scanner.MayMatch(buf) {
		return nil
	}
	off := len(name) + 1
	var out []Match
	for _, m := range g.scanner.Scan(buf, path) {
		if m.Start < off {
			continue // in the name, or straddling: the name is scanned alone
		}
		m.Start -= off
		m.End -= off
		out = append(out, m)
	}
	return out
}

func (g *Guard) scanHeaders(d *Decision, dir direction, headers map[string][]string, path string) {
	if !dir.scanHdrs {
		return
	}
	var scratch []byte
	for name, values := range headers {
		lname := strings.ToLower(name)
		if dir.skipHdr[lname] {
			continue
		}
		var newValues []string
		changed := false
		for _, v := range values {
			ms, _ := allowedOnRoute(dir.routes, dir.cap(g.scanField(&scratch, []byte(lname), []byte(v), path)), nil, "")
			for _, m := range ms {
				d.add(g.finding(dir, m, []byte(v[m.Start:m.End]), dir.hdrLoc, g.safe(name), ""))
			}
			nv := v
			if hasRedaction(ms, dir) {
				nv = string(redactSpans([]byte(v), ms, dir.redacting))
				changed = true
			}
			newValues = append(newValues, nv)
		}
		if changed {
			if d.Headers == nil {
				d.Headers = map[string][]string{}
			}
			d.Headers[name] = newValues
		}
	}
}

func hasRedaction(ms []Match, dir direction) bool {
	for _, m := range ms {
		if dir.redacting(m.Confidence) {
			return true
		}
	}
	return false
}

// scanPairs scans a query string or form body: each name and each
// "name=value" decoded. Unchanged pairs are kept byte for byte; redacted
// values are re-encoded.
func (g *Guard) scanPairs(d *Decision, dir direction, loc, raw string, skip map[string]bool, path string) (string, bool) {
	var scratch []byte
	var out strings.Builder
	changed := false
	for i, pair := range strings.Split(raw, "&") {
		if i > 0 {
			out.WriteByte('&')
		}
		rk, rv, hasEq := strings.Cut(pair, "=")
		// Decoded as nginx decodes (valid escapes decoded, invalid ones
		// kept): what the upstream reads.
		k := uri.UnescapeComponent(rk)
		if skip[strings.ToLower(k)] {
			out.WriteString(pair)
			continue
		}
		v := uri.UnescapeComponent(rv)
		for _, m := range dir.cap(g.scanner.Scan([]byte(k), path)) {
			d.add(g.finding(dir, m, []byte(k[m.Start:m.End]), loc, g.safe(k), ""))
		}
		ms := dir.cap(g.scanField(&scratch, []byte(k), []byte(v), path))
		for _, m := range ms {
			d.add(g.finding(dir, m, []byte(v[m.Start:m.End]), loc, g.safe(k), ""))
		}
		if !hasRedaction(ms, dir) {
			out.WriteString(pair)
			continue
		}
		changed = true
		out.WriteString(rk)
		if hasEq {
			out.WriteByte('=')
		}
		out.WriteString(url.QueryEscape(string(redactSpans([]byte(v), ms, dir.redacting))))
	}
	return out.String(), changed
}

// scanBody scans a body in scope: decoded, then taken apart by kind.
func (g *Guard) scanBody(d *Decision, dir direction, headers map[string][]string, body []byte, path string) {
	if !g.BodyInScope(headers) {
		// The adapter did not read it (PlanSkip); a textual one is
		// audited as left unscanned.
		if n, ok := contentLength(headers); (!ok || n > 0) && isTextual(mediaType(headerValue(headers, "content-type"))) {
			g.unscanned(d, UnscannedContentType)
		}
		return
	}
	if len(body) == 0 {
		return
	}
	if len(body) > g.maxScan {
		g.unscanned(d, UnscannedTooLarge)
		return
	}
	enc := headerValue(headers, "content-encoding")
	data, err := httpbody.Decode(body, enc, g.maxScan)
	switch {
	case errors.Is(err, ErrDecodedTooLarge):
		d.Reason = ReasonDecodeLimit
		return
	case err != nil:
		g.unscanned(d, UnscannedEncoding)
		return
	}
	kind := kindOf(mediaType(headerValue(headers, "content-type")))
	// The cheap first look: no keyword anywhere and nothing escaped that
	// could hide one means nothing to find.
	if !g.scanner.MayMatch(data) && !bytes.Contains(data, []byte(`\u`)) && (kind != kindForm || !bytes.ContainsAny(data, "%+")) && !hasBase64Run(data) {
		return
	}
	budget := base64Budget{left: g.maxScan}
	var out []byte
	changed := false
	switch kind {
	case kindJSON:
		// A document that turns out not to be JSON is scanned again as
		// text: the findings of the partial walk are dropped so each
		// secret is reported once.
		saved := d.snapshot()
		var scratch []byte
		var edits []jsonEdit
		err := bodyJSON.Visit(data, func(s jsonscan.String) {
			var ms []Match
			var decoded [][]byte
			if s.IsKey {
				ms = g.scanner.Scan(s.Value, path)
			} else {
				ms = g.scanField(&scratch, s.Member, s.Value, path)
				if wholeBase64(s.Value) {
					ms, decoded = withWrapped(ms, g.scanBase64(&budget, &scratch, s.Member, s.Value, path))
				}
			}
			if len(ms) == 0 {
				return
			}
			ms = dir.cap(ms)
			ptr := s.Pointer(g.safe)
			if ms, decoded = allowedOnRoute(dir.routes, ms, decoded, ptr); len(ms) == 0 {
				return
			}
			for i, m := range ms {
				d.add(g.finding(dir, m, secretOf(s.Value, m, decoded, i), dir.bodyLoc, "", ptr))
			}
			if !hasRedaction(ms, dir) {
				return
			}
			edits = append(edits, jsonEdit{start: s.Start, end: s.End, repl: encodeJSONString(redactSpans(s.Value, ms, dir.redacting))})
		})
		if err == nil {
			if len(edits) > 0 {
				out, changed = applyEdits(data, edits), true
			}
			break
		}
		d.restore(saved)
		kind = kindText // not JSON after all
		fallthrough
	case kindText:
		var scratch []byte
		ms, decoded := withWrapped(g.scanner.Scan(data, path), g.scanBase64(&budget, &scratch, nil, data, path))
		ms, decoded = allowedOnRoute(dir.routes, dir.cap(ms), decoded, "")
		for i, m := range ms {
			d.add(g.finding(dir, m, secretOf(data, m, decoded, i), dir.bodyLoc, "", ""))
		}
		if hasRedaction(ms, dir) {
			out, changed = redactSpans(data, ms, dir.redacting), true
		}
	case kindForm:
		var q string
		q, changed = g.scanPairs(d, dir, dir.bodyLoc, string(data), nil, path)
		out = []byte(q)
	}
	if changed {
		d.Body, d.BodyChanged = out, true
		d.BodyDecoded = enc != "" && !strings.EqualFold(strings.TrimSpace(enc), "identity")
	}
}

package auth

import (
	"fmt"
	"net/http"
	"strings"
)

// Request is what authentication reads: the request headers (names lower
// case, as Kong's get_headers returns them) and, only when a query source
// is configured (NeedsQuery), the raw query string (Kong's
// get_raw_query) and its arguments (uri.ParseQuery of it).
//
// A request using the DPoP scheme (NeedsRequestLine) also carries the
// request method, its target as sent and the connection's scheme, which
// a DPoP proof is checked against.
type Request struct {
	Headers  map[string][]string
	RawQuery string
	Query    map[string][]string
	// Method, Target and Scheme: the request line's method and target
	// (nginx $request) and the scheme (kong.request.get_scheme).
	Method, Target, Scheme string
	// ClientCert returns the connection's TLS client certificate as
	// nginx's $ssl_client_escaped_cert ("" without one). It is called
	// only for a certificate-bound token, so other requests pay no PDK
	// call for it.
	ClientCert func() (string, error)
}

// SetRequestLine fills Method and Target from an HTTP request line
// ("GET /path?q HTTP/1.1", nginx $request); a malformed line leaves them
// empty, which fails the DPoP check.
func (r *Request) SetRequestLine(line string) {
	m, rest, ok := strings.Cut(line, " ")
	t, _, ok2 := strings.Cut(rest, " ")
	if ok && ok2 && m != "" && t != "" {
		r.Method, r.Target = m, t
	}
}

type credKind int

const (
	credToken credKind = iota + 1
	credAPIKey
)

// location says where a credential was found, so it can be stripped.
type location struct {
	header     string // lower case; "cookie" for a cookie
	cookie     string
	queryParam string
	dpop       bool // Authorization with the DPoP scheme (RFC 9449 7.1)
}

type credential struct {
	kind  credKind
	value string
	loc   location
}

// maxCookieHeaderBytes bounds the cookie header parsed for a token cookie.
const maxCookieHeaderBytes = 16 << 10

// found collects credentials; more than one is an error. It lives on
// the caller's stack: extraction allocates nothing.
type found struct {
	first credential
	n     int
}

func (f *found) add(kind credKind, v string, loc location) error {
	if f.n++; f.n > 1 {
		return ErrMultipleTokens
	}
	f.first = credential{kind: kind, value: v, loc: loc}
	return nil
}

func (f *found) addAll(kind credKind, values []string, loc location) error {
	for _, v := range values {
		if err := f.add(kind, v, loc); err != nil {
			return err
		}
	}
	return nil
}

// extract finds the one credential in req. Every configured source is
// read; more than one credential (repeated header, token and API key,
// header and query) is refused, as is an oversized or malformed one.
func (a *Authenticator) extract(req Request) (credential, error) {
	var f found
	ts := a.cfg.Token
	if a.tokens() {
		if ts.Header != "" {
			name := strings.ToLower(ts.Header)
			loc := location{header: name}
			if name == "authorization" {
				if err := addBearer(&f, req.Headers[name], loc, a.dpop != nil); err != nil {
					return credential{}, err
				}
			} else if err := f.addAll(credToken, req.Headers[name], loc); err != nil {
				return credential{}, err
			}
		}
		if ts.QueryParam != "" {
			if err := f.addAll(credToken, req.Query[ts.QueryParam], location{queryParam: ts.QueryParam}); err != nil {
				return credential{}, err
			}
		}
		if ts.Cookie != "" {
			vals, err := cookieValues(req.Headers["cookie"], ts.Cookie)
			if err != nil {
				return credential{}, err
			}
			if err := f.addAll(credToken, vals, location{header: "cookie", cookie: ts.Cookie}); err != nil {
				return credential{}, err
			}
		}
	}
	if ak := a.cfg.APIKeys; ak != nil {
		if ak.Header != "" {
			name := strings.ToLower(ak.Header)
			if err := f.addAll(credAPIKey, req.Headers[name], location{header: name}); err != nil {
				return credential{}, err
			}
		}
		if ak.QueryParam != "" {
			if err := f.addAll(credAPIKey, req.Query[ak.QueryParam], location{queryParam: ak.QueryParam}); err != nil {
				return credential{}, err
			}
		}
	}
	if f.n == 0 {
		return credential{}, ErrNoCredential
	}
	c := f.first
	if len(c.value) > ts.MaxBytes {
		return credential{}, ErrTokenTooLarge
	}
	if c.kind == credToken {
		c.value = strings.TrimSpace(c.value)
		if scheme, rest, ok := strings.Cut(c.value, " "); ok && strings.EqualFold(scheme, "bearer") && c.loc.header != "authorization" {
			c.value = strings.TrimLeft(rest, " ")
		}
		if !isB64Token(c.value) {
			return credential{}, fmt.Errorf("%w: characters outside b64token", ErrMalformedToken)
		}
	} else if c.value == "" || strings.ContainsAny(c.value, " \t\r\n,") {
		return credential{}, fmt.Errorf("%w: malformed api key", ErrUnknownAPIKey)
	}
	return c, nil
}

// addBearer adds the tokens of Authorization values using the Bearer
// scheme (RFC 6750 2.1; the scheme is case-insensitive, RFC 9110 11.1),
// and the DPoP scheme when dpop is on (RFC 9449 7.1). Values with another
// scheme (Basic, ...) belong to other plugins and are skipped; a value is
// taken whole after the scheme, so "Bearer a, Bearer b" is refused as
// malformed, not half-read.
func addBearer(f *found, vals []string, loc location, dpop bool) error {
	for _, v := range vals {
		scheme, rest, _ := strings.Cut(strings.TrimSpace(v), " ")
		l := loc
		switch {
		case strings.EqualFold(scheme, "bearer"):
		case dpop && strings.EqualFold(scheme, "dpop"):
			l.dpop = true
		default:
			continue
		}
		if err := f.add(credToken, strings.TrimLeft(rest, " "), l); err != nil {
			return err
		}
	}
	return nil
}

// NeedsRequestLine reports whether the request uses the DPoP scheme, so
// the adapter must fill Method, Target and Scheme (two PDK calls only
// such requests pay).
func (a *Authenticator) NeedsRequestLine(headers map[string][]string) bool {
	if a.dpop == nil {
		return false
	}
	for _, v := range headers["authorization"] {
		if scheme, _, _ := strings.Cut(strings.TrimSpace(v), " "); strings.EqualFold(scheme, "dpop") {
			return true
		}
	}
	return false
}

// cookieValues returns every value of the named cookie in the Cookie
// header lines.
func cookieValues(lines []string, name string) ([]string, error) {
	var out []string
	total := 0
	for _, line := range lines {
		if total += len(line); total > maxCookieHeaderBytes {
			return nil, ErrTokenTooLarge
		}
		cookies, err := http.ParseCookie(line)
		if err != nil {
			// A cookie header other applications wrote oddly is not
			// this plugin's business unless it names our cookie.
			if strings.Contains(line, name+"=") {
				return nil, fmt.Errorf("%w: cookie header", ErrMalformedToken)
			}
			continue
		}
		for _, c := range cookies {
			if c.Name == name {
				out = append(out, c.Value)
			}
		}
	}
	return out, nil
}

// b64TokenChars marks the bytes of an RFC 6750 b64token before padding.
var b64TokenChars = func() (t [256]bool) {
	for _, c := range []byte("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~+/") {
		t[c] = true
	}
	return t
}()

// isB64Token reports whether s is an RFC 6750 b64token: 1*( ALPHA / DIGIT
// / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
func isB64Token(s string) bool {
	i := 0
	for i < len(s) && b64TokenChars[s[i]] {
		i++
	}
	if i == 0 {
		return false
	}
	for ; i < len(s); i++ {
		if s[i] != '=' {
			return false
		}
	}
	return true
}

// stripCookie returns the Cookie header lines without the named cookie.
func stripCookie(lines []string, name string) []string {
	var out []string
	for _, line := range lines {
		var keep []string
		for part := range strings.SplitSeq(line, ";") {
			k, _, _ := strings.Cut(strings.TrimSpace(part), "=")
			if k != name && strings.TrimSpace(part) != "" {
				keep = append(keep, strings.TrimSpace(part))
			}
		}
		if len(keep) > 0 {
			out = append(out, strings.Join(keep, "; "))
		}
	}
	return out
}

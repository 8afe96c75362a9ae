package validator

import (
	"net/mail"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/xeipuuv/gojsonschema"
)

// gojsonschema's format checkers are one global table; ours replace its
// lenient ones once, before the first schema is compiled. Each checker
// passes non-strings, as JSON Schema requires (format applies to strings).
var registerFormats = sync.OnceFunc(func() {
	gojsonschema.FormatCheckers.
		Add("date-time", formatFunc(isDateTime)).
		Add("email", formatFunc(isEmail)).
		Add("uuid", formatFunc(isUUID)).
		Add("ipv4", formatFunc(isIPv4)).
		Add("ipv6", formatFunc(isIPv6)).
		Add("uri", formatFunc(isURI)).
		Add("uri-template", formatFunc(isURITemplate))
})

type formatFunc func(string) bool

func (f formatFunc) IsFormat(v any) bool {
	s, ok := v.(string)
	return !ok || f(s)
}

// dateTimeRE is RFC 3339 section 5.6 date-time; time.Parse alone accepts
// some strings the RFC does not (single-digit hours, lower-case letters are
// allowed by the RFC and by this pattern).
var dateTimeRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$`)

func isDateTime(s string) bool {
	if !dateTimeRE.MatchString(s) {
		return false
	}
	// time.Parse checks the ranges (month 1-12, day within the month,
	// hour < 24); it refuses leap second 60, which RFC 3339 allows.
	_, err := time.Parse(time.RFC3339Nano, strings.ToUpper(s))
	return err == nil
}

// isEmail accepts an RFC 5321 mailbox: local@domain, no display name, no
// comments, no IP literal, at most 254 characters.
func isEmail(s string) bool {
	if len(s) > 254 || strings.ContainsAny(s, " <>()\"\\") {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	domain := s[at+1:]
	return at > 0 && at <= 64 && strings.Contains(domain, ".") && !strings.HasPrefix(domain, "[")
}

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func isUUID(s string) bool { return uuidRE.MatchString(s) }

// isIPv4 accepts dotted-quad only: no zone, no leading zeros (netip
// refuses them), no IPv6.
func isIPv4(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is4()
}

// isIPv6 accepts an IPv6 address without a zone.
func isIPv6(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is6() && a.Zone() == "" && strings.Contains(s, ":")
}

// isURI accepts an absolute URI (RFC 3986): a scheme, and no characters
// that must be percent-encoded.
func isURI(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || strings.IndexByte(`"<>\^`+"`{|}", c) >= 0 {
			return false
		}
	}
	u, err := url.Parse(s)
	return err == nil && u.Scheme != "" && schemeRE.MatchString(u.Scheme)
}

var schemeRE = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.-]*$`)

// uriTemplateRE is RFC 6570 section 2's URI-Template: literals (no
// control characters, space, " ' < > \ ^ ` { | }, % only
// percent-encoding) and expressions, an optional operator and a list of
// variables with an optional :prefix or * modifier.
var uriTemplateRE = func() *regexp.Regexp {
	const (
		pct     = `%[0-9A-Fa-f]{2}`
		varchar = `(?:[A-Za-z0-9_]|` + pct + `)`
		varspec = varchar + `(?:\.?` + varchar + `)*(?::[1-9][0-9]{0,3}|\*)?`
		literal = `[^\x00-\x20\x7f-\x9f"'%<>\\^` + "`" + `{|}]|` + pct
	)
	return regexp.MustCompile(`^(?:` + literal + `|\{[+#./;?&=,!@|]?` + varspec + `(?:,` + varspec + `)*\})*$`)
}()

// isURITemplate accepts an RFC 6570 URI template. gojsonschema's own
// checker matches the braces in the URL's path alone, so it refuses a
// query expansion such as https://api.example.com/repos{?page,per_page}
// (the path ends at the "?", leaving "{" unclosed).
func isURITemplate(s string) bool { return uriTemplateRE.MatchString(s) }

package harness

// Error bodies of kong.response.error (kong/pdk/response.lua
// HTTP_ERROR_MESSAGES) in the templates of kong/tools/http.lua.

import (
	"fmt"
	"strconv"
	"strings"
)

var httpErrorMessages = map[int]string{
	400: "Bad request", 401: "Unauthorized", 402: "Payment required", 403: "Forbidden",
	404: "Not found", 405: "Method not allowed", 406: "Not acceptable",
	407: "Proxy authentication required", 408: "Request timeout", 409: "Conflict",
	410: "Gone", 411: "Length required", 412: "Precondition failed", 413: "Payload too large",
	414: "URI too long", 415: "Unsupported media type", 416: "Range not satisfiable",
	417: "Expectation failed", 418: "I'm a teapot", 421: "Misdirected request",
	422: "Unprocessable entity", 423: "Locked", 424: "Failed dependency", 425: "Too early",
	426: "Upgrade required", 428: "Precondition required", 429: "Too many requests",
	431: "Request header fields too large", 451: "Unavailable for legal reasons",
	494: "Request header or cookie too large", 500: "An unexpected error occurred",
	501: "Not implemented", 502: "An invalid response was received from the upstream server",
	503: "The upstream server is currently unavailable", 504: "The upstream server is timing out",
	505: "HTTP version not supported", 506: "Variant also negotiates", 507: "Insufficient storage",
	508: "Loop detected", 510: "Not extended", 511: "Network authentication required",
}

func httpErrorMessage(status int) string {
	if m, ok := httpErrorMessages[status]; ok {
		return m
	}
	return fmt.Sprintf("The upstream server responded with %d", status)
}

const (
	mimeJSON  = "application/json; charset=utf-8"
	mimeHTML  = "text/html; charset=utf-8"
	mimeXML   = "application/xml; charset=utf-8"
	mimePlain = "text/plain; charset=utf-8"
)

// responseType is tools/http.lua get_response_type: the Accept entry with
// the highest q that maps to a known MIME type; JSON by default.
func responseType(accept []string) string {
	ctype := mimeJSON
	if len(accept) == 0 {
		return ctype
	}
	maxQ := 0.0
	for _, part := range strings.Split(strings.Join(accept, ","), ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		media, params, _ := strings.Cut(part, ";")
		q := 1.0
		if _, v, ok := strings.Cut(params, "q="); ok {
			if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
				q = f
			}
		}
		if q > maxQ {
			maxQ = q
			if m := mimeFor(strings.TrimSpace(strings.ToLower(media))); m != "" {
				ctype = m
			}
		}
	}
	return ctype
}

func mimeFor(media string) string {
	typ, sub, _ := strings.Cut(media, "/")
	switch {
	case media == "application/json":
		return mimeJSON
	case media == "text/html":
		return mimeHTML
	case media == "application/xml":
		return mimeXML
	case media == "text/plain":
		return mimePlain
	case typ == "application" && (sub == "*" || sub == ""):
		return mimeJSON
	case typ == "text" && (sub == "*" || sub == ""):
		return mimePlain
	case typ == "*":
		return mimeJSON
	}
	return ""
}

func errorTemplate(ctype string) string {
	switch {
	case strings.HasPrefix(ctype, "text/html"):
		return "<!doctype html>\n<html>\n  <head>\n    <meta charset=\"utf-8\">\n    <title>Error</title>\n  </head>\n  <body>\n    <h1>Error</h1>\n    <p>%s.</p>\n    <p>request_id: %s</p>\n  </body>\n</html>\n"
	case strings.HasPrefix(ctype, "application/xml"):
		return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<error>\n  <message>%s</message>\n  <requestid>%s</requestid>\n</error>\n"
	case strings.HasPrefix(ctype, "text/plain"):
		return "%s\nrequest_id: %s\n"
	}
	return "{\n  \"message\":\"%s\",\n  \"request_id\":\"%s\"\n}"
}

// Package respond builds the answers Warden plugins give in place of the
// upstream: Kong-style JSON errors by default, RFC 9457 problem details
// where a plugin asks for them, with the extra headers a decision needs
// (WWW-Authenticate, Retry-After). Bodies are generic: the reason for a
// decision goes to the audit log, never to the client.
package respond

import (
	"encoding/json"
	"net/http"
)

// Content types.
const (
	ContentTypeJSON    = "application/json; charset=utf-8"
	ContentTypeProblem = "application/problem+json"
)

// Response is what a plugin answers instead of proxying.
type Response struct {
	Status  int
	Headers map[string][]string
	Body    []byte
}

// Error is a Kong-style error answer: {"message": "..."} as JSON, the shape
// Kong's own plugins answer with (kong/pdk/response.lua error and exit
// with a table body).
func Error(status int, message string, headers ...string) Response {
	body, _ := json.Marshal(map[string]string{"message": message})
	return build(status, ContentTypeJSON, body, headers)
}

// Problem describes an RFC 9457 problem.
type Problem struct {
	Type   string `json:"type,omitempty"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	// Errors lists individual violations, for plugins that report several.
	Errors any `json:"errors,omitempty"`
}

// ProblemJSON is an application/problem+json answer. Title defaults to the
// status text.
func ProblemJSON(p Problem, headers ...string) Response {
	if p.Title == "" {
		p.Title = http.StatusText(p.Status)
	}
	body, err := json.Marshal(p)
	if err != nil {
		return Error(http.StatusInternalServerError, "An unexpected error occurred")
	}
	return build(p.Status, ContentTypeProblem, body, headers)
}

// Internal is the generic answer for a plugin that cannot decide: broken
// config, a panic, an error talking to Kong. Nothing about the cause
// reaches the client.
func Internal() Response {
	return Error(http.StatusInternalServerError, "An unexpected error occurred")
}

// build assembles a response; headers are name, value pairs.
func build(status int, contentType string, body []byte, headers []string) Response {
	h := map[string][]string{"Content-Type": {contentType}}
	for i := 0; i+1 < len(headers); i += 2 {
		name := http.CanonicalHeaderKey(headers[i])
		h[name] = append(h[name], headers[i+1])
	}
	return Response{Status: status, Headers: h, Body: body}
}

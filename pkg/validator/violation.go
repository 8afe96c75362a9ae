package validator

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/xeipuuv/gojsonschema"
)

// Violation is one thing wrong with a request. It never holds the value
// the client sent: Location names where, Code what, and Message is written
// from the schema alone.
type Violation struct {
	// Location is "body", "body/items/2/quantity", "query/limit",
	// "header/x-request-id", "path/id", "cookie/session", "content-type".
	Location string `json:"location"`
	// Code is stable and snake_case: a CodeJSON* code, a JSON Schema
	// keyword (required, type, maximum, ...) or one of the Code* below.
	Code string `json:"code"`
	// Message is a short English explanation.
	Message string `json:"message"`
}

// Codes besides the JSON threat codes and JSON Schema keywords.
const (
	CodeInvalid            = "invalid"
	CodeUnknownOperation   = "unknown_operation"
	CodeMethodNotAllowed   = "method_not_allowed"
	CodeBodyTooLarge       = "body_too_large"
	CodeBadContentLength   = "invalid_content_length"
	CodeContentTypeMissing = "content_type_missing"
	CodeContentTypeRefused = "content_type_not_allowed"
	CodeBodyRequired       = "body_required"
	CodeRequired           = "required"
	CodeMultipleValues     = "multiple_values"
	CodeMalformed          = "malformed"
	CodeInjection          = "injection_suspected"
	// CodeCompiling: the OpenAPI document is still being compiled (503).
	CodeCompiling = "openapi_compiling"
)

// keywordCodes maps gojsonschema's error types to our codes: the JSON
// Schema keyword that failed, in snake_case.
var keywordCodes = map[string]string{
	"required":                        "required",
	"invalid_type":                    "type",
	"enum":                            "enum",
	"const":                           "const",
	"string_gte":                      "min_length",
	"string_lte":                      "max_length",
	"pattern":                         "pattern",
	"format":                          "format",
	"number_gte":                      "minimum",
	"number_gt":                       "exclusive_minimum",
	"number_lte":                      "maximum",
	"number_lt":                       "exclusive_maximum",
	"multiple_of":                     "multiple_of",
	"array_min_items":                 "min_items",
	"array_max_items":                 "max_items",
	"unique":                          "unique_items",
	"contains":                        "contains",
	"array_no_additional_items":       "additional_items",
	"array_min_properties":            "min_properties",
	"array_max_properties":            "max_properties",
	"additional_property_not_allowed": "additional_properties",
	"invalid_property_pattern":        "pattern_properties",
	"invalid_property_name":           "property_names",
	"missing_dependency":              "dependencies",
	"number_any_of":                   "any_of",
	"number_one_of":                   "one_of",
	"number_all_of":                   "all_of",
	"number_not":                      "not",
	"condition_then":                  "then",
	"condition_else":                  "else",
	"false":                           "false_schema",
}

// rewrite turns a gojsonschema error into a Violation. gojsonschema's own
// descriptions may quote the submitted value, so none is used: the message
// is rebuilt from the error type and the schema-side details only.
func rewrite(e gojsonschema.ResultError, prefix string, names map[string]bool) Violation {
	loc := location(prefix, e.Context(), names)
	d := e.Details()
	code, ok := keywordCodes[e.Type()]
	if !ok {
		code = CodeInvalid
	}
	var msg string
	switch e.Type() {
	case "required":
		loc = join(loc, fmt.Sprint(d["property"]))
		msg = "is required"
	case "additional_property_not_allowed":
		// The location stays at the object: the name is the sender's
		// data, which may be a token used as a key, and violations go to
		// audit logs.
		msg = "has a property that is not allowed"
	case "invalid_type":
		msg = fmt.Sprintf("must be of type %v", d["expected"])
	case "enum":
		msg = "must be one of the allowed values"
	case "const":
		msg = "must be the allowed constant"
	case "string_gte":
		msg = fmt.Sprintf("must be at least %v characters long", d["min"])
	case "string_lte":
		msg = fmt.Sprintf("must be at most %v characters long", d["max"])
	case "pattern":
		msg = fmt.Sprintf("must match the pattern %v", d["pattern"])
	case "format":
		msg = fmt.Sprintf("must be a valid %v", d["format"])
	case "number_gte":
		msg = fmt.Sprintf("must be at least %v", d["min"])
	case "number_gt":
		msg = fmt.Sprintf("must be greater than %v", d["min"])
	case "number_lte":
		msg = fmt.Sprintf("must be at most %v", d["max"])
	case "number_lt":
		msg = fmt.Sprintf("must be less than %v", d["max"])
	case "multiple_of":
		msg = fmt.Sprintf("must be a multiple of %v", d["multiple"])
	case "array_min_items":
		msg = fmt.Sprintf("must have at least %v items", d["min"])
	case "array_max_items":
		msg = fmt.Sprintf("must have at most %v items", d["max"])
	case "unique":
		msg = "must not contain duplicate items"
	case "contains":
		msg = "must contain a matching item"
	case "array_no_additional_items":
		msg = "has more items than allowed"
	case "array_min_properties":
		msg = fmt.Sprintf("must have at least %v properties", d["min"])
	case "array_max_properties":
		msg = fmt.Sprintf("must have at most %v properties", d["max"])
	case "invalid_property_pattern", "invalid_property_name":
		msg = "has a property name that is not allowed"
	case "missing_dependency":
		msg = fmt.Sprintf("requires property %v", d["dependency"])
	case "number_any_of":
		msg = "must match at least one of the allowed schemas"
	case "number_one_of":
		msg = "must match exactly one of the allowed schemas"
	case "number_all_of":
		msg = "must match all of the required schemas"
	case "number_not":
		msg = "matches a schema it must not match"
	case "condition_then", "condition_else":
		msg = "does not satisfy the conditional schema"
	case "false":
		msg = "is not allowed"
	default:
		msg = "is invalid"
	}
	return Violation{Location: loc, Code: code, Message: msg}
}

// location turns gojsonschema's context ("(root)", then one entry per
// member name or index) into "prefix/items/2/quantity". The context is
// joined with NUL, which the threat scanner's key checks make unlikely,
// and each token is JSON Pointer escaped. A member name the schema does
// not declare (a key of a map-like object, which may be a token) is
// written "*": locations reach clients and audit logs.
func location(prefix string, c *gojsonschema.JsonContext, names map[string]bool) string {
	if c == nil {
		return prefix
	}
	parts := strings.Split(c.String("\x00"), "\x00")
	loc := prefix
	for _, p := range parts[1:] { // parts[0] is "(root)"
		if !names[p] && !isIndex(p) {
			p = "*"
		}
		loc = join(loc, p)
	}
	return loc
}

// isIndex reports whether a context token is an array index.
func isIndex(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// maxToken is the longest member name a location spells out: a longer
// one (an upstream response's keys are not length-limited) is cut and
// marked with "…", so one key cannot blow up an answer or an audit line.
const maxToken = 128

func join(loc, token string) string {
	if len(token) > maxToken {
		cut := maxToken
		for cut > 0 && !utf8.RuneStart(token[cut]) {
			cut--
		}
		token = token[:cut] + "…"
	}
	return loc + "/" + escapePointer(token)
}

// sortViolations orders violations by location and code, so answers are
// stable: gojsonschema walks object members in map order.
func sortViolations(vs []Violation) {
	slices.SortFunc(vs, func(a, b Violation) int {
		return cmp.Or(cmp.Compare(a.Location, b.Location), cmp.Compare(a.Code, b.Code))
	})
}

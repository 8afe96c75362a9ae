package validator

import (
	"errors"
	"fmt"
)

// Sentinel errors.
var (
	// ErrRemoteRef is returned for a schema with a $ref or $id that could
	// make gojsonschema load a document from the network or disk.
	ErrRemoteRef = errors.New("schema reference is not local")
	// ErrUnknownDraft is returned for a schema whose $schema names no
	// supported draft, or another draft than the configured one.
	ErrUnknownDraft = errors.New("unsupported $schema")
	// ErrExternalLoad is what the loader factory handed to gojsonschema
	// answers every load with: nothing is ever fetched.
	ErrExternalLoad = errors.New("loading external schema documents is disabled")
)

// Violation codes: stable, snake_case, safe to show a client and to count
// in metrics. Each names what was wrong, never the submitted value.
const (
	CodeJSONSyntax         = "json_syntax"
	CodeJSONTooLarge       = "json_too_large"
	CodeJSONTooDeep        = "json_too_deep"
	CodeJSONArrayTooLong   = "json_array_too_long"
	CodeJSONTooManyEntries = "json_too_many_entries"
	CodeJSONKeyTooLong     = "json_key_too_long"
	CodeJSONStringTooLong  = "json_string_too_long"
	CodeJSONNumberTooLong  = "json_number_too_long"
	CodeJSONDuplicateKey   = "json_duplicate_key"
	CodeJSONInvalidUTF8    = "json_invalid_utf8"
	CodeJSONTooManyValues  = "json_too_many_values"
)

// ThreatError is a JSON document that breaks a Limit or the JSON grammar.
type ThreatError struct {
	// Code is one of the CodeJSON* constants.
	Code string
	// Offset is the byte offset where the problem was found.
	Offset int
	// Limit is the limit broken, 0 for syntax and encoding errors.
	Limit int
}

func (e *ThreatError) Error() string {
	if e.Limit > 0 {
		return fmt.Sprintf("%s at byte %d (limit %d)", e.Code, e.Offset, e.Limit)
	}
	return fmt.Sprintf("%s at byte %d", e.Code, e.Offset)
}

// Import errors.
var (
	// errImportPanic is an OpenAPI import that panicked (a bug); the
	// instance fails closed.
	errImportPanic = errors.New("importing the OpenAPI document panicked")
	// ErrCompiling is what Check returns while the OpenAPI document is
	// still being imported and the request's wait ran out.
	ErrCompiling = errors.New("the OpenAPI document is still being compiled")
)

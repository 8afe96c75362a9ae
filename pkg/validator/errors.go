package validator

import (
	"errors"

	"github.com/warden-gw/warden/pkg/jsonscan"
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
	CodeJSONSyntax         = jsonscan.CodeSyntax
	CodeJSONTooLarge       = jsonscan.CodeTooLarge
	CodeJSONTooDeep        = jsonscan.CodeTooDeep
	CodeJSONArrayTooLong   = jsonscan.CodeArrayTooLong
	CodeJSONTooManyEntries = jsonscan.CodeTooManyEntries
	CodeJSONKeyTooLong     = jsonscan.CodeKeyTooLong
	CodeJSONStringTooLong  = jsonscan.CodeStringTooLong
	CodeJSONNumberTooLong  = jsonscan.CodeNumberTooLong
	CodeJSONDuplicateKey   = jsonscan.CodeDuplicateKey
	CodeJSONInvalidUTF8    = jsonscan.CodeInvalidUTF8
	CodeJSONTooManyValues  = jsonscan.CodeTooManyValues
)

// ThreatError is a JSON document that breaks a Limit or the JSON grammar;
// its Code is one of the CodeJSON* constants.
type ThreatError = jsonscan.Error

// Import errors.
var (
	// errImportPanic is an OpenAPI import that panicked (a bug); the
	// instance fails closed.
	errImportPanic = errors.New("importing the OpenAPI document panicked")
	// ErrCompiling is what Check returns while the OpenAPI document is
	// still being imported and the request's wait ran out.
	ErrCompiling = errors.New("the OpenAPI document is still being compiled")
)

package jsonscan

import "fmt"

// Codes of an *Error: stable snake_case, shown to clients by
// pkg/validator as violation codes.
const (
	CodeSyntax         = "json_syntax"
	CodeTooLarge       = "json_too_large"
	CodeTooDeep        = "json_too_deep"
	CodeArrayTooLong   = "json_array_too_long"
	CodeTooManyEntries = "json_too_many_entries"
	CodeKeyTooLong     = "json_key_too_long"
	CodeStringTooLong  = "json_string_too_long"
	// CodeNumberTooLong is a number literal over MaxNumberLength, an
	// exponent over MaxExponent, or (decoding to float64) a number
	// out of float64's range.
	CodeNumberTooLong = "json_number_too_long"
	CodeDuplicateKey  = "json_duplicate_key"
	CodeInvalidUTF8   = "json_invalid_utf8"
	CodeTooManyValues = "json_too_many_values"
	// CodeNotObject is a document Members was given that is not an
	// object.
	CodeNotObject = "json_not_object"
)

// Error is a document that breaks a limit or the JSON grammar.
type Error struct {
	// Code is one of the Code* constants.
	Code string
	// Offset is the byte offset where the problem was found.
	Offset int
	// Limit is the limit broken, 0 for syntax and encoding errors.
	Limit int
}

func (e *Error) Error() string {
	if e.Limit > 0 {
		return fmt.Sprintf("%s at byte %d (limit %d)", e.Code, e.Offset, e.Limit)
	}
	return fmt.Sprintf("%s at byte %d", e.Code, e.Offset)
}

package auth

import (
	"errors"

	"github.com/warden-gw/warden/pkg/jsonscan"
)

// A JWS header and claims set are small JSON objects, parsed on every
// first-seen token. encoding/json's Decoder cannot refuse duplicate
// members, and scanning for them with its Token API costs more than the
// decoding itself. So a token's JSON goes through jsonscan, read as
// encoding/json reads it (nesting up to its depth of 10000, invalid UTF-8
// as U+FFFD, floats): the whole document is checked first, then each
// top-level member is reported once, with its name decoded exactly as
// encoding/json would.

var (
	errInvalidJSON  = errors.New("invalid JSON")
	errNotObject    = errors.New("not a JSON object")
	errDuplicateKey = errors.New("duplicate member")
)

// tokenJSON reads JSON as encoding/json does, into float64 numbers. Its
// zero limits are none: the caller has capped the token's size.
var tokenJSON = jsonscan.New(jsonscan.Options{Float64: true})

// walkObject calls fn with the decoded name and raw value of each
// top-level member of the JSON object b, in order. It refuses invalid
// JSON, anything but an object, and a name that occurs twice (a token
// whose header or claims parse differently in two parsers is an attack,
// RFC 7515 5.2, RFC 8725 3.11).
func walkObject(b []byte, fn func(name string, raw []byte) error) error {
	return objectError(tokenJSON.Members(b, fn))
}

// decodeObject is walkObject handing fn each value decoded as
// decodeValue decodes it, in the same pass.
func decodeObject(b []byte, fn func(name string, v any) error) error {
	return objectError(tokenJSON.MemberValues(b, fn))
}

// objectError is a jsonscan error as walkObject's: errNotObject,
// errDuplicateKey or errInvalidJSON. Other errors (fn's) pass.
func objectError(err error) error {
	if err == nil {
		return nil
	}
	var je *jsonscan.Error
	if !errors.As(err, &je) {
		return err
	}
	switch je.Code {
	case jsonscan.CodeNotObject:
		return errNotObject
	case jsonscan.CodeDuplicateKey:
		return errDuplicateKey
	}
	return errInvalidJSON // a float out of range among them: encoding/json refuses it too
}

// decodeString decodes a JSON string (quotes included) as encoding/json
// does.
func decodeString(raw []byte) (string, error) {
	s, err := jsonscan.Unquote(raw)
	if err != nil {
		return "", errInvalidJSON
	}
	return s, nil
}

// decodeValue decodes a JSON value into the Go value encoding/json would
// produce for an interface{}: string, float64, bool, nil, []any or
// map[string]any (a later member of a nested object wins, as there).
func decodeValue(raw []byte) (any, error) {
	v, err := tokenJSON.Decode(raw)
	if err != nil {
		return nil, errInvalidJSON // a number out of range: encoding/json refuses it too
	}
	return v, nil
}

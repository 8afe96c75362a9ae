package auth

import (
	"encoding/json"
	"errors"
	"strconv"
	"unicode/utf8"
)

// A JWS header and claims set are small JSON objects, parsed on every
// first-seen token. encoding/json's Decoder cannot refuse duplicate
// members, and scanning for them with its Token API costs more than the
// decoding itself. So a token's JSON is checked once with json.Valid (the
// standard library's own validating scanner: syntax, nesting depth,
// trailing data), then walked here: a walker that only ever sees valid
// JSON needs no error handling for syntax, and it reports each top-level
// member once, with its name decoded exactly as encoding/json would.

var (
	errInvalidJSON  = errors.New("invalid JSON")
	errNotObject    = errors.New("not a JSON object")
	errDuplicateKey = errors.New("duplicate member")
)

// maxLinearNames is how many member names are checked for duplicates by
// comparison before a map takes over (bounded work on hostile input).
const maxLinearNames = 16

// walkObject calls fn with the decoded name and raw value of each
// top-level member of the JSON object b, in order. It refuses invalid
// JSON, anything but an object, and a name that occurs twice (a token
// whose header or claims parse differently in two parsers is an attack,
// RFC 7515 5.2, RFC 8725 3.11).
func walkObject(b []byte, fn func(name string, raw []byte) error) error {
	if !json.Valid(b) {
		return errInvalidJSON
	}
	i := skipSpace(b, 0)
	if b[i] != '{' {
		return errNotObject
	}
	var small [maxLinearNames]string
	names := small[:0]
	var many map[string]struct{}
	i = skipSpace(b, i+1)
	if b[i] == '}' {
		return nil
	}
	for {
		end := stringEnd(b, i)
		name, err := decodeString(b[i:end])
		if err != nil {
			return err
		}
		if many != nil {
			if _, dup := many[name]; dup {
				return errDuplicateKey
			}
			many[name] = struct{}{}
		} else {
			for _, n := range names {
				if n == name {
					return errDuplicateKey
				}
			}
			if names = append(names, name); len(names) == maxLinearNames {
				many = make(map[string]struct{}, 2*maxLinearNames)
				for _, n := range names {
					many[n] = struct{}{}
				}
			}
		}
		i = skipSpace(b, skipSpace(b, end)+1) // past the colon
		vend := valueEnd(b, i)
		if err := fn(name, b[i:vend]); err != nil {
			return err
		}
		i = skipSpace(b, vend)
		if b[i] == '}' {
			return nil
		}
		i = skipSpace(b, i+1) // past the comma
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the index just past the string starting at b[i].
func stringEnd(b []byte, i int) int {
	for i++; ; i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
}

// valueEnd returns the index just past the value starting at b[i].
func valueEnd(b []byte, i int) int {
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for {
			switch b[i] {
			case '"':
				i = stringEnd(b, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
			i++
		}
	}
	for i < len(b) {
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
		i++
	}
	return i
}

// decodeString decodes a JSON string (quotes included) as encoding/json
// does, without it when there is nothing to unescape or repair.
func decodeString(raw []byte) (string, error) {
	s := raw[1 : len(raw)-1]
	if plainString(s) {
		return string(s), nil
	}
	var out string
	if err := json.Unmarshal(raw, &out); err != nil {
		return "", errInvalidJSON
	}
	return out, nil
}

// plainString reports whether the body of a JSON string decodes to
// itself: no escapes, and valid UTF-8 (encoding/json replaces invalid
// bytes with U+FFFD).
func plainString(s []byte) bool {
	ascii := true
	for _, c := range s {
		if c == '\\' {
			return false
		}
		if c >= utf8.RuneSelf {
			ascii = false
		}
	}
	return ascii || utf8.Valid(s)
}

// decodeValue decodes a valid JSON value into the Go value encoding/json
// would produce for an interface{}: string, float64, bool, nil, []any or
// map[string]any. Strings, numbers, literals and arrays of plain strings
// (aud, roles) take a short path; anything else goes to encoding/json.
func decodeValue(raw []byte) (any, error) {
	switch raw[0] {
	case '"':
		return decodeString(raw)
	case 't':
		return true, nil
	case 'f':
		return false, nil
	case 'n':
		return nil, nil
	case '[':
		if v, ok := plainStringArray(raw); ok {
			return v, nil
		}
	case '{':
	default:
		return decodeNumber(raw)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, errInvalidJSON
	}
	return v, nil
}

// decodeNumber converts a JSON number as encoding/json does
// (strconv.ParseFloat), with a short path for small integers, which are
// exact in a float64.
func decodeNumber(raw []byte) (any, error) {
	if len(raw) <= 15 {
		n, ok := int64(0), true
		for _, c := range raw {
			if c < '0' || c > '9' {
				ok = false
				break
			}
			n = n*10 + int64(c-'0')
		}
		if ok {
			return float64(n), nil
		}
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil {
		return nil, errInvalidJSON // out of range: encoding/json refuses it too
	}
	return f, nil
}

// plainStringArray decodes an array whose elements are all plain
// strings; ok is false for any other array.
func plainStringArray(raw []byte) (v []any, ok bool) {
	i := skipSpace(raw, 1)
	out := make([]any, 0, 4)
	if raw[i] == ']' {
		return out, true
	}
	for {
		if raw[i] != '"' {
			return nil, false
		}
		end := stringEnd(raw, i)
		s := raw[i+1 : end-1]
		if !plainString(s) {
			return nil, false
		}
		out = append(out, string(s))
		i = skipSpace(raw, end)
		if raw[i] == ']' {
			return out, true
		}
		i = skipSpace(raw, i+1)
	}
}

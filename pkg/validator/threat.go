package validator

import "github.com/warden-gw/warden/pkg/jsonscan"

// Limits bounds the shape of a JSON document before anything else looks at
// it, in the spirit of Apigee's JSONThreatProtection: a document that
// breaks one is refused without being decoded further. Every limit is a
// maximum; a value at the limit passes, one above fails. A zero limit is
// no limit (jsonscan.Options); configuration never sets one.
type Limits struct {
	// MaxBytes (document size), MaxDepth, MaxArrayLength,
	// MaxObjectEntries, MaxKeyLength and MaxStringLength (characters after
	// unescaping) mean what the jsonscan.Options fields of those names do.
	MaxBytes, MaxDepth, MaxArrayLength, MaxObjectEntries, MaxKeyLength, MaxStringLength int
	// MaxNumberLength is the longest number literal, in bytes. Numbers
	// also may not have an exponent beyond ±maxExponent: gojsonschema
	// parses every number with big.Rat, whose cost grows with the
	// exponent.
	MaxNumberLength int
	// MaxValues is the most values (scalars, arrays and objects, the
	// document included) in the document; 0 means no limit. Schema
	// validation costs far more per violation than per valid value, so
	// this bounds what an invalid document of the largest size costs.
	MaxValues int
	// AllowDuplicateKeys lets an object name the same member twice.
	// Parsers disagree on which one wins, which is how a validated
	// document can mean something else upstream; off by default.
	AllowDuplicateKeys bool
}

// maxExponent bounds the exponent of a number literal. float64 ends near
// 1e308; anything beyond is not a number an API means.
const maxExponent = 400

// scanner is the JSON scanner for l: l's limits, strict UTF-8 (invalid
// UTF-8 and lone surrogates refused), numbers as json.Number.
func (l *Limits) scanner() jsonscan.Scanner {
	return jsonscan.New(jsonscan.Options{
		MaxBytes: l.MaxBytes, MaxDepth: l.MaxDepth, MaxArrayLength: l.MaxArrayLength,
		MaxObjectEntries: l.MaxObjectEntries, MaxKeyLength: l.MaxKeyLength,
		MaxStringLength: l.MaxStringLength, MaxNumberLength: l.MaxNumberLength,
		MaxExponent: maxExponent, MaxValues: l.MaxValues,
		RefuseDuplicateKeys: !l.AllowDuplicateKeys, StrictUTF8: true,
	})
}

// CheckJSON scans b once and reports the first limit it breaks or the first
// syntax error, as a *ThreatError; nil means b is one well-formed JSON value
// within the limits. It allocates nothing for ordinary documents. A
// Validator scans with its limits compiled once (Validator.scan).
func (l *Limits) CheckJSON(b []byte) error {
	sc := l.scanner()
	return sc.Check(b)
}

// DecodeJSON is CheckJSON that also builds the document the way
// encoding/json does with UseNumber (map[string]any, []any, string,
// json.Number, bool, nil), in the same single pass.
func (l *Limits) DecodeJSON(b []byte) (any, error) {
	sc := l.scanner()
	return sc.Decode(b)
}

package jsonscan

import "math"

// Options bounds a document and chooses how it is read. Every limit is a
// maximum: a value at the limit passes, one above fails. A zero limit
// means no limit, but for MaxDepth, where it means DefaultMaxDepth: the
// scanner recurses once per level, so depth is always bounded.
type Options struct {
	// MaxBytes is the largest document, in bytes.
	MaxBytes int
	// MaxDepth is the deepest nesting of arrays and objects; a scalar
	// document has depth 0, `[]` depth 1.
	MaxDepth int
	// MaxArrayLength is the most elements one array may hold.
	MaxArrayLength int
	// MaxObjectEntries is the most members one object may hold.
	MaxObjectEntries int
	// MaxKeyLength is the longest member name, in characters (code points)
	// after unescaping.
	MaxKeyLength int
	// MaxStringLength is the longest string value, in characters (code
	// points) after unescaping.
	MaxStringLength int
	// MaxNumberLength is the longest number literal, in bytes.
	MaxNumberLength int
	// MaxExponent is the largest exponent (in absolute value) a number
	// literal may write.
	MaxExponent int
	// MaxValues is the most values (scalars, arrays and objects, the
	// document included) in the document.
	MaxValues int
	// RefuseDuplicateKeys refuses an object that names the same member
	// twice (after unescaping: "a" and "\u0061" are one name).
	RefuseDuplicateKeys bool
	// StrictUTF8 refuses invalid UTF-8 and escapes of lone surrogates
	// (CodeInvalidUTF8). Without it they read as U+FFFD, as encoding/json
	// reads them.
	StrictUTF8 bool
	// Float64 makes Decode produce float64 numbers (encoding/json's
	// default) rather than json.Number (its UseNumber).
	Float64 bool
	// Pairs, for Visit, recognises the member names of name/value pair
	// objects (AWS tags, Kubernetes env: {"name":"X","value":"..."}).
	// Nil: no pairs.
	Pairs func(name []byte) PairRole
}

// DefaultMaxDepth is the depth a zero MaxDepth stands for: encoding/json's
// own bound.
const DefaultMaxDepth = 10000

// PairRole is what a member name means in a name/value pair object.
type PairRole uint8

// Pair roles.
const (
	// NotPaired is an ordinary member.
	NotPaired PairRole = iota
	// PairName is a member ("key", "name") whose string value names the
	// pair.
	PairName
	// PairValue is a member ("value") that holds the named value.
	PairValue
)

// settings are Options as the scanner reads them: zero limits made
// explicit, so that it compares without testing for zero, and no pointer,
// so that copying them into a pooled scanner costs no write barrier.
type settings struct {
	MaxBytes, MaxDepth, MaxArrayLength, MaxObjectEntries      int
	MaxKeyLength, MaxStringLength, MaxNumberLength, MaxValues int
	MaxExponent                                               int
	RefuseDuplicateKeys, StrictUTF8, Float64                  bool
}

func (o *Options) settings() settings {
	orMax := func(v int) int {
		if v == 0 {
			return math.MaxInt
		}
		return v
	}
	depth := o.MaxDepth
	if depth == 0 {
		depth = DefaultMaxDepth
	}
	return settings{
		MaxBytes: orMax(o.MaxBytes), MaxDepth: depth, MaxArrayLength: orMax(o.MaxArrayLength),
		MaxObjectEntries: orMax(o.MaxObjectEntries), MaxKeyLength: orMax(o.MaxKeyLength),
		MaxStringLength: orMax(o.MaxStringLength), MaxNumberLength: orMax(o.MaxNumberLength),
		MaxValues: orMax(o.MaxValues), MaxExponent: o.MaxExponent,
		RefuseDuplicateKeys: o.RefuseDuplicateKeys, StrictUTF8: o.StrictUTF8, Float64: o.Float64,
	}
}

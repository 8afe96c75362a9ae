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

// norm returns o with zero limits made explicit, so that the scanner
// compares without testing for zero.
func (o *Options) norm() Options {
	n := *o
	for _, p := range []*int{&n.MaxBytes, &n.MaxArrayLength, &n.MaxObjectEntries, &n.MaxKeyLength, &n.MaxStringLength, &n.MaxNumberLength, &n.MaxValues} {
		if *p == 0 {
			*p = math.MaxInt
		}
	}
	if n.MaxDepth == 0 {
		n.MaxDepth = DefaultMaxDepth
	}
	return n
}

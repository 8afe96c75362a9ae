package validator

// Default JSON threat limits: generous for API payloads, small enough that
// a hostile document costs bounded work.
const (
	DefaultMaxBodyBytes     = 1 << 20 // 1 MiB
	DefaultMaxDepth         = 32
	DefaultMaxArrayLength   = 1000
	DefaultMaxObjectEntries = 256
	DefaultMaxKeyLength     = 128
	DefaultMaxStringLength  = 16384
	DefaultMaxNumberLength  = 64
	DefaultMaxValues        = 50000
	// DefaultMaxResponseValues bounds a response document: about a
	// mebibyte of dense JSON.
	DefaultMaxResponseValues = 200000
	maxDepthLimit            = 512 // the scanner recurses once per level
)

// DefaultLimits returns the default threat limits.
func DefaultLimits() Limits {
	return Limits{
		MaxBytes:         DefaultMaxBodyBytes,
		MaxDepth:         DefaultMaxDepth,
		MaxArrayLength:   DefaultMaxArrayLength,
		MaxObjectEntries: DefaultMaxObjectEntries,
		MaxKeyLength:     DefaultMaxKeyLength,
		MaxStringLength:  DefaultMaxStringLength,
		MaxNumberLength:  DefaultMaxNumberLength,
		MaxValues:        DefaultMaxValues,
	}
}

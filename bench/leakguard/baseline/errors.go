package baseline

import (
	"errors"

	"github.com/warden-gw/warden/pkg/httpbody"
)

// Sentinel errors; callers match them with errors.Is.
var (
	// ErrRuleInvalid marks a detection rule that cannot be used: a regex RE2
	// cannot compile, a missing id, a secret group the regex lacks.
	ErrRuleInvalid = errors.New("invalid rule")
	// ErrRulesFile marks a gitleaks TOML rules document that cannot be read.
	ErrRulesFile = errors.New("invalid gitleaks rules")
	// ErrDecodedTooLarge is returned when a compressed body decodes to more
	// than the scan limit: a possible decompression bomb, refused rather
	// than decoded without bound.
	ErrDecodedTooLarge = httpbody.ErrDecodedTooLarge
	// ErrBadEncoding is returned for a body whose content encoding claims
	// gzip or deflate but does not decode.
	ErrBadEncoding = httpbody.ErrBadEncoding
	// ErrUnsupportedEncoding is returned for a content encoding this
	// package cannot decode (br, zstd, ...).
	ErrUnsupportedEncoding = httpbody.ErrUnsupportedEncoding
)

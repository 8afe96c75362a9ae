package authz

import "errors"

// Errors NormalizePath returns for a path it refuses to interpret. Each
// wraps ErrBadPath, so callers answer 400 with one errors.Is check.
var (
	// ErrBadPath is wrapped by every path refusal.
	ErrBadPath = errors.New("path refused")

	ErrNotAbsolute     = pathErr("path does not start with /")
	ErrPathTooLong     = pathErr("path too long")
	ErrTooManySegments = pathErr("path has too many segments")
	ErrBadEscape       = pathErr("malformed percent-encoding")
	ErrEncodedSlash    = pathErr("encoded slash or backslash")
	ErrDoubleEncoding  = pathErr("double percent-encoding")
	ErrBackslash       = pathErr("backslash in path")
	ErrControlChar     = pathErr("control character in path")
	ErrMatrixParam     = pathErr("semicolon in path")
	ErrBadUTF8         = pathErr("invalid UTF-8 in path")
	ErrAboveRoot       = pathErr("dot segment above the root")
	ErrFragment        = pathErr("# in request target")

	// ErrBadMethod is a method nginx would have refused: not upper-case
	// A-Z, '_' and '-' (uri.ValidMethod).
	ErrBadMethod = errors.New("method is not upper-case A-Z, _ and -")
	// ErrBadOverride is a method-override header or parameter naming no
	// method, or too many.
	ErrBadOverride = errors.New("method override names no method")
)

type pathError struct{ msg string }

func pathErr(msg string) error { return &pathError{msg} }

func (e *pathError) Error() string        { return e.msg }
func (e *pathError) Is(target error) bool { return target == ErrBadPath }

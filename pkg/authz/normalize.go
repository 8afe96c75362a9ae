package authz

import (
	"strings"
	"unicode/utf8"
)

// Limits on the paths NormalizePath accepts, so hostile input costs
// bounded work.
const (
	// MaxPathLength is the longest path accepted, raw or normalized, in
	// bytes.
	MaxPathLength = 8192
	// MaxSegments is the most segments a normalized path may have.
	MaxSegments = 128
)

// NormalizePath returns the one canonical form of a raw request path (as
// kong.request.get_raw_path returns it) that rules are matched against:
//
//   - percent-encoded unreserved characters (RFC 3986 section 2.3) are
//     decoded, so /%61dmin is /admin; other escapes keep their encoding with
//     upper-case hex digits; bytes that may not appear raw in a path are
//     encoded;
//   - repeated slashes are collapsed and dot segments removed (RFC 3986
//     section 5.2.4), so //admin, /./admin and /x/../admin are /admin;
//   - a trailing slash is kept: whether it matters is the matcher's option.
//
// What a server behind Kong might read differently is refused with an
// error wrapping ErrBadPath rather than guessed: an encoded slash or
// backslash, a raw backslash, a raw # (see uri.HasFragment), double
// encoding (%252F), a malformed escape, a control character, a semicolon
// (path parameters, which Tomcat and Spring strip: /admin;x=y is /admin
// to them), invalid UTF-8 (overlong encodings of /) and a dot segment
// climbing above the root.
//
// This is stricter than Kong's own normalization (kong/tools/uri.lua
// normalize, used by kong.request.get_path), which keeps %2F and accepts
// the rest.
func NormalizePath(raw string) (string, error) {
	if len(raw) > MaxPathLength {
		return "", ErrPathTooLong
	}
	if raw == "" || raw[0] != '/' {
		return "", ErrNotAbsolute
	}
	if isCanonical(raw) {
		return raw, nil
	}
	buf := make([]byte, 0, len(raw)+8)
	var starts [MaxSegments]int
	depth := 0
	trailing := false
	for i := 1; ; {
		j := strings.IndexByte(raw[i:], '/')
		last := j < 0
		if last {
			j = len(raw)
		} else {
			j += i
		}
		start := len(buf)
		buf = append(buf, '/')
		var err error
		if buf, err = appendSegment(buf, raw[i:j]); err != nil {
			return "", err
		}
		switch seg := buf[start+1:]; {
		case len(seg) == 0, len(seg) == 1 && seg[0] == '.':
			buf = buf[:start]
			trailing = true
		case len(seg) == 2 && seg[0] == '.' && seg[1] == '.':
			if depth == 0 {
				return "", ErrAboveRoot
			}
			depth--
			buf = buf[:starts[depth]]
			trailing = true
		default:
			if depth == MaxSegments {
				return "", ErrTooManySegments
			}
			starts[depth] = start
			depth++
			trailing = false
		}
		if last {
			break
		}
		i = j + 1
	}
	if len(buf) == 0 || trailing {
		buf = append(buf, '/')
	}
	if len(buf) > MaxPathLength { // encoding grew it
		return "", ErrPathTooLong
	}
	return string(buf), nil
}

// isCanonical reports whether raw is already in canonical form: only
// characters allowed raw, no empty segment except a trailing one, no
// segment starting with a dot, and not too many segments.
func isCanonical(raw string) bool {
	n := 0
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c == '/' {
			n++
			if i+1 < len(raw) && (raw[i+1] == '/' || raw[i+1] == '.') {
				return false
			}
			continue
		}
		if !rawOK[c] {
			return false
		}
	}
	return n <= MaxSegments
}

// appendSegment appends the canonical form of one raw segment to buf.
func appendSegment(buf []byte, seg string) ([]byte, error) {
	// Decoded bytes >= 0x80 since the last ASCII byte: a run is checked
	// as UTF-8 when it ends, so an overlong or truncated encoding cannot
	// hide behind percent-encoding.
	run := make([]byte, 0, 32)
	flush := func() error {
		if len(run) > 0 && !utf8.Valid(run) {
			return ErrBadUTF8
		}
		run = run[:0]
		return nil
	}
	for k := 0; k < len(seg); k++ {
		c := seg[k]
		switch {
		case c == '%':
			if k+2 >= len(seg) || unhex(seg[k+1]) < 0 || unhex(seg[k+2]) < 0 {
				return buf, ErrBadEscape
			}
			v := byte(unhex(seg[k+1])<<4 | unhex(seg[k+2]))
			k += 2
			switch {
			case v >= 0x80:
				run = append(run, v)
				buf = append(buf, '%', upperHex[v>>4], upperHex[v&15])
				continue
			case v == '/' || v == '\\':
				return buf, ErrEncodedSlash
			case v < 0x20 || v == 0x7f:
				return buf, ErrControlChar
			case v == '%' && hexFollows(seg, k+1):
				return buf, ErrDoubleEncoding
			}
			if err := flush(); err != nil {
				return buf, err
			}
			if unreserved(v) {
				buf = append(buf, v)
			} else {
				buf = append(buf, '%', upperHex[v>>4], upperHex[v&15])
			}
			continue
		case c >= 0x80:
			run = append(run, c)
			buf = append(buf, '%', upperHex[c>>4], upperHex[c&15])
			continue
		case c == '\\':
			return buf, ErrBackslash
		case c == '#':
			return buf, ErrFragment
		case c == ';':
			return buf, ErrMatrixParam
		case c < 0x20 || c == 0x7f:
			return buf, ErrControlChar
		}
		if err := flush(); err != nil {
			return buf, err
		}
		if rawOK[c] {
			buf = append(buf, c)
		} else {
			buf = append(buf, '%', upperHex[c>>4], upperHex[c&15])
		}
	}
	return buf, flush()
}

const upperHex = "0123456789ABCDEF"

func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c - 'a' + 10)
	case 'A' <= c && c <= 'F':
		return int(c - 'A' + 10)
	}
	return -1
}

func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// rawOK marks the bytes a canonical segment holds unencoded: RFC 3986
// pchar without the semicolon (unreserved, the other sub-delims, ':' and
// '@').
var rawOK = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = unreserved(byte(c))
	}
	for _, c := range []byte("!$&'()*+,=:@") {
		t[c] = true
	}
	return t
}()

// lowerASCII lower-cases ASCII letters only. Canonical paths are ASCII
// (everything else is percent-encoded), so this is the whole of case
// folding; Unicode folding (the Kelvin sign is a k) never applies.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// hexFollows reports whether the two characters starting at seg[i] are
// hex digits once decoded: "%2541" and "%25%341" both spell %41 after one
// decoding (the second only after this normalizer decodes %34 to 4).
func hexFollows(seg string, i int) bool {
	for n := 0; n < 2; n++ {
		if i >= len(seg) {
			return false
		}
		c := seg[i]
		i++
		if c == '%' {
			if i+1 >= len(seg) {
				return false
			}
			hi, lo := unhex(seg[i]), unhex(seg[i+1])
			if hi < 0 || lo < 0 {
				return false
			}
			c = byte(hi<<4 | lo)
			i += 2
		}
		if unhex(c) < 0 {
			return false
		}
	}
	return true
}

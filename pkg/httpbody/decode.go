// Package httpbody undoes the Content-Encodings Warden reads through:
// gzip, x-gzip and deflate, with a cap on the decoded size so that a
// decompression bomb costs at most the cap's worth of work.
package httpbody

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Sentinel errors; callers match them with errors.Is.
var (
	// ErrDecodedTooLarge is returned when a body decodes to more than the
	// cap: a possible decompression bomb, refused rather than decoded
	// without bound.
	ErrDecodedTooLarge = errors.New("decoded body exceeds limit")
	// ErrBadEncoding is returned for a body whose content encoding claims
	// gzip or deflate but does not decode.
	ErrBadEncoding = errors.New("body does not decode")
	// ErrUnsupportedEncoding is returned for a content encoding this
	// package cannot decode (br, zstd, a list of several, ...).
	ErrUnsupportedEncoding = errors.New("unsupported content encoding")
)

// Decodable reports whether Decode undoes a Content-Encoding value.
func Decodable(encoding string) bool {
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "", "identity", "gzip", "x-gzip", "deflate":
		return true
	}
	return false
}

// Decode undoes a Content-Encoding of gzip, x-gzip or deflate
// (zlib-wrapped, or raw as some servers send), producing at most max
// bytes: more is ErrDecodedTooLarge after max bytes of work. "identity"
// and "" return body unchanged, whatever its size.
func Decode(body []byte, encoding string, max int) ([]byte, error) {
	enc := strings.ToLower(strings.TrimSpace(encoding))
	var r io.Reader
	switch enc {
	case "", "identity":
		return body, nil
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, fmt.Errorf("%w: gzip: %v", ErrBadEncoding, err)
		}
		r = zr
	case "deflate":
		if zr, err := zlib.NewReader(bytes.NewReader(body)); err == nil {
			r = zr
		} else {
			r = flate.NewReader(bytes.NewReader(body))
		}
	default:
		return nil, fmt.Errorf("%w: %q", ErrUnsupportedEncoding, enc)
	}
	out, err := io.ReadAll(io.LimitReader(r, int64(max)+1))
	if len(out) > max {
		return nil, ErrDecodedTooLarge
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrBadEncoding, enc, err)
	}
	return out, nil
}

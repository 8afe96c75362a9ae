package httpbody

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"io"
	"strings"
	"testing"
)

func compress(t *testing.T, enc string, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w io.WriteCloser
	switch enc {
	case "gzip":
		w = gzip.NewWriter(&buf)
	case "zlib":
		w = zlib.NewWriter(&buf)
	case "raw":
		w, _ = flate.NewWriter(&buf, flate.DefaultCompression)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDecode(t *testing.T) {
	t.Parallel()
	plain := []byte(`{"order":"A-1","items":[1,2,3]}`)
	for _, tc := range []struct {
		name, encoding string
		body           []byte
	}{
		{"none", "", plain},
		{"identity", "Identity", plain},
		{"gzip", "gzip", compress(t, "gzip", plain)},
		{"x-gzip", " X-GZIP ", compress(t, "gzip", plain)},
		{"deflate zlib-wrapped", "deflate", compress(t, "zlib", plain)},
		{"deflate raw", "deflate", compress(t, "raw", plain)},
	} {
		got, err := Decode(tc.body, tc.encoding, 1<<10)
		if err != nil || !bytes.Equal(got, plain) {
			t.Errorf("%s: %q, %v", tc.name, got, err)
		}
		if !Decodable(tc.encoding) {
			t.Errorf("%s: Decodable says no", tc.name)
		}
	}
}

func TestDecodeRefuses(t *testing.T) {
	t.Parallel()
	bomb := compress(t, "gzip", make([]byte, 1<<20))
	if _, err := Decode(bomb, "gzip", 1<<20-1); !errors.Is(err, ErrDecodedTooLarge) {
		t.Errorf("1 MiB of zeros past a cap one byte smaller: %v", err)
	}
	if out, err := Decode(bomb, "gzip", 1<<20); err != nil || len(out) != 1<<20 {
		t.Errorf("exactly at the cap: %d bytes, %v", len(out), err)
	}
	if _, err := Decode([]byte("not gzip"), "gzip", 100); !errors.Is(err, ErrBadEncoding) {
		t.Errorf("garbage as gzip: %v", err)
	}
	trunc := compress(t, "gzip", []byte("hello world"))
	if _, err := Decode(trunc[:len(trunc)-6], "gzip", 100); !errors.Is(err, ErrBadEncoding) {
		t.Errorf("truncated gzip: %v", err)
	}
	for _, enc := range []string{"br", "zstd", "gzip, br"} {
		if Decodable(enc) {
			t.Errorf("Decodable(%q)", enc)
		}
		if _, err := Decode([]byte("x"), enc, 100); !errors.Is(err, ErrUnsupportedEncoding) {
			t.Errorf("%s: %v", enc, err)
		}
	}
}

// FuzzDecode: any bytes under any of the encodings decode to at most the
// cap, or fail with one of the package's errors; nothing panics.
func FuzzDecode(f *testing.F) {
	f.Add([]byte{0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}, "gzip", 16)
	f.Add([]byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01}, "deflate", 16)
	f.Add([]byte("plain"), "identity", 2)
	f.Fuzz(func(t *testing.T, body []byte, encoding string, max int) {
		if max < 0 || max > 1<<16 {
			return
		}
		out, err := Decode(body, encoding, max)
		if err != nil {
			if !errors.Is(err, ErrBadEncoding) && !errors.Is(err, ErrDecodedTooLarge) && !errors.Is(err, ErrUnsupportedEncoding) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if Decodable(encoding) != true {
			t.Fatalf("Decode accepted %q, Decodable refuses it", encoding)
		}
		enc := strings.ToLower(strings.TrimSpace(encoding))
		if enc != "" && enc != "identity" && len(out) > max {
			t.Fatalf("decoded %d bytes past the cap %d", len(out), max)
		}
	})
}

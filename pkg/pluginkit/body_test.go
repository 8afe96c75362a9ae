package pluginkit

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestReadLimited covers bodies nginx spooled to a file, which Kong hands
// over as a path.
func TestReadLimited(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "body")
	body := bytes.Repeat([]byte("a"), 20000)
	if err := os.WriteFile(path, body, 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := readLimited(path, 20000); err != nil || !bytes.Equal(got, body) {
		t.Fatalf("at the limit: %d bytes, %v", len(got), err)
	}
	if _, err := readLimited(path, 19999); !errors.Is(err, ErrBodyTooLarge) {
		t.Fatalf("over the limit: %v, want ErrBodyTooLarge", err)
	}
	if _, err := readLimited(filepath.Join(t.TempDir(), "gone"), 10); err == nil || errors.Is(err, ErrBodyTooLarge) {
		t.Fatalf("missing file: %v", err)
	}
}

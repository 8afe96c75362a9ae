package auth

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/warden-gw/warden/pkg/config"
)

// maxKeysFileBytes bounds an API keys file.
const maxKeysFileBytes = 8 << 20

// apiKeyStore holds the accepted keys by their SHA-256.
type apiKeyStore struct {
	hashes [][32]byte
	keys   []APIKey
}

func newAPIKeyStore(c *APIKeys) (*apiKeyStore, error) {
	keys := append([]APIKey(nil), c.Keys...)
	if c.KeysFile != "" {
		more, err := readKeysFile(c.KeysFile)
		if err != nil {
			return nil, config.Errorf("api_keys.keys_file", "%v", err)
		}
		keys = append(keys, more...)
	}
	if len(keys) > maxAPIKeys {
		return nil, config.Errorf("api_keys", "at most %d keys", maxAPIKeys)
	}
	s := &apiKeyStore{keys: keys, hashes: make([][32]byte, len(keys))}
	for i, k := range keys {
		b, err := hex.DecodeString(k.SHA256)
		if err != nil || len(b) != 32 {
			return nil, config.Errorf(fmt.Sprintf("api_keys.keys[%d].sha256", i), "must be 64 hex digits")
		}
		copy(s.hashes[i][:], b)
	}
	return s, nil
}

// readKeysFile reads a JSON array of APIKey records, refusing unknown
// members, and validates each.
func readKeysFile(path string) ([]APIKey, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening keys file: %w", err)
	}
	defer f.Close()
	var buf bytes.Buffer
	if n, err := buf.ReadFrom(io.LimitReader(f, maxKeysFileBytes+1)); err != nil || n > maxKeysFileBytes {
		return nil, fmt.Errorf("reading keys file: too large or unreadable")
	}
	dec := json.NewDecoder(&buf)
	dec.DisallowUnknownFields()
	var keys []APIKey
	if err := dec.Decode(&keys); err != nil {
		return nil, fmt.Errorf("keys file is not a JSON array of key records")
	}
	var errs config.Errors
	for i := range keys {
		errs.Check(fmt.Sprintf("[%d]", i), keys[i].validate())
	}
	return keys, errs.Err()
}

// lookup finds the key whose hash matches presented. It compares against
// every stored hash in constant time and never stops early, so a known
// and an unknown key cost the same work.
func (s *apiKeyStore) lookup(presented string) (APIKey, bool) {
	h := sha256.Sum256([]byte(presented))
	found := -1
	for i := range s.hashes {
		if subtle.ConstantTimeCompare(h[:], s.hashes[i][:]) == 1 {
			found = i
		}
	}
	if found < 0 {
		return APIKey{}, false
	}
	return s.keys[found], true
}

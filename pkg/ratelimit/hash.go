package ratelimit

import (
	"crypto/sha256"
	"encoding/hex"
)

// hashHex is a short, collision-resistant digest for key names.
func hashHex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:16])
}

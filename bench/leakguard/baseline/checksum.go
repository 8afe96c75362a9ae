package baseline

import (
	"hash/crc32"
	"strings"
)

const base62Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// base62CRC32 encodes the CRC-32 (IEEE) of s in base62, left-padded with
// zeros to six characters: the checksum GitHub appends to its tokens
// ("Behind GitHub's new authentication token formats", github.blog
// 2021-04-05) and npm adopted for npm_ tokens (github.blog 2021-09-23).
func base62CRC32(s string) string {
	n := crc32.ChecksumIEEE([]byte(s))
	var buf [6]byte
	for i := 5; i >= 0; i-- {
		buf[i] = base62Alphabet[n%62]
		n /= 62
	}
	return string(buf[:])
}

// checksumTail checks a token made of a prefix, a 30-character random
// body and the body's six-character base62 CRC-32.
func checksumTail(prefix string) func(string) bool {
	return func(tok string) bool {
		body, ok := strings.CutPrefix(tok, prefix)
		if !ok || len(body) != 36 {
			return false
		}
		return base62CRC32(body[:30]) == body[30:]
	}
}

// githubChecksum validates ghp_/gho_/ghu_/ghs_/ghr_ tokens.
func githubChecksum(tok string) bool {
	if len(tok) < 4 {
		return false
	}
	return checksumTail(tok[:4])(tok)
}

// npmChecksum validates npm_ tokens.
var npmChecksum = checksumTail("npm_")

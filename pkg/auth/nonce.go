package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"time"
)

// nonceSource makes and checks DPoP server nonces (RFC 9449 8) without
// state: a nonce is a time slot and an HMAC of it under a secret every
// node shares, so any node accepts a nonce another node issued, and none
// remembers one. A nonce is good in its slot and the next, so a client
// that just got one is not refused at a slot boundary.
type nonceSource struct {
	secret []byte
	slot   time.Duration
}

// nonceMACBytes is the MAC length kept: 128 bits.
const nonceMACBytes = 16

// nonceLen is the length of an encoded nonce: slot and MAC, base64url.
var nonceLen = base64.RawURLEncoding.EncodedLen(8 + nonceMACBytes)

func newNonceSource(secret string, lifetime time.Duration) *nonceSource {
	return &nonceSource{secret: []byte(secret), slot: lifetime}
}

func (n *nonceSource) slotOf(now time.Time) uint64 { return uint64(now.UnixNano() / int64(n.slot)) }

func (n *nonceSource) mac(slot uint64, dst []byte) []byte {
	m := hmac.New(sha256.New, n.secret)
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], slot)
	m.Write([]byte("warden dpop nonce\x00"))
	m.Write(b[:])
	return m.Sum(dst)[:len(dst)+nonceMACBytes]
}

// current is the nonce to hand out at now.
func (n *nonceSource) current(now time.Time) string {
	var raw [8 + sha256.Size]byte
	s := n.slotOf(now)
	binary.BigEndian.PutUint64(raw[:8], s)
	n.mac(s, raw[8:8])
	return base64.RawURLEncoding.EncodeToString(raw[:8+nonceMACBytes])
}

// check accepts a nonce of the current or the previous slot, whose MAC
// is right (compared in constant time).
func (n *nonceSource) check(nonce string, now time.Time) error {
	if nonce == "" {
		return fmt.Errorf("%w: no nonce", ErrDPoPNonce)
	}
	if len(nonce) != nonceLen {
		return fmt.Errorf("%w: malformed nonce", ErrDPoPNonce)
	}
	raw, err := b64(nonce)
	if err != nil {
		return fmt.Errorf("%w: malformed nonce", ErrDPoPNonce)
	}
	s, cur := binary.BigEndian.Uint64(raw[:8]), n.slotOf(now)
	var buf [sha256.Size]byte
	if !hmac.Equal(raw[8:], n.mac(s, buf[:0])) {
		return fmt.Errorf("%w: nonce not issued here", ErrDPoPNonce)
	}
	if s != cur && s+1 != cur {
		return fmt.Errorf("%w: nonce expired", ErrDPoPNonce)
	}
	return nil
}

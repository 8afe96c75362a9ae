package auth_test

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/warden-gw/warden/pkg/auth"
)

// A backend behind Kong verifies the identity warden-auth forwards in
// X-Warden-Identity instead of trusting whatever reaches it: the
// assertion is signed with the key in the plugin's assertion.private_key,
// and the backend holds only the public half.
func ExampleVerifyAssertion() {
	pub, priv, _ := ed25519.GenerateKey(nil)
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)

	// What warden-auth sends (assertion: {algorithm: EdDSA, audience: orders}).
	t := jwt.NewWithClaims(jwt.SigningMethodEdDSA, auth.AssertionClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: "warden", Subject: "alice", Audience: jwt.ClaimStrings{"orders"},
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(30 * time.Second)),
		},
		Roles: []string{"reader"}, Method: "jwt", Confirmation: "dpop",
	})
	t.Header["typ"] = auth.AssertionType
	header, _ := t.SignedString(priv)

	// What the backend does with the X-Warden-Identity header.
	c, err := auth.VerifyAssertion(header, pub, "warden", "orders", now.Add(time.Second))
	if err != nil {
		fmt.Println("refused:", err)
		return
	}
	fmt.Println(c.Subject, c.Roles, c.Method, c.Confirmation)

	// An assertion made for another backend is refused, as is one too old.
	_, err = auth.VerifyAssertion(header, pub, "warden", "billing", now)
	fmt.Println(errors.Is(err, auth.ErrAssertionInvalid))
	_, err = auth.VerifyAssertion(header, pub, "warden", "orders", now.Add(time.Minute))
	fmt.Println(errors.Is(err, auth.ErrAssertionInvalid))
	// Output:
	// alice [reader] jwt dpop
	// true
	// true
}

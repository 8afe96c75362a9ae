package leakguard

import "encoding/base64"

// Base64-wrapped secrets: a Kubernetes Secret's data, a base64 JSON
// payload, an "Authorization: Basic" value echoed in a body. A run of
// base64 that decodes to printable text is decoded once (never
// recursively) and the decoded text scanned; a secret inside makes the
// whole run the finding, since part of a base64 run cannot be redacted.

// minBase64Run is the shortest run decoded: 20 characters are 15 bytes,
// shorter than any secret format worth decoding for.
const minBase64Run = 20

// wrapped is a secret found inside a base64 run: the match spans the run,
// secret is the decoded secret (for the fingerprint).
type wrapped struct {
	m      Match
	secret []byte
}

// base64Budget bounds the bytes decoded per body, so hostile input made
// of base64 costs at most one more scan of the body.
type base64Budget struct{ left int }

// scanBase64 finds the base64 runs of data, decodes those that decode to
// printable text and scans them with key as their name (for key-value
// rules).
func (g *Guard) scanBase64(budget *base64Budget, scratch *[]byte, key, data []byte, path string) []wrapped {
	if len(data) < minBase64Run {
		return nil
	}
	var out []wrapped
	start, upper, lower := -1, false, false
	for i := 0; i <= len(data); i++ {
		if i < len(data) {
			c := data[i]
			if b64Class[c] != 0 {
				if start < 0 {
					start, upper, lower = i, false, false
				}
				upper = upper || b64Class[c] == b64Upper
				lower = lower || b64Class[c] == b64Lower
				continue
			}
		}
		if start < 0 {
			continue
		}
		end := i
		for pad := 0; pad < 2 && end < len(data) && data[end] == '='; pad++ {
			end++
		}
		run := data[start:end]
		start = -1
		if len(run) < minBase64Run || !upper || !lower || budget.left < len(run) {
			continue
		}
		budget.left -= len(run)
		dec, ok := decodeBase64(run)
		if !ok || !printable(dec) {
			continue
		}
		for _, m := range g.scanField(scratch, key, dec, path) {
			secret := append([]byte(nil), dec[m.Start:m.End]...)
			out = append(out, wrapped{m: Match{Rule: m.Rule, Confidence: m.Confidence, Start: end - len(run), End: end}, secret: secret})
		}
	}
	return out
}

// b64Class classifies the bytes of the standard and URL-safe base64
// alphabets: 0 for others.
var b64Class = func() (t [256]byte) {
	for c := 0; c < 256; c++ {
		switch {
		case c >= 'A' && c <= 'Z':
			t[c] = b64Upper
		case c >= 'a' && c <= 'z':
			t[c] = b64Lower
		case c >= '0' && c <= '9' || c == '+' || c == '/' || c == '-' || c == '_':
			t[c] = b64Other
		}
	}
	return t
}()

const (
	b64Upper = 1 + iota
	b64Lower
	b64Other
)

// withWrapped adds to ms (sorted, from a plain scan of data) the base64
// findings that do not overlap them, keeping the order, and returns the
// decoded secrets by index of the result (nil for plain matches).
func withWrapped(ms []Match, ws []wrapped) ([]Match, [][]byte) {
	if len(ws) == 0 {
		return ms, nil
	}
	out := make([]Match, 0, len(ms)+len(ws))
	secrets := make([][]byte, 0, len(ms)+len(ws))
	i := 0
	for _, w := range ws {
		for i < len(ms) && ms[i].End <= w.m.Start {
			out, secrets = append(out, ms[i]), append(secrets, nil)
			i++
		}
		if len(out) > 0 && out[len(out)-1].End > w.m.Start {
			continue // a finding in the same run is there already
		}
		// The plain matches inside the run give way to a more confident
		// finding in its decoded text.
		j, beaten := i, true
		for ; j < len(ms) && ms[j].Start < w.m.End; j++ {
			beaten = beaten && ms[j].Confidence < w.m.Confidence && ms[j].Start >= w.m.Start && ms[j].End <= w.m.End
		}
		if !beaten {
			continue
		}
		i = j
		out, secrets = append(out, w.m), append(secrets, w.secret)
	}
	for ; i < len(ms); i++ {
		out, secrets = append(out, ms[i]), append(secrets, nil)
	}
	return out, secrets
}

// wholeBase64 reports whether s is one base64 run worth decoding (a JSON
// value such as a Kubernetes Secret's data): it stops at the first byte
// outside the alphabet, so prose costs a few bytes, not a pass.
func wholeBase64(s []byte) bool {
	for len(s) > 0 && s[len(s)-1] == '=' {
		s = s[:len(s)-1]
	}
	if len(s) < minBase64Run {
		return false
	}
	var u, l bool
	for _, c := range s {
		k := b64Class[c]
		if k == 0 {
			return false
		}
		u = u || k == b64Upper
		l = l || k == b64Lower
	}
	return u && l
}

// hasBase64Run reports whether data holds a run worth decoding, so a body
// without any keyword is still walked when it may wrap a secret.
func hasBase64Run(data []byte) bool {
	n, u, l := 0, false, false
	for _, c := range data {
		k := b64Class[c]
		if k == 0 {
			n, u, l = 0, false, false
			continue
		}
		n++
		u = u || k == b64Upper
		l = l || k == b64Lower
		if n >= minBase64Run && u && l {
			return true
		}
	}
	return false
}

// decodeBase64 decodes standard or URL-safe base64, padded or not.
func decodeBase64(s []byte) ([]byte, bool) {
	for len(s) > 0 && s[len(s)-1] == '=' {
		s = s[:len(s)-1]
	}
	enc := base64.RawStdEncoding
	for _, c := range s {
		if c == '-' || c == '_' {
			enc = base64.RawURLEncoding
			break
		}
	}
	dec := make([]byte, enc.DecodedLen(len(s)))
	n, err := enc.Decode(dec, s)
	if err != nil {
		return nil, false
	}
	return dec[:n], true
}

// printable wants printable ASCII and line breaks only.
func printable(b []byte) bool {
	for _, c := range b {
		if (c < 0x20 || c > 0x7e) && c != '\n' && c != '\r' && c != '\t' {
			return false
		}
	}
	return len(b) > 0
}

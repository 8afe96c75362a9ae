package leakguard

import (
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/warden-gw/warden/pkg/leakguard/leaktest"
)

// keyNameRegexes are the regexes of the keyName rules as they were
// written before keyNameMatcher, verbatim: the matcher must find exactly
// what they find.
var keyNameRegexes = map[string]string{
	"keyed-secret": kv(`[a-z0-9_.\-]{0,32}(?:password|passwd|secret|api[_\-]?key|access[_\-]?key|token|private[_\-]?key|client[_\-]?secret)[a-z0-9_.\-]{0,16}`,
		`[A-Za-z0-9_\-+/=.~]{16,128}`) + `(?:[^A-Za-z0-9_\-+/=.~]|$)`,
	"generic-secret-assignment": kv(`[a-z0-9_.\-]{0,32}(?:password|passwd|passphrase|secret|api[_\-]?key|access[_\-]?key|auth[_\-]?token|private[_\-]?key|client[_\-]?secret)[a-z0-9_.\-]{0,16}`,
		`[A-Za-z0-9_\-+/=.~!@#$%^&*]{10,128}`) + `(?:[^A-Za-z0-9_\-+/=.~!@#$%^&*]|$)`,
}

// keyNamePair is one keyName rule's matcher and its original regex.
type keyNamePair struct {
	id string
	m  *keyNameMatcher
	re *regexp.Regexp
}

func keyNamePairs(t testing.TB) []keyNamePair {
	t.Helper()
	s := builtinScanner(t)
	var out []keyNamePair
	for _, r := range s.rules {
		if r.keyName == nil {
			continue
		}
		old, ok := keyNameRegexes[r.ID]
		if !ok {
			t.Fatalf("rule %s: no original regex to compare with", r.ID)
		}
		if r.Regex != old {
			t.Fatalf("rule %s: regex\n%s\nwas\n%s", r.ID, r.Regex, old)
		}
		if r.names == nil {
			t.Fatalf("rule %s: no matcher", r.ID)
		}
		out = append(out, keyNamePair{r.ID, r.names, regexp.MustCompile(old)})
	}
	if len(out) != len(keyNameRegexes) {
		t.Fatalf("%d keyName rules, want %d", len(out), len(keyNameRegexes))
	}
	return out
}

// sameMatches fails t unless every pair's matcher finds in data what its
// regex finds.
func sameMatches(t *testing.T, pairs []keyNamePair, data []byte) {
	t.Helper()
	for _, p := range pairs {
		want := p.re.FindAllSubmatchIndex(data, -1)
		got := p.m.findAll(data)
		if !slices.EqualFunc(got, want, slices.Equal) {
			t.Fatalf("%s on %q:\nmatcher %v\nregex   %v", p.id, data, got, want)
		}
	}
}

// TestKeyNameChars: nameLen accepts exactly the runes of the regex's
// name class, whole.
func TestKeyNameChars(t *testing.T) {
	class := regexp.MustCompile(`^(?i:[a-z0-9_.\-])$`)
	for r := rune(0); r <= utf8.MaxRune; r++ {
		b := utf8.AppendRune(nil, r)
		want := 0
		if class.Match(b) {
			want = len(b)
		}
		if got := nameLen(b, 0); got != want {
			t.Fatalf("%U: nameLen %d, want %d", r, got, want)
		}
	}
}

func TestKeyNameMatches(t *testing.T) {
	pairs := keyNamePairs(t)
	v := "Zx9qT4mLp2Wv8Rb6"
	for _, tc := range []struct{ name, in string }{
		{"plain", "token=" + v},
		{"json", `{"client_secret": "` + v + `"}`},
		{"long name", strings.Repeat("a", 40) + "password=" + v},
		{"name after word", "password_" + strings.Repeat("b", 16) + "=" + v + " x"},
		{"name after word too long", "password_" + strings.Repeat("b", 17) + "=" + v},
		{"second word in range", "password_" + strings.Repeat("b", 20) + "token=" + v},
		{"arrow", "token => '" + v + "'"},
		{"colon equals", "token:=" + v},
		{"colon equals long", "token:=" + v + strings.Repeat("c", 112)},
		{"value attribute", `<input name="api_key" value="` + v + `">`},
		{"content attribute", `<meta name='secret'   content='` + v + `'>`},
		{"value too long", "token=" + strings.Repeat(v, 9)},
		{"value at end", "secret: " + v},
		{"folded s and k", "ſecret=" + v + "ſtoKen=" + v + "\xe2\x84"},
		{"invalid utf-8 end", "token=" + v + "\xff\xc5token=" + v},
		{"floods", strings.Repeat("password_password_password_ ", 20) + strings.Repeat("token ", 30) + "token=" + v},
	} {
		t.Run(tc.name, func(t *testing.T) { sameMatches(t, pairs, []byte(tc.in)) })
	}
}

// keyNamePieces build random inputs: parts of names and words, every
// separator, quotes, value bytes and the runes that fold to s and k.
var keyNamePieces = []string{
	"password", "passwd", "passphrase", "secret", "api", "key", "access", "token", "auth", "private", "client",
	"PASS", "Secret", "toKen", "ſecret", "\xe2\x84\xaa", "\xc5\xbf", "\xc5", "\xe2\x84", "\xbf", "\xaa", "é", "\xff",
	"_", "-", ".", "~", "+", "/", "!", "@", "#", "$", "%", "^", "&", "*", "=", ":", "=>", ":=", ">",
	" ", "\t", "\n", "\f", "\v", "\"", "'", "value=", "content=", " value=\"", "' content='", ",", ";", "{", "}",
}

func randomKeyNameInput(r *rand.Rand) []byte {
	const value = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-+/=.~!@"
	var b []byte
	for n := r.IntN(40); n > 0; n-- {
		switch r.IntN(6) {
		case 0: // a value run around the length limits
			for k := []int{9, 10, 11, 15, 16, 17, 127, 128, 129, r.IntN(140)}[r.IntN(10)]; k > 0; k-- {
				b = append(b, value[r.IntN(len(value))])
			}
		case 1: // a name run around the length limits
			for k := []int{15, 16, 17, 31, 32, 33, r.IntN(40)}[r.IntN(7)]; k > 0; k-- {
				b = append(b, "abcXYZ09_.-"[r.IntN(11)])
			}
		default:
			b = append(b, keyNamePieces[r.IntN(len(keyNamePieces))]...)
		}
	}
	return b
}

func TestKeyNameRandom(t *testing.T) {
	pairs := keyNamePairs(t)
	r := rand.New(rand.NewPCG(1, 2))
	n := 20000
	if testing.Short() {
		n = 2000
	}
	for range n {
		sameMatches(t, pairs, randomKeyNameInput(r))
	}
}

// TestKeyNameCorpus compares on the corpus, the dense text, JSON bodies,
// the hostile bodies, and on every window Scan gives the rules in them.
func TestKeyNameCorpus(t *testing.T) {
	pairs := keyNamePairs(t)
	s := builtinScanner(t)
	g := newGen(7)
	var inputs [][]byte
	for _, p := range positives(g) {
		inputs = append(inputs, []byte(p.Text))
	}
	for _, n := range negatives(g) {
		inputs = append(inputs, []byte(n))
	}
	dense, _ := leaktest.Dense(64 << 10)
	inputs = append(inputs, dense, jsonBody(64<<10, 8))
	for _, body := range hostileBodies(s) {
		inputs = append(inputs, body[:64<<10])
	}
	for _, in := range inputs {
		sameMatches(t, pairs, in)
		wins := s.windows(in)
		for ri, r := range s.rules {
			if k := wins[int32(ri)]; r.names != nil && k != nil {
				for i := range k.list {
					w := &k.list[i]
					sameMatches(t, pairs, in[w.start:w.extEnd(in)])
				}
			}
		}
	}
}

// FuzzKeyName: the matchers find what the original regexes find.
func FuzzKeyName(f *testing.F) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 50 {
		f.Add(randomKeyNameInput(r))
	}
	f.Add([]byte(`{"client_secret": "Zx9qT4mLp2Wv8Rb6", "token":"x"}`))
	f.Add([]byte(`<input name="api_key" value="Zx9qT4mLp2Wv8Rb6">`))
	pairs := keyNamePairs(f)
	f.Fuzz(func(t *testing.T, data []byte) { sameMatches(t, pairs, data) })
}

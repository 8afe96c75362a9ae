package validator

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func testLimits() Limits {
	return Limits{
		MaxBytes: 1 << 20, MaxDepth: 4, MaxArrayLength: 3, MaxObjectEntries: 3,
		MaxKeyLength: 4, MaxStringLength: 5, MaxNumberLength: 6, MaxValues: 9,
	}
}

func TestLimitsBoundaries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		doc  string
		code string // "" = accepted
	}{
		{"depth at limit", `[[[[1]]]]`, ""},
		{"depth over", `[[[[[1]]]]]`, CodeJSONTooDeep},
		{"object depth over", `{"a":{"a":{"a":{"a":{}}}}}`, CodeJSONTooDeep},
		{"array at limit", `[1,2,3]`, ""},
		{"array over", `[1,2,3,4]`, CodeJSONArrayTooLong},
		{"entries at limit", `{"a":1,"b":2,"c":3}`, ""},
		{"entries over", `{"a":1,"b":2,"c":3,"d":4}`, CodeJSONTooManyEntries},
		{"key at limit", `{"abcd":1}`, ""},
		{"key over", `{"abcde":1}`, CodeJSONKeyTooLong},
		{"key counts characters", `{"ééé€":1}`, ""},
		{"key escape counts one", `{"\u0061bcd":1}`, ""},
		{"string at limit", `"abcde"`, ""},
		{"string over", `"abcdef"`, CodeJSONStringTooLong},
		{"string characters not bytes", `"ééééé"`, ""},
		{"string escapes count one", `"\n\t\u00e9\"\\"`, ""},
		{"surrogate pair is one", `"\ud83d\ude00abcd"`, ""},
		{"number at limit", `-12345`, ""},
		{"number over", `-123456`, CodeJSONNumberTooLong},
		{"exponent at limit", `1e400`, ""},
		{"exponent over", `1e401`, CodeJSONNumberTooLong},
		{"negative exponent over", `1e-401`, CodeJSONNumberTooLong},
		{"duplicate key", `{"a":1,"a":2}`, CodeJSONDuplicateKey},
		{"duplicate key escaped", `{"a":1,"\u0061":2}`, CodeJSONDuplicateKey},
		{"same key in siblings", `[{"a":1},{"a":2}]`, ""},
		{"same key nested", `{"a":{"a":1}}`, ""},
		{"invalid utf8 in string", "\"\xff\"", CodeJSONInvalidUTF8},
		{"invalid utf8 in key", "{\"\xc3\":1}", CodeJSONInvalidUTF8},
		{"overlong utf8", "\"\xc0\xaf\"", CodeJSONInvalidUTF8},
		{"lone high surrogate", `"\ud800"`, CodeJSONInvalidUTF8},
		{"lone low surrogate", `"\udc00"`, CodeJSONInvalidUTF8},
		{"high then non-low", `"\ud800\u0041"`, CodeJSONInvalidUTF8},
		{"trailing data", `{} {}`, CodeJSONSyntax},
		{"trailing comma", `[1,]`, CodeJSONSyntax},
		{"leading zero", `01`, CodeJSONSyntax},
		{"bare minus", `-`, CodeJSONSyntax},
		{"control char", "\"a\x01\"", CodeJSONSyntax},
		{"bad escape", `"\x"`, CodeJSONSyntax},
		{"unterminated", `"abc`, CodeJSONSyntax},
		{"empty", ``, CodeJSONSyntax},
		{"whitespace around", " \t\n{\"a\" : [ true , false , null ] }\r\n", ""},
		{"values at limit", `[[1,2,3],[4,5],6]`, ""},
		{"values over", `[[1,2,3],[4,5],[6]]`, CodeJSONTooManyValues},
		{"object values at limit", `{"a":[1,2],"b":[3,4],"c":{"d":5}}`, ""},
		{"object values over", `{"a":[1,2],"b":[3,4],"c":{"d":5,"e":6}}`, CodeJSONTooManyValues},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			lim := testLimits()
			for mode, err := range map[string]error{
				"check":  lim.CheckJSON([]byte(tt.doc)),
				"decode": func() error { _, err := lim.DecodeJSON([]byte(tt.doc)); return err }(),
			} {
				var te *ThreatError
				switch {
				case tt.code == "" && err != nil:
					t.Errorf("%s: want accepted, got %v", mode, err)
				case tt.code != "" && !errors.As(err, &te):
					t.Errorf("%s: want %s, got %v", mode, tt.code, err)
				case tt.code != "" && te.Code != tt.code:
					t.Errorf("%s: want %s, got %s", mode, tt.code, te.Code)
				}
			}
		})
	}
}

func TestLimitsTotalSize(t *testing.T) {
	t.Parallel()
	lim := testLimits()
	lim.MaxBytes = 7
	if err := lim.CheckJSON([]byte(`"abcde"`)); err != nil {
		t.Fatalf("7 bytes at limit 7: %v", err)
	}
	var te *ThreatError
	if err := lim.CheckJSON([]byte(`"abcde" `)); !errors.As(err, &te) || te.Code != CodeJSONTooLarge {
		t.Fatalf("8 bytes at limit 7: got %v", err)
	}
}

func TestLimitsDuplicateKeysLargeObject(t *testing.T) {
	t.Parallel()
	lim := DefaultLimits()
	var b strings.Builder
	b.WriteString("{")
	for i := range 100 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"k` + strings.Repeat("x", i) + `":1`)
	}
	ok := b.String() + "}"
	if err := lim.CheckJSON([]byte(ok)); err != nil {
		t.Fatalf("100 distinct keys: %v", err)
	}
	for _, dupAt := range []string{`"k":2`, `"k` + strings.Repeat("x", 99) + `":2`} {
		doc := b.String() + "," + dupAt + "}"
		var te *ThreatError
		if err := lim.CheckJSON([]byte(doc)); !errors.As(err, &te) || te.Code != CodeJSONDuplicateKey {
			t.Errorf("duplicate %s after 100 keys: got %v", dupAt, err)
		}
	}
	lim.AllowDuplicateKeys = true
	if err := lim.CheckJSON([]byte(`{"a":1,"a":2}`)); err != nil {
		t.Errorf("AllowDuplicateKeys: %v", err)
	}
}

func TestDecodeMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	docs := []string{
		`{"order":{"id":"o-1","items":[{"sku":"A1","quantity":2,"price":10.5}],"note":"caf\u00e9 \"x\"\n","gift":false,"coupon":null}}`,
		`[1,-0.5,1e3,2E-2,"\ud83d\ude00",{},[],"\/"]`,
		`"plain"`, `0`, `true`, `null`,
	}
	lim := DefaultLimits()
	for _, doc := range docs {
		got, err := lim.DecodeJSON([]byte(doc))
		if err != nil {
			t.Fatalf("%s: %v", doc, err)
		}
		want := stdDecode(t, []byte(doc))
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %#v\nwant %#v", doc, got, want)
		}
	}
}

func stdDecode(t testing.TB, b []byte) any {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("encoding/json: %v", err)
	}
	return v
}

func TestCheckJSONAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	doc := []byte(orderJSON)
	lim := DefaultLimits()
	if n := testing.AllocsPerRun(100, func() { _ = lim.CheckJSON(doc) }); n > 0 {
		t.Errorf("CheckJSON allocates %v times per document", n)
	}
}

// FuzzThreatScanner checks the scanner against encoding/json: whatever it
// accepts, encoding/json accepts and decodes to the same value; with
// generous limits it accepts every valid document encoding/json accepts,
// except the ones it refuses on purpose (duplicate keys, lone surrogates).
// Check and Decode always agree.
func FuzzThreatScanner(f *testing.F) {
	for _, s := range []string{orderJSON, `{"a":[1,2,{"b":"\u00e9"}]}`, `[]`, `"\ud800"`, `{"a":1,"a":2}`, "\"\xff\"", `1e400`, `[[[[[[]]]]]]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		lim := Limits{MaxBytes: 1 << 20, MaxDepth: 64, MaxArrayLength: 1 << 20, MaxObjectEntries: 1 << 20,
			MaxKeyLength: 1 << 20, MaxStringLength: 1 << 20, MaxNumberLength: 1 << 20}
		checkErr := lim.CheckJSON(b)
		v, decErr := lim.DecodeJSON(b)
		if (checkErr == nil) != (decErr == nil) {
			t.Fatalf("check %v, decode %v", checkErr, decErr)
		}
		var te *ThreatError
		if checkErr != nil && !errors.As(checkErr, &te) {
			t.Fatalf("error is not a ThreatError: %v", checkErr)
		}
		if checkErr != nil && decErr != nil && checkErr.(*ThreatError).Code != decErr.(*ThreatError).Code {
			t.Fatalf("check %v, decode %v", checkErr, decErr)
		}
		valid := json.Valid(b) && utf8.Valid(b)
		if checkErr == nil {
			if !valid {
				t.Fatalf("accepted what encoding/json refuses: %q", b)
			}
			if want := stdDecode(t, b); !reflect.DeepEqual(v, want) {
				t.Fatalf("decode differs:\n got %#v\nwant %#v", v, want)
			}
			return
		}
		if valid {
			switch te.Code {
			case CodeJSONDuplicateKey, CodeJSONInvalidUTF8, CodeJSONTooDeep, CodeJSONNumberTooLong:
			default:
				t.Fatalf("refused a valid document with %v: %q", checkErr, b)
			}
		}
	})
}

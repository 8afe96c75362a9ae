package auth

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// decodeClaims is parseCompact's claims decoding, for tests.
func decodeClaims(b []byte) (map[string]any, error) {
	out := map[string]any{}
	err := decodeObject(b, func(name string, v any) error {
		out[name] = v
		return nil
	})
	return out, err
}

// stdClaims is the reference: encoding/json into map[string]any, plus a
// duplicate scan with its Token API (what parseCompact used to do).
func stdClaims(b []byte) (map[string]any, error) {
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, errInvalidJSON
	}
	if len(bytes.TrimLeft(b[dec.InputOffset():], " \t\r\n")) > 0 {
		return nil, errInvalidJSON // trailing data (dec.More misses "{}}")
	}
	dec = json.NewDecoder(bytes.NewReader(b))
	_, _ = dec.Token()
	seen := map[string]bool{}
	for dec.More() {
		t, _ := dec.Token()
		k := t.(string)
		if seen[k] {
			return nil, errDuplicateKey
		}
		seen[k] = true
		var skip json.RawMessage
		_ = dec.Decode(&skip)
	}
	return m, nil
}

var jsonCases = []struct {
	name string
	in   string
	err  error // nil: decodes like encoding/json
}{
	{"claims", `{"iss":"https://idp","sub":"alice","aud":["orders","admin"],"exp":1900000600,"iat":1.5e9,"scope":"a b","roles":[],"n":null,"t":true,"f":false}`, nil},
	{"whitespace", " \t\r\n{ \"a\" : [ \"x\" , \"y\" ] , \"b\" : { \"c\" : [1, {\"d\":\"}\"}] } }\n", nil},
	{"empty", `{}`, nil},
	{"empty with space", `{ }`, nil},
	{"escapes", `{"a\"b":"c\\d\u00e9\ud83d\ude00","e":"\/"}`, nil},
	{"invalid utf8 repaired", "{\"a\":\"\xff\",\"b\":[\"\xfe\"]}", nil},
	{"numbers", `{"a":-1,"b":0.5,"c":1e3,"d":123456789012345678901234567890,"e":-0}`, nil},
	{"mixed array", `{"a":["x",1,null,["y"],"\u0041"]}`, nil},
	{"nested duplicate is not top level", `{"a":{"x":1,"x":2}}`, nil},
	{"duplicate", `{"alg":"RS256","alg":"none"}`, errDuplicateKey},
	{"escaped duplicate", `{"alg":"RS256","\u0061lg":"none"}`, errDuplicateKey},
	{"repaired duplicate", "{\"\xff\":1,\"\xfe\":2}", errDuplicateKey},
	{"many members then duplicate", `{"a1":1,"a2":1,"a3":1,"a4":1,"a5":1,"a6":1,"a7":1,"a8":1,"a9":1,"a10":1,"a11":1,"a12":1,"a13":1,"a14":1,"a15":1,"a16":1,"a17":1,"a5":2}`, errDuplicateKey},
	{"many members", `{"a1":1,"a2":1,"a3":1,"a4":1,"a5":1,"a6":1,"a7":1,"a8":1,"a9":1,"a10":1,"a11":1,"a12":1,"a13":1,"a14":1,"a15":1,"a16":1,"a17":1}`, nil},
	{"trailing data", `{"a":1}x`, errInvalidJSON},
	{"two objects", `{"a":1}{"b":2}`, errInvalidJSON},
	{"stray close", `{"a":1}}`, errInvalidJSON},
	{"trailing comma", `{"a":1,}`, errInvalidJSON},
	{"array", `["a"]`, errNotObject},
	{"string", `"a"`, errNotObject},
	{"empty input", ``, errInvalidJSON},
	{"number out of range", `{"exp":1e999}`, errInvalidJSON},
	{"control character", "{\"a\":\"\x01\"}", errInvalidJSON},
	{"single quotes", `{'a':1}`, errInvalidJSON},
	{"deep nesting", `{"a":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`, errInvalidJSON},
}

func TestWalkObjectMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	for _, tt := range jsonCases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := decodeClaims([]byte(tt.in))
			if !errors.Is(err, tt.err) {
				t.Fatalf("error %v, want %v", err, tt.err)
			}
			want, stdErr := stdClaims([]byte(tt.in))
			if (stdErr == nil) != (tt.err == nil) {
				t.Fatalf("encoding/json reference: error %v, case says %v", stdErr, tt.err)
			}
			if err == nil && !reflect.DeepEqual(got, want) {
				t.Errorf("decoded %#v\nencoding/json %#v", got, want)
			}
		})
	}
}

func TestHeaderMembers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want header
		err  bool
	}{
		{"plain", `{"alg":"RS256","kid":"k1","typ":"at+jwt"}`, header{Alg: "RS256", Kid: "k1", Typ: "at+jwt"}, false},
		{"names are case sensitive", `{"ALG":"none","alg":"ES256"}`, header{Alg: "ES256"}, false},
		{"escaped alg", `{"alg":"\u0052S256"}`, header{Alg: "RS256"}, false},
		{"embedded keys noted", `{"alg":"RS256","jku":null,"jwk":{},"x5u":"u","x5c":[],"crit":["b64"],"b64":false}`,
			header{Alg: "RS256", JKU: true, JWK: true, X5U: true, X5C: true, Crit: true, B64: true}, false},
		{"alg not a string", `{"alg":256}`, header{}, true},
		{"alg null", `{"alg":null}`, header{}, true},
		{"kid not a string", `{"alg":"RS256","kid":["a"]}`, header{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var h header
			err := walkObject([]byte(tt.in), h.member)
			if (err != nil) != tt.err {
				t.Fatalf("error %v, want error %v", err, tt.err)
			}
			if err == nil && h != tt.want {
				t.Errorf("header %+v, want %+v", h, tt.want)
			}
		})
	}
}

// FuzzWalkObject: on any input, the claims decoder agrees with
// encoding/json (plus a duplicate-member scan): same acceptance, same
// values.
func FuzzWalkObject(f *testing.F) {
	for _, tt := range jsonCases {
		if len(tt.in) < 1000 {
			f.Add([]byte(tt.in))
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := decodeClaims(b)
		want, stdErr := stdClaims(b)
		if (err == nil) != (stdErr == nil) {
			t.Fatalf("%q: walker error %v, encoding/json error %v", b, err, stdErr)
		}
		if err == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: walker %#v, encoding/json %#v", b, got, want)
		}
	})
}

package jsonscan

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// code returns err's Code, "" for nil, and fails the test for an error
// that is not an *Error.
func code(t testing.TB, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is not an *Error", err)
	}
	return e.Code
}

func TestCheckModes(t *testing.T) {
	t.Parallel()
	strict := New(Options{StrictUTF8: true, RefuseDuplicateKeys: true})
	lenient := New(Options{})
	tests := []struct {
		name            string
		doc             string
		strict, lenient string // want codes, "" = accepted
	}{
		{"object", `{"a":[1,"b",true,false,null,{}]}`, "", ""},
		{"invalid utf8", "\"\xff\"", CodeInvalidUTF8, ""},
		{"invalid utf8 in key", "{\"\xc3\":1}", CodeInvalidUTF8, ""},
		{"lone high surrogate", `"\ud800"`, CodeInvalidUTF8, ""},
		{"lone low surrogate", `"\udc00"`, CodeInvalidUTF8, ""},
		{"high then non-low", `"\ud800\u0041"`, CodeInvalidUTF8, ""},
		{"high then bad hex", `"\ud800\u00zz"`, CodeSyntax, CodeSyntax},
		{"duplicate", `{"a":1,"\u0061":2}`, CodeDuplicateKey, ""},
		{"nested duplicate", `[{"a":{"b":1,"b":2}}]`, CodeDuplicateKey, ""},
		{"trailing data", `{} {}`, CodeSyntax, CodeSyntax},
		{"trailing comma", `[1,]`, CodeSyntax, CodeSyntax},
		{"leading zero", `01`, CodeSyntax, CodeSyntax},
		{"control character", "\"a\x01\"", CodeSyntax, CodeSyntax},
		{"bad escape", `"\x"`, CodeSyntax, CodeSyntax},
		{"unterminated", `"abc`, CodeSyntax, CodeSyntax},
		{"truncated literal", `tru`, CodeSyntax, CodeSyntax},
		{"empty", ``, CodeSyntax, CodeSyntax},
		{"huge exponent, no limit", `1e99999`, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := code(t, strict.Check([]byte(tt.doc))); got != tt.strict {
				t.Errorf("strict: %q, want %q", got, tt.strict)
			}
			if got := code(t, lenient.Check([]byte(tt.doc))); got != tt.lenient {
				t.Errorf("lenient: %q, want %q", got, tt.lenient)
			}
			if valid := json.Valid([]byte(tt.doc)); valid != (tt.lenient == "") {
				t.Errorf("encoding/json says valid=%v; the case is wrong", valid)
			}
		})
	}
}

func TestZeroLimits(t *testing.T) {
	t.Parallel()
	long := `{"` + strings.Repeat("k", 5000) + `":["` + strings.Repeat("s", 100000) + `",` + strings.Repeat("1", 2000) + `,1e999999]}`
	o := New(Options{})
	if err := o.Check([]byte(long)); err != nil {
		t.Errorf("zero limits refused a long document: %v", err)
	}
	deep := func(n int) []byte { return []byte(strings.Repeat("[", n) + strings.Repeat("]", n)) }
	if err := o.Check(deep(DefaultMaxDepth)); err != nil {
		t.Errorf("depth %d: %v", DefaultMaxDepth, err)
	}
	if got := code(t, o.Check(deep(DefaultMaxDepth+1))); got != CodeTooDeep {
		t.Errorf("depth %d: %q, want %q", DefaultMaxDepth+1, got, CodeTooDeep)
	}
	if json.Valid(deep(DefaultMaxDepth+1)) || !json.Valid(deep(DefaultMaxDepth)) {
		t.Errorf("encoding/json's depth bound is not %d", DefaultMaxDepth)
	}
}

func TestErrorPlace(t *testing.T) {
	t.Parallel()
	o := New(Options{MaxBytes: 100, MaxStringLength: 3, RefuseDuplicateKeys: true})
	tests := []struct {
		doc  string
		want Error
	}{
		{`{"a":1,"a":2}`, Error{Code: CodeDuplicateKey, Offset: 7}},
		{`["abcd"]`, Error{Code: CodeStringTooLong, Offset: 1, Limit: 3}},
		{`[1,x]`, Error{Code: CodeSyntax, Offset: 3}},
		{strings.Repeat(" ", 101), Error{Code: CodeTooLarge, Offset: 100, Limit: 100}},
	}
	for _, tt := range tests {
		var e *Error
		if err := o.Check([]byte(tt.doc)); !errors.As(err, &e) || *e != tt.want {
			t.Errorf("%q: %v, want %v", tt.doc, err, &tt.want)
		}
	}
	if got, want := (&Error{Code: CodeTooDeep, Offset: 3, Limit: 2}).Error(), "json_too_deep at byte 3 (limit 2)"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

// TestDecodeMatchesEncodingJSON: Decode builds what json.Unmarshal builds
// into an interface value; without Float64 the same, numbers as their
// literal's json.Number.
func TestDecodeMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	docs := []string{
		`{"order":{"id":"o-1","items":[{"sku":"A1","quantity":2,"price":10.5}],"note":"caf\u00e9 \"x\"\n","gift":false,"coupon":null}}`,
		`[1,-0,-0.5,1e3,2E-2,123456789012345,1234567890123456789,"\ud83d\ude00",{},[],"\/"]`,
		"[\"\xff\xfe\",\"a\\n\xff\",\"\\ud800\\u0041\",\"\\udc00\",\"\\ud800\"]",
		`{"a":1,"a":2,"b":{"c":[true,null]}}`,
		`"plain"`, `0`, `true`, `null`,
	}
	floats, numbers := New(Options{Float64: true}), New(Options{})
	for _, doc := range docs {
		var want any
		if err := json.Unmarshal([]byte(doc), &want); err != nil {
			t.Fatalf("encoding/json: %v", err)
		}
		got, err := floats.Decode([]byte(doc))
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s, Float64:\n got %#v, %v\nwant %#v", doc, got, err, want)
		}
		got, err = numbers.Decode([]byte(doc))
		if err != nil || !reflect.DeepEqual(asFloats(t, got), want) {
			t.Errorf("%s:\n got %#v, %v\nwant %#v with json.Number", doc, got, err, want)
		}
	}
	if got, _ := numbers.Decode([]byte(`[1e3,-0.50]`)); !reflect.DeepEqual(got, []any{json.Number("1e3"), json.Number("-0.50")}) {
		t.Errorf("numbers %#v, want their literals", got)
	}
	if _, err := floats.Decode([]byte(`[1e999]`)); code(t, err) != CodeNumberTooLong {
		t.Errorf("float out of range: %v, want %s", err, CodeNumberTooLong)
	}
}

// asFloats is v with each json.Number as its float64.
func asFloats(t *testing.T, v any) any {
	switch v := v.(type) {
	case json.Number:
		f, err := v.Float64()
		if err != nil {
			t.Fatalf("json.Number %q: %v", v, err)
		}
		return f
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = asFloats(t, e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = asFloats(t, e)
		}
		return out
	}
	return v
}

func TestMembers(t *testing.T) {
	t.Parallel()
	type member struct{ name, raw string }
	errStop := errors.New("stop")
	tests := []struct {
		name string
		doc  string
		want []member
		code string // "" = no *Error
		stop bool   // fn stops at the second member
	}{
		{"members", ` {"a" : [1, {"b":2}] , "c\u0064":"x", "e":{"a":1,"a":2}} `, []member{{"a", `[1, {"b":2}]`}, {"cd", `"x"`}, {"e", `{"a":1,"a":2}`}}, "", false},
		{"empty", `{}`, nil, "", false},
		{"not an object", `["a"]`, nil, CodeNotObject, false},
		{"duplicate", `{"a":1,"b":2,"\u0061":3}`, []member{{"a", "1"}, {"b", "2"}}, CodeDuplicateKey, false},
		{"repaired duplicate", "{\"\xff\":1,\"\xfe\":2}", []member{{"\uFFFD", "1"}}, CodeDuplicateKey, false},
		{"syntax error after a duplicate", `{"a":1,"a":2,}`, nil, CodeSyntax, false},
		{"fn error first", `{"a":1,"b":2,"a":3}`, []member{{"a", "1"}, {"b", "2"}}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got []member
			o := New(Options{})
			err := o.Members([]byte(tt.doc), func(name string, raw []byte) error {
				got = append(got, member{name, string(raw)})
				if tt.stop && len(got) == 2 {
					return errStop
				}
				return nil
			})
			if tt.stop != errors.Is(err, errStop) {
				t.Errorf("error %v, want fn's: %v", err, tt.stop)
			}
			if c := code(t, func() error {
				if tt.stop {
					return nil
				}
				return err
			}()); c != tt.code {
				t.Errorf("code %q, want %q", c, tt.code)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("members %q, want %q", got, tt.want)
			}
		})
	}
}

func TestMemberValues(t *testing.T) {
	t.Parallel()
	o := New(Options{Float64: true})
	type member struct {
		name string
		v    any
	}
	tests := []struct {
		name string
		doc  string
		want []member
		code string
	}{
		{"values", `{"a":[1,"x"],"b":{"c":null,"c":true},"d":-2.5}`, []member{{"a", []any{1.0, "x"}}, {"b", map[string]any{"c": true}}, {"d", -2.5}}, ""},
		{"float out of range in its turn", `{"a":1,"b":[1e999],"a":2}`, []member{{"a", 1.0}}, CodeNumberTooLong},
		{"duplicate before a bad float", `{"a":1,"a":1e999}`, []member{{"a", 1.0}}, CodeDuplicateKey},
		{"not an object", `[1]`, nil, CodeNotObject},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got []member
			err := o.MemberValues([]byte(tt.doc), func(name string, v any) error {
				got = append(got, member{name, v})
				return nil
			})
			if c := code(t, err); c != tt.code {
				t.Errorf("code %q, want %q", c, tt.code)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("members %v, want %v", got, tt.want)
			}
		})
	}
}

func TestMembersManyNames(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("{")
	for i := range 100 {
		b.WriteString(`"k` + strings.Repeat("x", i) + `":1,`)
	}
	o := New(Options{})
	for _, tail := range []string{`"k":2}`, `"k` + strings.Repeat("x", 99) + `":2}`} {
		err := o.Members([]byte(b.String()+tail), func(string, []byte) error { return nil })
		if code(t, err) != CodeDuplicateKey {
			t.Errorf("duplicate %s after 100 names: %v", tail, err)
		}
	}
	n := 0
	if err := o.Members([]byte(b.String()+`"y":2}`), func(string, []byte) error { n++; return nil }); err != nil || n != 101 {
		t.Errorf("101 distinct names: %d seen, %v", n, err)
	}
}

func TestUnquote(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw, want string
		err       bool
	}{
		{`"abc"`, "abc", false},
		{`""`, "", false},
		{`"caf\u00e9 \"\/\\\b\f\n\r\t"`, "café \"/\\\b\f\n\r\t", false},
		{`"\ud83d\ude00"`, "😀", false},
		{`"\ud800x"`, "\uFFFDx", false},
		{"\"\xffé\"", "\uFFFDé", false},
		{`"a" `, "", true},
		{`"a`, "", true},
		{`a`, "", true},
		{``, "", true},
		{`"a"b"`, "", true},
	}
	for _, tt := range tests {
		got, err := Unquote([]byte(tt.raw))
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("Unquote(%q) = %q, %v; want %q, error %v", tt.raw, got, err, tt.want, tt.err)
		}
		if !tt.err {
			var want string
			if err := json.Unmarshal([]byte(tt.raw), &want); err != nil || want != got {
				t.Errorf("encoding/json decodes %q as %q (%v)", tt.raw, want, err)
			}
		}
	}
}

// visited is one String as a test records it.
type visited struct {
	Value, Member string
	NoMember      bool
	IsKey         bool
	Token         string
	Pointer       string
}

func visitAll(t *testing.T, o *Scanner, doc string) ([]visited, error) {
	t.Helper()
	var got []visited
	err := o.Visit([]byte(doc), func(s String) {
		got = append(got, visited{
			Value: string(s.Value), Member: string(s.Member), NoMember: s.Member == nil, IsKey: s.IsKey,
			Token: doc[s.Start:s.End], Pointer: s.Pointer(func(k string) string { return strings.ToUpper(k) }),
		})
	})
	return got, err
}

func TestVisit(t *testing.T) {
	t.Parallel()
	pairs := func(n []byte) PairRole {
		switch string(n) {
		case "key":
			return PairName
		case "value":
			return PairValue
		}
		return NotPaired
	}
	o := New(Options{Pairs: pairs})
	doc := `{"a/b~":["x","y\n\u0041"],"t":[{"key":"aws_\u0073ecret","value":"s1","value":["s2"]},{"value":"s3"}],"n":{"key":1,"value":"s4"}}`
	got, err := visitAll(t, &o, doc)
	if err != nil {
		t.Fatal(err)
	}
	want := []visited{
		{Value: "a/b~", NoMember: true, IsKey: true, Token: `"a/b~"`, Pointer: ""},
		{Value: "x", NoMember: true, Token: `"x"`, Pointer: "/A~1B~0/0"},
		{Value: "y\nA", NoMember: true, Token: `"y\n\u0041"`, Pointer: "/A~1B~0/1"},
		{Value: "t", NoMember: true, IsKey: true, Token: `"t"`, Pointer: ""},
		{Value: "key", NoMember: true, IsKey: true, Token: `"key"`, Pointer: "/T/0"},
		{Value: "aws_secret", Member: "key", Token: `"aws_\u0073ecret"`, Pointer: "/T/0/KEY"},
		{Value: "value", NoMember: true, IsKey: true, Token: `"value"`, Pointer: "/T/0"},
		{Value: "s1", Member: "aws_secret", Token: `"s1"`, Pointer: "/T/0/VALUE"},
		{Value: "value", NoMember: true, IsKey: true, Token: `"value"`, Pointer: "/T/0"},
		{Value: "s2", NoMember: true, Token: `"s2"`, Pointer: "/T/0/VALUE/0"},
		{Value: "value", NoMember: true, IsKey: true, Token: `"value"`, Pointer: "/T/1"},
		{Value: "s3", Member: "value", Token: `"s3"`, Pointer: "/T/1/VALUE"},
		{Value: "n", NoMember: true, IsKey: true, Token: `"n"`, Pointer: ""},
		{Value: "key", NoMember: true, IsKey: true, Token: `"key"`, Pointer: "/N"},
		{Value: "value", NoMember: true, IsKey: true, Token: `"value"`, Pointer: "/N"},
		{Value: "s4", Member: "value", Token: `"s4"`, Pointer: "/N/VALUE"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("visited\n%+v\nwant\n%+v", got, want)
	}
}

func TestVisitRawBytes(t *testing.T) {
	t.Parallel()
	o := New(Options{})
	got, err := visitAll(t, &o, "[\"a\xffb\",\"a\xff\\n\"]")
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Value != "a\xffb" || got[1].Value != "a\uFFFD\n" {
		t.Errorf("values %q %q: want the unescaped string as it is, the escaped one as encoding/json decodes it", got[0].Value, got[1].Value)
	}
	if _, err := visitAll(t, &o, `["a",]`); code(t, err) != CodeSyntax {
		t.Errorf("invalid document: %v", err)
	}
}

func TestCheckAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	doc := []byte(`{"order":{"id":"o-1","items":[{"sku":"A1","quantity":2,"price":10.5}],"note":"caf\u00e9 \"x\"\n","gift":false,"coupon":null}}`)
	o := New(Options{MaxDepth: 32, MaxValues: 1000, RefuseDuplicateKeys: true, StrictUTF8: true})
	if n := testing.AllocsPerRun(100, func() { _ = o.Check(doc) }); n > 0 {
		t.Errorf("Check allocates %v times per document", n)
	}
	if n := testing.AllocsPerRun(100, func() { _ = o.Visit(doc, func(String) {}) }); n > 0 {
		t.Errorf("Visit allocates %v times per document", n)
	}
}

// FuzzScan checks the scanner against encoding/json. Without StrictUTF8
// and limits it accepts exactly what json.Valid accepts and decodes as
// json.Unmarshal does; with them it accepts only what both json.Valid
// and utf8.Valid accept; Visit sees every string token, decoded as
// encoding/json decodes it when it has an escape.
func FuzzScan(f *testing.F) {
	for _, s := range []string{`{"a":[1,2,{"b":"\u00e9"}]}`, `[]`, `"\ud800"`, `{"a":1,"a":2}`, "\"\xff\"", `1e400`, `[[[[[[]]]]]]`, `{"k":"n","v":"\ud83d\ude00"}`} {
		f.Add([]byte(s))
	}
	lenient := New(Options{Float64: true, Pairs: func(n []byte) PairRole { return PairRole(len(n) % 3) }})
	strict := New(Options{StrictUTF8: true, RefuseDuplicateKeys: true, MaxDepth: 64})
	f.Fuzz(func(t *testing.T, b []byte) {
		err := lenient.Check(b)
		if valid := json.Valid(b); valid != (err == nil) {
			t.Fatalf("json.Valid %v, Check %v", valid, err)
		}
		v, derr := lenient.Decode(b)
		var want any
		uerr := json.Unmarshal(b, &want)
		if (derr == nil) != (uerr == nil) || !reflect.DeepEqual(v, want) {
			t.Fatalf("Decode %#v %v, json.Unmarshal %#v %v", v, derr, want, uerr)
		}
		if strict.Check(b) == nil && !(json.Valid(b) && utf8.Valid(b)) {
			t.Fatal("strict accepted what encoding/json or utf8 refuses")
		}
		verr := lenient.Visit(b, func(s String) {
			tok := b[s.Start:s.End]
			var want string
			if err := json.Unmarshal(tok, &want); err != nil {
				t.Fatalf("token %q: %v", tok, err)
			}
			if strings.Contains(string(tok), `\`) && string(s.Value) != want {
				t.Fatalf("token %q: Value %q, encoding/json %q", tok, s.Value, want)
			}
			if !strings.Contains(string(tok), `\`) && string(s.Value) != string(tok[1:len(tok)-1]) {
				t.Fatalf("token %q: Value %q", tok, s.Value)
			}
		})
		if (verr == nil) != (err == nil) {
			t.Fatalf("Check %v, Visit %v", err, verr)
		}
	})
}

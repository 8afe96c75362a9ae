package uri

import (
	"maps"
	"slices"
	"testing"
)

func TestParseQuery(t *testing.T) {
	t.Parallel()
	got := ParseQuery("apikey=a%2Bb+c&flag&=x&k=1&k=2&bad=100%&x%41=%zz&empty=")
	want := map[string][]string{"apikey": {"a+b c"}, "k": {"1", "2"}, "bad": {"100%"}, "xA": {"%zz"}, "empty": {""}}
	if !maps.EqualFunc(got, want, slices.Equal) {
		t.Errorf("ParseQuery = %v, want %v", got, want)
	}
}

package stage

import (
	"maps"
	"slices"
	"testing"
)

// TestParseQuery: conditions read the query as nginx decodes it (valid
// escapes decoded next to an invalid one, which Go's url.QueryUnescape
// would have given up on), flags included.
func TestParseQuery(t *testing.T) {
	t.Parallel()
	got := parseQuery("q=%3Cscript%zz&debug&k=1&k=a+b&=x")
	want := map[string][]string{"q": {"<script%zz"}, "debug": {""}, "k": {"1", "a b"}}
	if !maps.EqualFunc(got, want, slices.Equal) {
		t.Errorf("parseQuery = %v, want %v", got, want)
	}
}

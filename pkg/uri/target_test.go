package uri

import "testing"

func TestValidMethod(t *testing.T) {
	t.Parallel()
	for m, want := range map[string]bool{
		"GET": true, "DELETE": true, "M-SEARCH": true, "BASELINE_CONTROL": true,
		"get": false, "Get": false, "": false, "GET ": false, "G3T": false, "GE\x00T": false,
		"PROPFIND!": false, "\xc4\x9eET": false,
		"ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEF":  true,
		"ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFG": true,
	} {
		if got := ValidMethod(m); got != want {
			t.Errorf("ValidMethod(%q) = %v, want %v", m, got, want)
		}
	}
}

func TestHasFragment(t *testing.T) {
	t.Parallel()
	for target, want := range map[string]bool{
		"/admin": false, "/admin#x": true, "/a?b=c#d": true, "/a%23b": false, "/a?x=%23": false,
	} {
		if got := HasFragment(target); got != want {
			t.Errorf("HasFragment(%q) = %v, want %v", target, got, want)
		}
	}
}

package pluginkit

import (
	"maps"
	"testing"

	"github.com/warden-gw/warden/pkg/respond"
)

func TestUpgradeSkipsResponse(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		values []string
		want   bool
	}{
		{nil, false},
		{[]string{"websocket"}, true},
		{[]string{"WebSocket"}, true},
		{[]string{"h2c"}, false},
		{[]string{"h2c", "websocket"}, true},
		{[]string{"h2c, WEBSOCKET "}, true},
		{[]string{"websockets"}, false},
	} {
		h := map[string][]string{}
		if tc.values != nil {
			h["upgrade"] = tc.values
		}
		if got := UpgradeSkipsResponse(h); got != tc.want {
			t.Errorf("Upgrade %q: %v, want %v", tc.values, got, tc.want)
		}
	}
}

func TestReplacing(t *testing.T) {
	t.Parallel()
	upstream := map[string][]string{
		"Content-Type": {"application/json"}, "content-length": {"99"}, "Transfer-Encoding": {"chunked"},
		"Content-Encoding": {"gzip"}, "Set-Cookie": {"a=1", "b=2"}, "X-Debug-Key": {"secret"}, "allow": {"GET"},
	}
	r := Replacing(upstream, respond.Response{Status: 502, Body: []byte("{}"), Headers: map[string][]string{"Allow": {"POST"}}})
	want := map[string][]string{
		"Content-Encoding": {}, "Set-Cookie": {}, "X-Debug-Key": {}, "Allow": {"POST"},
	}
	if !maps.EqualFunc(r.Headers, want, func(a, b []string) bool { return len(a) == len(b) && (len(a) == 0 || a[0] == b[0]) }) {
		t.Errorf("headers %v, want %v", r.Headers, want)
	}
	if r.Status != 502 || string(r.Body) != "{}" {
		t.Errorf("status or body changed: %d %q", r.Status, r.Body)
	}
}

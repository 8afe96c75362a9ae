package config_test

import (
	"testing"

	"github.com/warden-gw/warden/pkg/config"
)

// FuzzLoad feeds arbitrary JSON to the config decoder: it must return a
// config or an error, never panic, whatever Kong or an operator sends.
func FuzzLoad(f *testing.F) {
	for _, seed := range []string{
		`{}`, `null`, `[]`, `{"__seq__": 1}`, `{"mode": "x", "rules": [{"path": "/a"}]}`,
		`{"rules": {}}`, `{"redis": {"port": 1e400}}`, `{"count": -1}`, `{"labels": {"a": 1}}`,
		`{"extra": {"$refs": {}}}`, `{"rules": [null, {"scopes": [1]}]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		c, err := config.Load[conf](raw)
		if (c == nil) == (err == nil) {
			t.Fatalf("Load returned config %v and error %v", c, err)
		}
	})
}

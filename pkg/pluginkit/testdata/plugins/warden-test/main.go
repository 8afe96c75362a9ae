// Command warden-test is the runtime's test plugin: its config uses every
// schema feature, and its handler exercises every runtime path (exits,
// identity in kong.ctx.shared, panics, response rewrite, log phase).
package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/warden-gw/warden/pkg/audit"
	"github.com/warden-gw/warden/pkg/config"
	"github.com/warden-gw/warden/pkg/identity"
	"github.com/warden-gw/warden/pkg/pluginkit"
	"github.com/warden-gw/warden/pkg/respond"
)

// Config uses every schema feature.
type Config struct {
	Message     string            `json:"message" kong:"required,len_min=1" desc:"Message returned when a request is denied."`
	Mode        string            `json:"mode" kong:"one_of=block|log_only"`
	Limit       int               `json:"limit" kong:"between=1:100"`
	Ratio       float64           `json:"ratio" kong:"gt=0"`
	Secret      string            `json:"secret" kong:"referenceable,encrypted"`
	Name        string            `json:"name" match:"^[%w_]+$"`
	Tags        []string          `json:"tags" kong:"set,elem_len_min=1"`
	Labels      map[string]string `json:"labels"`
	Upstream    Upstream          `json:"upstream"`
	Rules       []Rule            `json:"rules"`
	Extra       *Extra            `json:"extra"`
	Panic       bool              `json:"panic"`
	FailCompile bool              `json:"fail_compile"`
	RewriteBody string            `json:"rewrite_body"`
}

// Upstream is a nested record with defaults.
type Upstream struct {
	Header    string `json:"header"`
	TimeoutMS int    `json:"timeout_ms" kong:"between=1:60000"`
}

// Rule is an array element record.
type Rule struct {
	Path   string `json:"path" kong:"required"`
	Effect string `json:"effect" kong:"one_of=allow|deny"`
}

// Extra is an optional record.
type Extra struct {
	Note string `json:"note"`
}

// SetDefaults sets the defaults.
func (c *Config) SetDefaults() { c.Mode, c.Limit, c.Ratio = "block", 10, 0.5 }

// SetDefaults sets the defaults.
func (u *Upstream) SetDefaults() { u.Header, u.TimeoutMS = "x-warden-test", 1000 }

// SetDefaults sets the defaults.
func (r *Rule) SetDefaults() { r.Effect = "allow" }

// Validate checks what the schema cannot.
func (c *Config) Validate() error {
	var errs config.Errors
	for i, r := range c.Rules {
		if !strings.HasPrefix(r.Path, "/") {
			errs.Add(fmt.Sprintf("rules[%d].path", i), "must start with /")
		}
	}
	return errs.Err()
}

type handler struct{ cfg *Config }

func newHandler(cfg *Config) (*handler, error) {
	if cfg.FailCompile {
		return nil, errors.New("compile step refused the config")
	}
	return &handler{cfg: cfg}, nil
}

// Access denies requests carrying x-deny, panics when configured, stores
// the caller in the identity contract and tells the upstream what it saw.
func (h *handler) Access(k *pluginkit.Kong) error {
	if h.cfg.Panic {
		var m map[string]int
		m["boom"]++ // a real nil-map panic, as a bug would cause
	}
	hdrs, err := k.Headers()
	if err != nil {
		return err
	}
	if len(hdrs["x-deny"]) > 0 {
		k.Decide(audit.Event{Decision: audit.Deny, Reason: "test_denied"},
			respond.Error(401, h.cfg.Message, "WWW-Authenticate", `Bearer realm="test"`))
		return nil
	}
	if user := hdrs["x-user"]; len(user) > 0 {
		k.SetIdentity(identity.Identity{Subject: user[0], Method: "test", Scopes: []string{"read"}}, true)
	}
	k.SetUpstreamHeaders(map[string][]string{h.cfg.Upstream.Header: {fmt.Sprintf("limit=%d;secret_len=%d", h.cfg.Limit, len(h.cfg.Secret))}})
	return nil
}

// Response rewrites the upstream body when configured.
func (h *handler) Response(k *pluginkit.Kong) error {
	if h.cfg.RewriteBody == "" {
		return nil
	}
	body, err := k.PDK.ServiceResponse.GetRawBody()
	if err != nil {
		return err
	}
	if strings.Contains(string(body), "fail-in-response") {
		return errors.New("the test asked the response phase to fail")
	}
	out := strings.ReplaceAll(string(body), "upstream", h.cfg.RewriteBody)
	k.Exit(respond.Response{Status: 200, Headers: map[string][]string{"X-Rewritten": {"1"}}, Body: []byte(out)})
	return nil
}

// Log audits the identity the access phase stored, read from Kong's saved
// request data.
func (h *handler) Log(k *pluginkit.Kong) error {
	id, ok, err := k.Identity()
	if err != nil {
		return err
	}
	if ok {
		k.Audit(audit.Event{Decision: audit.Allow, Reason: "test_logged", Subject: id.Subject})
	}
	return nil
}

func main() {
	pluginkit.Main(pluginkit.Plugin[Config, *handler]{
		Name: "warden-test", Version: pluginkit.Version, Priority: 1000, New: newHandler,
	})
}

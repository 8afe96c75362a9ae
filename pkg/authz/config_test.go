package authz

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/warden-gw/warden/pkg/config"
)

func TestCompileErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		json string
		want []string // every field error, in order
	}{
		{name: "bad condition names the rule",
			json: `{"rules":[{"paths":["/a"]},{"paths":["/b"],"condition":"request.methd == 'GET'"}]}`,
			want: []string{"rules[1].condition: "}},
		{name: "condition not bool",
			json: `{"rules":[{"paths":["/a"],"condition":"request.method"}]}`,
			want: []string{"rules[0].condition: condition must evaluate to a bool"}},
		{name: "condition over the cost limit",
			json: `{"condition_cost_limit":100,"rules":[{"paths":["/a"],"condition":"request.headers.exists(k, k.startsWith('x'))"}]}`,
			want: []string{"rules[0].condition: worst-case cost"}},
		{name: "condition syntax",
			json: `{"rules":[{"paths":["/a"],"condition":"request.method =="}]}`,
			want: []string{"rules[0].condition: "}},
		{name: "every error is reported",
			json: `{"trailing_slash":"maybe","rules":[{"paths":["orders"],"methods":["get"],"effect":"permit"},` +
				`{"paths":["/a/{id}"],"owner":{"param":"user_id"},"ip_allow":["10.0.0.300"],"scopes":{"any_of":["a b"]}},` +
				`{"paths":[],"effect":"deny","owner":{"param":"id"},"roles":{}}]}`,
			want: []string{
				"trailing_slash: must be ignore or strict",
				"rules[0].effect: must be allow or deny",
				"rules[0].methods[0]: must be an upper-case HTTP method",
				"rules[0].paths[0]: must start with /",
				"rules[1].paths[0]: does not capture {user_id}, which owner.param needs",
				`rules[1].scopes: "a b" is not an OAuth scope token`,
				"rules[1].ip_allow[0]: not an IP address or CIDR",
				"rules[2].paths: list at least one path template",
				"rules[2].roles: set any_of or all_of",
				"rules[2].owner: applies to allow rules only",
			}},
		{name: "template errors",
			json: `{"rules":[{"paths":["/a//b","/**/x","/a/x{id}","/a/../b","/a%2fb"]}]}`,
			want: []string{"rules[0].paths[0]: has an empty segment", "rules[0].paths[1]: ** may only be the last segment",
				"rules[0].paths[2]: a parameter or wildcard must be a whole segment", "rules[0].paths[3]: has a dot segment",
				"rules[0].paths[4]: encoded slash or backslash"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var c Config
			if err := config.Decode([]byte(tt.json), &c); err != nil {
				t.Fatalf("decode: %v", err)
			}
			_, err := Compile(&c)
			if !errors.Is(err, config.ErrInvalid) {
				t.Fatalf("Compile = %v, want a config error", err)
			}
			got := config.Flatten(err)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d errors, want %d: %v", len(got), len(tt.want), config.Summary(err))
			}
			for i, w := range tt.want {
				if !strings.HasPrefix(got[i].Error(), w) {
					t.Errorf("error %d = %q, want prefix %q", i, got[i], w)
				}
			}
		})
	}
}

func TestAnswer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		d         Decision
		status    int
		challenge string
	}{
		{Decision{Status: 400, Reason: ReasonInvalidPath}, 400, ""},
		{Decision{Status: 401, Reason: ReasonIdentityRequired, Rule: "secret-rule"}, 401, "Bearer"},
		{Decision{Status: 403, Reason: ReasonInsufficientScope, Scopes: []string{"orders:write", "orders:admin"}}, 403,
			`Bearer error="insufficient_scope", scope="orders:write orders:admin"`},
		{Decision{Status: 403, Reason: ReasonNotOwner, Rule: "orders-read-own"}, 403, ""},
	}
	for _, tt := range tests {
		r := Answer(tt.d)
		if r.Status != tt.status {
			t.Errorf("%s: status %d, want %d", tt.d.Reason, r.Status, tt.status)
		}
		if got := strings.Join(r.Headers["Www-Authenticate"], ","); got != tt.challenge {
			t.Errorf("%s: WWW-Authenticate %q, want %q", tt.d.Reason, got, tt.challenge)
		}
		body := string(r.Body)
		if strings.Contains(body, tt.d.Reason) || tt.d.Rule != "" && strings.Contains(body, tt.d.Rule) {
			t.Errorf("%s: body %s leaks the reason or rule", tt.d.Reason, body)
		}
		if want := http.StatusText(tt.status); !strings.Contains(body, strings.Split(want, " ")[0]) {
			t.Errorf("%s: body %s", tt.d.Reason, body)
		}
	}
}

func TestNeeds(t *testing.T) {
	t.Parallel()
	var c Config
	if err := config.Decode([]byte(`{"rules":[
		{"paths":["/public/**"]},
		{"paths":["/orders/{id}"],"scopes":{"all_of":["r"]}},
		{"paths":["/h/**"],"hosts":["a.example"]},
		{"paths":["/q/**"],"condition":"'x' in request.query"},
		{"paths":["/hd/**"],"condition":"request.headers['x'] == 'y'"},
		{"paths":["/ip/**"],"ip_allow":["10.0.0.0/8"]},
		{"paths":["/all/**"],"condition":"request == request"},
		{"paths":["/p/{id}"],"condition":"request.params.id == request.path"}]}`), &c); err != nil {
		t.Fatal(err)
	}
	p, err := Compile(&c)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		path string
		want Needs
	}{
		{"/public/x", 0}, {"/orders/1", NeedIdentity}, {"/h/x", NeedHost}, {"/q/x", NeedQuery},
		{"/hd/x", NeedHeaders}, {"/ip/x", NeedIP}, {"/p/1", 0}, {"/nothing", 0},
		{"/all/x", NeedHost | NeedQuery | NeedHeaders | NeedIP},
	} {
		if got := p.Match("GET", tt.path).Needs(); got != tt.want {
			t.Errorf("%s: needs %b, want %b", tt.path, got, tt.want)
		}
	}
}

func TestParseCIDRUnmapsIPv4MappedRanges(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"::ffff:10.0.0.0/104", "10.0.0.0/8"},
		{"::ffff:192.168.1.7/128", "192.168.1.7/32"},
		{"::ffff:192.168.1.7", "192.168.1.7/32"},
		{"10.1.2.3/8", "10.0.0.0/8"},
		{"2001:db8::/32", "2001:db8::/32"},
		{"::/0", "::/0"},
	} {
		p, err := parseCIDR(tt.in)
		if err != nil || p.String() != tt.want {
			t.Errorf("parseCIDR(%q) = %v, %v; want %s", tt.in, p, err, tt.want)
		}
	}
}

package validator

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/warden-gw/warden/pkg/config"
)

// operation is a compiled Operation.
type operation struct {
	method       string
	template     string
	segs         []segment
	body         *Schema
	bodyRequired bool
	ctypes       []mediaRange
	bodies       []typedSchema // by media range, most specific first; then body
	params       []*param
	responses    map[string]*responseSpec
}

// segment is one path template segment: a literal, or prefix{name}suffix.
type segment struct {
	lit            string
	name           string // "" for a literal
	prefix, suffix string
}

func compileTemplate(path string) ([]segment, error) {
	if !strings.HasPrefix(path, "/") {
		return nil, fmt.Errorf("must start with /")
	}
	var segs []segment
	seen := map[string]bool{}
	for _, s := range strings.Split(path[1:], "/") {
		open := strings.IndexByte(s, '{')
		if open < 0 {
			if strings.IndexByte(s, '}') >= 0 {
				return nil, fmt.Errorf("unbalanced braces in %q", s)
			}
			segs = append(segs, segment{lit: s})
			continue
		}
		end := strings.IndexByte(s, '}')
		if end < open || strings.Count(s, "{") != 1 || strings.Count(s, "}") != 1 || end == open+1 {
			return nil, fmt.Errorf("segment %q: want one {name} per segment", s)
		}
		name := s[open+1 : end]
		if seen[name] {
			return nil, fmt.Errorf("parameter %q appears twice", name)
		}
		seen[name] = true
		segs = append(segs, segment{name: name, prefix: s[:open], suffix: s[end+1:]})
	}
	return segs, nil
}

// match reports whether path segments match the template, and fills
// params with the (still percent-encoded) values. With fold, literals,
// prefixes and suffixes compare case-insensitively.
func (o *operation) match(parts []string, params map[string]string, fold bool) bool {
	if len(parts) != len(o.segs) {
		return false
	}
	eq := func(a, b string) bool { return a == b || fold && strings.EqualFold(a, b) }
	for i, s := range o.segs {
		p := parts[i]
		if s.name == "" {
			if !eq(p, s.lit) {
				return false
			}
			continue
		}
		if len(p) <= len(s.prefix)+len(s.suffix) || !eq(p[:len(s.prefix)], s.prefix) || !eq(p[len(p)-len(s.suffix):], s.suffix) {
			return false
		}
		if params != nil {
			params[s.name] = p[len(s.prefix) : len(p)-len(s.suffix)]
		}
	}
	return true
}

// specificity ranks templates: at the first segment where two differ, a
// literal beats prefix{name}suffix, which beats a bare {name}.
func (o *operation) specificity() []int {
	out := make([]int, len(o.segs))
	for i, s := range o.segs {
		switch {
		case s.name == "":
			out[i] = 2
		case s.prefix != "" || s.suffix != "":
			out[i] = 1
		}
	}
	return out
}

// router finds the operation of a request.
type router struct {
	ops []*operation // most specific first
	// byShape holds ops by method and segment count, most specific
	// first: a Stripe-size document has hundreds of operations, and a
	// template matches only paths of its own length.
	byShape map[routeShape][]*operation
}

type routeShape struct {
	method string
	segs   int
}

func newRouter(ops []*operation) *router {
	sorted := slices.Clone(ops)
	slices.SortStableFunc(sorted, func(a, b *operation) int {
		return -slices.Compare(a.specificity(), b.specificity())
	})
	r := &router{ops: sorted, byShape: map[routeShape][]*operation{}}
	for _, o := range sorted {
		k := routeShape{o.method, len(o.segs)}
		r.byShape[k] = append(r.byShape[k], o)
	}
	return r
}

// find returns the operation for method and a normalized path, with its
// raw path parameters. When none matches, allow lists the methods the
// path has.
//
// A path no template matches exactly is tried again without a trailing
// slash or path parameters and ignoring case: many frameworks behind Kong
// route /orders/, /ORDERS and /orders;x=y to the /orders handler
// (Express by default, ASP.NET Core, Tomcat and Spring), and such a
// spelling must not carry a body past the operation's checks.
func (r *router) find(method, path string) (op *operation, params map[string]string, allow []string) {
	exact := strings.Split(strings.TrimPrefix(path, "/"), "/")
	parts := exact
	for _, fold := range []bool{false, true} {
		if fold {
			parts = looseParts(parts)
		}
		for _, o := range r.byShape[routeShape{method, len(parts)}] {
			if o.match(parts, nil, fold) {
				params = map[string]string{}
				o.match(parts, params, fold)
				return o, params, nil
			}
		}
	}
	for _, o := range r.ops {
		if (o.match(exact, nil, false) || o.match(parts, nil, true)) && !slices.Contains(allow, o.method) {
			allow = append(allow, o.method)
		}
	}
	slices.Sort(allow)
	return nil, nil, allow
}

// looseParts returns parts without path parameters (RFC 3986 3.3) and
// without an empty last segment (a trailing slash).
func looseParts(parts []string) []string {
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i], _, _ = strings.Cut(p, ";")
	}
	if n := len(out); n > 1 && out[n-1] == "" {
		out = out[:n-1]
	}
	return out
}

// compileOperations compiles operations: templates, media ranges,
// schemas. Errors name the field and index under root.
func compileOperations(ops []Operation, d Draft, c *Config, root string) ([]*operation, error) {
	var errs config.Errors
	out := make([]*operation, 0, len(ops))
	seen := map[string]bool{}
	for i, op := range ops {
		at := fmt.Sprintf("%s[%d]", root, i)
		if op.at != "" {
			at = root + "." + op.at
		}
		o := &operation{method: strings.ToUpper(op.Method), template: op.Path, bodyRequired: op.BodyRequired}
		var err error
		if o.segs, err = compileTemplate(op.Path); err != nil {
			errs.Add(at+".path", "%v", err)
			continue
		}
		key := o.method + " " + canonicalTemplate(o.segs)
		if seen[key] {
			errs.Add(at+".path", "duplicate operation %s %s", o.method, op.Path)
		}
		seen[key] = true
		ctypes := op.ContentTypes
		if len(ctypes) == 0 {
			ctypes = c.AllowedContentTypes
		}
		for j, ct := range ctypes {
			r, err := parseMediaRange(ct)
			if err != nil {
				errs.Add(fmt.Sprintf("%s.content_types[%d]", at, j), "%v", err)
			}
			o.ctypes = append(o.ctypes, r)
		}
		if op.BodySchema != "" {
			if o.body, err = CompileSchema([]byte(op.BodySchema), d); err != nil {
				errs.Add(at+".body_schema", "%v", err)
			}
		}
		if o.bodies, err = compileTypedSchemas(op.bodySchemas, at+".content"); err != nil {
			errs.Check("", err)
		}
		names := map[string]bool{}
		for _, s := range o.segs {
			if s.name != "" {
				names[s.name] = false
			}
		}
		for j, p := range op.Parameters {
			pat := fmt.Sprintf("%s.parameters[%d]", at, j)
			if op.at != "" {
				pat = at + ".parameters." + p.Name
			}
			cp, err := compileParam(p, d)
			if err != nil {
				errs.Check(pat, err)
				continue
			}
			if p.In == "path" {
				if _, ok := names[p.Name]; !ok {
					errs.Add(pat+".name", "path parameter %q is not in the path template", p.Name)
				}
				names[p.Name] = true
			}
			o.params = append(o.params, cp)
		}
		if o.responses, err = compileResponses(op.Responses, d, at); err != nil {
			errs.Check("", err)
		}
		// A template parameter without a declaration still has to be
		// present (it is, or the path would not match) but is unchecked.
		out = append(out, o)
	}
	return out, errs.Err()
}

// canonicalTemplate renders a template with parameter names erased, so
// /orders/{id} and /orders/{orderId} count as the same path.
func canonicalTemplate(segs []segment) string {
	var b strings.Builder
	for _, s := range segs {
		b.WriteByte('/')
		if s.name == "" {
			b.WriteString(s.lit)
		} else {
			b.WriteString(s.prefix + "{}" + s.suffix)
		}
	}
	return b.String()
}

// pathValue decodes a raw path parameter value.
func pathValue(raw string) (string, bool) {
	v, err := url.PathUnescape(raw)
	return v, err == nil
}

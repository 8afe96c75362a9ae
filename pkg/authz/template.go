package authz

import (
	"errors"
	"fmt"
	"strings"
)

// A path template is a path whose segments are literals, parameters
// ({id}: one segment, captured), a star (*: one segment) or, as the last
// segment only, a double star (**: zero or more segments, so /admin/**
// covers /admin itself). Templates are parsed and normalized like request
// paths when the config is compiled.

type segKind uint8

const (
	segLit segKind = iota
	segParam
	segStar
	segGlob
)

type tmplSeg struct {
	kind segKind
	lit  string // segLit: the canonical (and, when folding, lower-cased) literal
	name string // segParam
}

// template is one compiled path template.
type template struct {
	raw  string
	segs []tmplSeg
	// key orders templates by specificity (see specificity): the greater
	// key is the more specific template.
	key string
	// params maps each captured parameter to its segment index.
	params []paramPos
}

type paramPos struct {
	name string
	idx  int
}

// Errors of template parsing, reported with the field they came from.
var (
	errTmplAbsolute = errors.New("must start with /")
	errTmplEmpty    = errors.New("has an empty segment (repeated slash)")
	errTmplGlob     = errors.New("** may only be the last segment")
	errTmplPartial  = errors.New("a parameter or wildcard must be a whole segment")
	errTmplDot      = errors.New("has a dot segment")
)

// parseTemplate compiles s. With fold, literals are lower-cased; with
// strictSlash a trailing slash is a segment of its own that a request
// must have too, otherwise it is dropped.
func parseTemplate(s string, fold, strictSlash bool) (template, error) {
	t := template{raw: s}
	if s == "" || s[0] != '/' {
		return t, errTmplAbsolute
	}
	if len(s) > MaxPathLength {
		return t, ErrPathTooLong
	}
	if s == "/" {
		return t, nil
	}
	parts := strings.Split(s[1:], "/")
	for i, p := range parts {
		last := i == len(parts)-1
		switch {
		case p == "" && last:
			if strictSlash {
				t.segs = append(t.segs, tmplSeg{kind: segLit})
			}
		case p == "":
			return t, errTmplEmpty
		case p == "**":
			if !last {
				return t, errTmplGlob
			}
			t.segs = append(t.segs, tmplSeg{kind: segGlob})
		case p == "*":
			t.segs = append(t.segs, tmplSeg{kind: segStar})
		case p[0] == '{' && p[len(p)-1] == '}':
			name := p[1 : len(p)-1]
			if !validParamName(name) {
				return t, fmt.Errorf("parameter %q: want a name of letters, digits and _", name)
			}
			for _, pp := range t.params {
				if pp.name == name {
					return t, fmt.Errorf("parameter %q appears twice", name)
				}
			}
			t.params = append(t.params, paramPos{name: name, idx: len(t.segs)})
			t.segs = append(t.segs, tmplSeg{kind: segParam, name: name})
		case strings.ContainsAny(p, "{}*"):
			return t, errTmplPartial
		default:
			b, err := appendSegment(nil, p)
			if err != nil {
				return t, err
			}
			lit := string(b)
			if lit == "." || lit == ".." {
				return t, errTmplDot
			}
			if fold {
				lit = lowerASCII(lit)
			}
			t.segs = append(t.segs, tmplSeg{kind: segLit, lit: lit})
		}
		if len(t.segs) > MaxSegments {
			return t, ErrTooManySegments
		}
	}
	return t, nil
}

func validParamName(s string) bool {
	if s == "" || len(s) > 64 || '0' <= s[0] && s[0] <= '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// hasParam reports whether the template captures name.
func (t template) hasParam(name string) bool {
	for _, p := range t.params {
		if p.name == name {
			return true
		}
	}
	return false
}

// Specificity ranks of a segment: a literal is more specific than a
// parameter, a parameter than a star, and the end of a template without
// ** than a ** (so /admin beats /admin/** on /admin). A ** is the last
// segment and the end of a template without it the last rank, so no
// template's ranks are a prefix of another's: templates matching the same
// path are ordered by their first differing segment, left to right.
const (
	rankGlob  = '0'
	rankEnd   = '1'
	rankStar  = '2'
	rankParam = '3'
	rankLit   = '4'
)

// specificity is the template's ranks, then whether the rule lists
// methods, then whether it lists hosts: the precedence of the rule's
// template among those matching the same request. Compared as strings.
func (t template) specificity(methods, hosts bool) string {
	b := make([]byte, 0, len(t.segs)+3)
	end := byte(rankEnd)
	for _, s := range t.segs {
		switch s.kind {
		case segLit:
			b = append(b, rankLit)
		case segParam:
			b = append(b, rankParam)
		case segStar:
			b = append(b, rankStar)
		case segGlob:
			end = rankGlob
		}
	}
	b = append(b, end, rankFlag(methods), rankFlag(hosts))
	return string(b)
}

func rankFlag(b bool) byte {
	if b {
		return '1'
	}
	return '0'
}

package leakguard

import (
	"fmt"
	"math"
	"regexp"
	"strings"
)

// Confidence says how sure a rule is that a match is a real secret. Only
// findings at or above a direction's act_min_confidence get its action.
type Confidence int

// Confidence levels, lowest first.
const (
	Low Confidence = iota + 1
	Medium
	High
)

// String returns "low", "medium" or "high".
func (c Confidence) String() string {
	switch c {
	case Low:
		return "low"
	case Medium:
		return "medium"
	case High:
		return "high"
	}
	return "unknown"
}

// ParseConfidence parses "low", "medium" or "high".
func ParseConfidence(s string) (Confidence, error) {
	switch s {
	case "low":
		return Low, nil
	case "medium":
		return Medium, nil
	case "high":
		return High, nil
	}
	return 0, fmt.Errorf("confidence %q: want low, medium or high", s)
}

// Rule is one detector. Built-in rules are written from public token
// formats; user rules come from gitleaks TOML.
type Rule struct {
	// ID names the rule in findings and in [REDACTED:<id>].
	ID string
	// Description says what the rule finds.
	Description string
	// Regex is an RE2 expression. The secret is capture group SecretGroup,
	// or (0) the first non-empty capture group, or the whole match.
	Regex string
	// SecretGroup selects the capture group holding the secret.
	SecretGroup int
	// Keywords are case-insensitive literals one of which occurs in or
	// near every match; the regex only runs around them. A rule without
	// keywords runs over the whole input.
	Keywords []string
	// Entropy is the minimum Shannon entropy (bits per byte) of the
	// secret; 0 disables the check.
	Entropy float64
	// Check, if set, must accept the secret (a checksum, say).
	Check func(secret string) bool
	// Confidence of a match that passes every check.
	Confidence Confidence
	// Window is how many bytes after a keyword the match can end; 0 means
	// derived from the regex when every match starts with a keyword and
	// has a bounded length (see tightWindow), else defaultWindow.
	Window int
	// Back is how many bytes before a keyword the match can start; 0
	// means defaultBack.
	Back int
	// Allow lists exceptions for this rule only.
	Allow []Allowlist
	// Paths, if set, limits the rule to request paths matching one of them.
	Paths []string

	// pairedWith names the key-id rule this rule finds the secret half
	// of: where that rule matched in the same scan, this rule's matches
	// take its confidence, so a redacted key id never leaves its secret.
	pairedWith string
	// requestConfidence, if set, is the rule's confidence in requests: a
	// client sending its own credentials (a login form's password, an
	// OAuth client_secret or refresh token, a JWT to introspect) is
	// normal, the same value in a response is a leak.
	requestConfidence Confidence
	builtin           bool   // placeholder values are ignored
	exactKeywords     bool   // keywords must match in their exact case
	after             string // if set, the byte after a keyword hit must be one of these
	// pem: the match runs from a BEGIN line to the first END line after
	// it, however far; Window does not apply.
	pem bool
	// run: the match is one run of non-separator bytes of unbounded
	// length (a JWT, an OAuth access token); the window ends at the first
	// separator after the keyword, however far, and Window does not apply.
	run bool
	// keyName, if set, is the shape Regex was built from (keyName.regex);
	// its matcher finds the same matches faster.
	keyName *keyName
}

// Allowlist suppresses findings. A finding is allowed when any configured
// condition matches (or all of them, with MatchAll).
type Allowlist struct {
	// Description says why.
	Description string
	// Regexes are RE2 expressions tested against RegexTarget.
	Regexes []string
	// RegexTarget is "secret" (default), "match" or "line" (the input
	// field the secret was found in).
	RegexTarget string
	// Stopwords allow a finding whose secret contains one of them
	// (case-insensitive).
	Stopwords []string
	// Paths are RE2 expressions matched against the request path.
	Paths []string
	// MatchAll requires every configured kind (regexes, stopwords, paths)
	// to match, like gitleaks' condition = "AND".
	MatchAll bool
}

// Default keyword windows: how far past a keyword a rule's match may end
// and how far before it the match may start.
const (
	defaultWindow = 512
	defaultBack   = 64
)

// compiledRule is a rule ready to run.
type compiledRule struct {
	Rule
	re    *regexp.Regexp
	names *keyNameMatcher // replaces re when set
	allow []compiledAllowlist
	paths []*regexp.Regexp
}

type compiledAllowlist struct {
	regexes   []*regexp.Regexp
	target    string
	stopwords []string
	paths     []*regexp.Regexp
	all       bool
}

func compileRule(r Rule) (*compiledRule, error) {
	if r.ID == "" {
		return nil, fmt.Errorf("%w: rule without id", ErrRuleInvalid)
	}
	re, err := regexp.Compile(r.Regex)
	if err != nil {
		return nil, fmt.Errorf("%w: rule %s: regex is not RE2: %v", ErrRuleInvalid, r.ID, err)
	}
	if r.SecretGroup < 0 || r.SecretGroup > re.NumSubexp() {
		return nil, fmt.Errorf("%w: rule %s: secretGroup %d but the regex has %d groups", ErrRuleInvalid, r.ID, r.SecretGroup, re.NumSubexp())
	}
	if r.Confidence == 0 {
		r.Confidence = Medium
	}
	if r.Window <= 0 && r.Back <= 0 && !r.pem && !r.run {
		if w, ok := tightWindow(r.Regex, r.Keywords, r.exactKeywords, r.after); ok {
			r.Window, r.Back = w, 1
		}
	}
	if r.Window <= 0 {
		r.Window = defaultWindow
	}
	if r.Back <= 0 {
		r.Back = defaultBack
	}
	kws := r.Keywords[:0:0]
	for _, k := range r.Keywords {
		if k = strings.ToLower(k); k != "" {
			kws = append(kws, k)
		}
	}
	r.Keywords = kws
	cr := &compiledRule{Rule: r, re: re}
	if r.keyName != nil && r.keyName.regex() == r.Regex {
		if cr.names, err = r.keyName.compile(); err != nil {
			return nil, fmt.Errorf("%w: rule %s: %v", ErrRuleInvalid, r.ID, err)
		}
	}
	for i, a := range r.Allow {
		ca, err := compileAllowlist(a)
		if err != nil {
			return nil, fmt.Errorf("%w: rule %s: allowlists[%d]: %v", ErrRuleInvalid, r.ID, i, err)
		}
		cr.allow = append(cr.allow, ca)
	}
	if cr.paths, err = compileAll(r.Paths); err != nil {
		return nil, fmt.Errorf("%w: rule %s: path: %v", ErrRuleInvalid, r.ID, err)
	}
	return cr, nil
}

func compileAllowlist(a Allowlist) (compiledAllowlist, error) {
	ca := compiledAllowlist{target: a.RegexTarget, all: a.MatchAll}
	switch ca.target {
	case "":
		ca.target = "secret"
	case "secret", "match", "line":
	default:
		return ca, fmt.Errorf("regexTarget %q: want secret, match or line", a.RegexTarget)
	}
	var err error
	if ca.regexes, err = compileAll(a.Regexes); err != nil {
		return ca, fmt.Errorf("regexes: %v", err)
	}
	if ca.paths, err = compileAll(a.Paths); err != nil {
		return ca, fmt.Errorf("paths: %v", err)
	}
	for _, s := range a.Stopwords {
		ca.stopwords = append(ca.stopwords, strings.ToLower(s))
	}
	return ca, nil
}

func compileAll(exprs []string) ([]*regexp.Regexp, error) {
	var out []*regexp.Regexp
	for i, e := range exprs {
		re, err := regexp.Compile(e)
		if err != nil {
			return nil, fmt.Errorf("[%d] is not RE2: %v", i, err)
		}
		out = append(out, re)
	}
	return out, nil
}

// allows reports whether the allowlist suppresses a finding.
func (a *compiledAllowlist) allows(secret, match, line []byte, path string) bool {
	var results []bool
	if len(a.regexes) > 0 {
		target := secret
		switch a.target {
		case "match":
			target = match
		case "line":
			target = line
		}
		hit := false
		for _, re := range a.regexes {
			if re.Match(target) {
				hit = true
				break
			}
		}
		results = append(results, hit)
	}
	if len(a.stopwords) > 0 {
		hit := false
		lower := strings.ToLower(string(secret))
		for _, s := range a.stopwords {
			if strings.Contains(lower, s) {
				hit = true
				break
			}
		}
		results = append(results, hit)
	}
	if len(a.paths) > 0 {
		results = append(results, matchAny(a.paths, path))
	}
	if len(results) == 0 {
		return false
	}
	for _, r := range results {
		if r && !a.all {
			return true
		}
		if !r && a.all {
			return false
		}
	}
	return a.all
}

func matchAny(res []*regexp.Regexp, s string) bool {
	for _, re := range res {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}

// entropy is the Shannon entropy of s in bits per byte.
func entropy(s []byte) float64 {
	if len(s) == 0 {
		return 0
	}
	var counts [256]int
	for _, b := range s {
		counts[b]++
	}
	n := float64(len(s))
	var h float64
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / n
			h -= p * math.Log2(p)
		}
	}
	return h
}

// findAll returns the rule's matches in seg as regexp's
// FindAllSubmatchIndex does.
func (r *compiledRule) findAll(seg []byte) [][]int {
	if r.names != nil {
		return r.names.findAll(seg)
	}
	return r.re.FindAllSubmatchIndex(seg, -1)
}

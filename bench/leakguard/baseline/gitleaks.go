package baseline

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/warden-gw/warden/pkg/config"
)

// Gitleaks TOML documents, as gitleaks v8 reads them (config/config.go
// ViperConfig): rules with id, regex, secretGroup, entropy, keywords,
// path and allowlists; global allowlists. Only what matters for traffic
// is used; keys that only make sense for git history (commits) are
// accepted and ignored so operators can load the files they have.
type gitleaksDoc struct {
	Title       string              `toml:"title"`
	Description string              `toml:"description"`
	Extend      *gitleaksExtend     `toml:"extend"`
	Rules       []gitleaksRule      `toml:"rules"`
	Allowlist   *gitleaksAllowlist  `toml:"allowlist"`
	Allowlists  []gitleaksAllowlist `toml:"allowlists"`
}

type gitleaksExtend struct {
	UseDefault    bool     `toml:"useDefault"`
	Path          string   `toml:"path"`
	URL           string   `toml:"url"`
	DisabledRules []string `toml:"disabledRules"`
}

type gitleaksRule struct {
	ID          string              `toml:"id"`
	Description string              `toml:"description"`
	Regex       string              `toml:"regex"`
	SecretGroup int                 `toml:"secretGroup"`
	Entropy     float64             `toml:"entropy"`
	Keywords    []string            `toml:"keywords"`
	Path        string              `toml:"path"`
	Tags        []string            `toml:"tags"`
	Allowlist   *gitleaksAllowlist  `toml:"allowlist"`
	Allowlists  []gitleaksAllowlist `toml:"allowlists"`
	// Confidence is Warden's extension: low, medium or high (default
	// high: an operator's own rule is meant to act).
	Confidence string `toml:"confidence"`
}

type gitleaksAllowlist struct {
	Description string   `toml:"description"`
	Condition   string   `toml:"condition"`
	RegexTarget string   `toml:"regexTarget"`
	Regexes     []string `toml:"regexes"`
	Paths       []string `toml:"paths"`
	Commits     []string `toml:"commits"`
	Stopwords   []string `toml:"stopwords"`
	TargetRules []string `toml:"targetRules"`
}

// GitleaksRules is what a gitleaks TOML document contributes.
type GitleaksRules struct {
	Rules []Rule
	// Allow are global allowlists (without targetRules).
	Allow []Allowlist
	// Disabled are rule ids from [extend] disabledRules.
	Disabled []string
}

// ParseGitleaks reads a gitleaks TOML document. Every problem is
// reported, each naming the rule by index and id; a regex RE2 cannot
// compile is refused here, at config time.
func ParseGitleaks(doc string) (GitleaksRules, error) {
	var d gitleaksDoc
	md, err := toml.Decode(doc, &d)
	if err != nil {
		return GitleaksRules{}, fmt.Errorf("%w: %v", ErrRulesFile, err)
	}
	var errs config.Errors
	for _, k := range md.Undecoded() {
		errs.Add(k.String(), "unknown key")
	}
	var out GitleaksRules
	if d.Extend != nil {
		if d.Extend.Path != "" || d.Extend.URL != "" {
			errs.Add("extend", "extending another file is not supported; merge the rules into one document")
		}
		out.Disabled = d.Extend.DisabledRules
	}
	ids := map[string]int{}
	for i, gr := range d.Rules {
		path := "rules[" + strconv.Itoa(i) + "]"
		if gr.ID != "" {
			path += " (id " + gr.ID + ")"
		}
		r, rerrs := gr.rule()
		for _, e := range rerrs {
			errs.Add(path, "%s", e)
		}
		if gr.ID != "" {
			if j, dup := ids[gr.ID]; dup {
				errs.Add(path, "duplicate id, also rules[%d]", j)
			}
			ids[gr.ID] = i
		}
		out.Rules = append(out.Rules, r)
	}
	globals := d.Allowlists
	if d.Allowlist != nil {
		globals = append([]gitleaksAllowlist{*d.Allowlist}, globals...)
	}
	for i, ga := range globals {
		path := "allowlists[" + strconv.Itoa(i) + "]"
		a, aerrs := ga.allowlist()
		for _, e := range aerrs {
			errs.Add(path, "%s", e)
		}
		if len(ga.TargetRules) == 0 {
			out.Allow = append(out.Allow, a)
			continue
		}
		for _, id := range ga.TargetRules {
			j, ok := ids[id]
			if !ok {
				errs.Add(path+".targetRules", "no rule %s in this document", id)
				continue
			}
			out.Rules[j].Allow = append(out.Rules[j].Allow, a)
		}
	}
	if err := errs.Err(); err != nil {
		return GitleaksRules{}, errors.Join(ErrRulesFile, err)
	}
	return out, nil
}

func (gr gitleaksRule) rule() (Rule, []string) {
	var problems []string
	r := Rule{
		ID: gr.ID, Description: gr.Description, Regex: gr.Regex, SecretGroup: gr.SecretGroup,
		Keywords: gr.Keywords, Entropy: gr.Entropy, Confidence: High,
	}
	if gr.ID == "" {
		problems = append(problems, "id is required")
	}
	if gr.Regex == "" {
		problems = append(problems, "regex is required (path-only rules match files, not traffic)")
	} else if re, err := regexp.Compile(gr.Regex); err != nil {
		problems = append(problems, "regex is not RE2: "+err.Error())
	} else if gr.SecretGroup < 0 || gr.SecretGroup > re.NumSubexp() {
		problems = append(problems, fmt.Sprintf("secretGroup %d but the regex has %d groups", gr.SecretGroup, re.NumSubexp()))
	}
	if gr.Entropy < 0 || gr.Entropy > 8 {
		problems = append(problems, "entropy must be between 0 and 8 bits per byte")
	}
	if gr.Confidence != "" {
		c, err := ParseConfidence(gr.Confidence)
		if err != nil {
			problems = append(problems, err.Error())
		}
		r.Confidence = c
	}
	if gr.Path != "" {
		if _, err := regexp.Compile(gr.Path); err != nil {
			problems = append(problems, "path is not RE2: "+err.Error())
		}
		r.Paths = []string{gr.Path}
	}
	lists := gr.Allowlists
	if gr.Allowlist != nil {
		lists = append([]gitleaksAllowlist{*gr.Allowlist}, lists...)
	}
	for i, ga := range lists {
		if len(ga.TargetRules) > 0 {
			problems = append(problems, fmt.Sprintf("allowlists[%d]: targetRules only applies to global allowlists", i))
		}
		a, aerrs := ga.allowlist()
		for _, e := range aerrs {
			problems = append(problems, fmt.Sprintf("allowlists[%d]: %s", i, e))
		}
		r.Allow = append(r.Allow, a)
	}
	return r, problems
}

func (ga gitleaksAllowlist) allowlist() (Allowlist, []string) {
	var problems []string
	a := Allowlist{Description: ga.Description, Regexes: ga.Regexes, RegexTarget: ga.RegexTarget,
		Stopwords: ga.Stopwords, Paths: ga.Paths}
	switch strings.ToUpper(ga.Condition) {
	case "", "OR":
	case "AND":
		a.MatchAll = true
	default:
		problems = append(problems, fmt.Sprintf("condition %q: want OR or AND", ga.Condition))
	}
	if _, err := compileAllowlist(a); err != nil {
		problems = append(problems, err.Error())
	}
	return a, problems
}

package baseline

import (
	"regexp/syntax"
	"strings"
	"unicode/utf8"
)

// tightWindow derives a keyword window from the regex itself when every
// match must begin with a literal prefix that starts with one of the
// rule's keywords (most token formats: "ghp_", "sk_live_", "xoxb-") and
// matches have a bounded length L. Every match then has a keyword hit at
// its first byte and ends at most L bytes later, so a window of L bytes
// from the hit finds it, where the default window would hand the regex
// 576 bytes per hit. ok is false when either fact cannot be shown; the
// rule keeps the default window.
func tightWindow(expr string, keywords []string, exact bool, after string) (window int, ok bool) {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return 0, false
	}
	re = re.Simplify()
	n := maxLen(re)
	if n < 0 {
		return 0, false
	}
	prog, err := syntax.Compile(stripLeadingAssertions(re))
	if err != nil {
		return 0, false
	}
	prefix, _ := prog.Prefix()
	shortest := -1
	for _, k := range keywords {
		if k == "" || len(k) > len(prefix) {
			continue
		}
		if exact && prefix[:len(k)] != k || !exact && !strings.EqualFold(prefix[:len(k)], k) {
			continue
		}
		if after != "" && (len(prefix) == len(k) || !strings.Contains(after, prefix[len(k):len(k)+1])) {
			continue
		}
		if shortest < 0 || len(k) < shortest {
			shortest = len(k)
		}
	}
	if shortest < 0 {
		return 0, false
	}
	return max(1, n-shortest), true
}

// stripLeadingAssertions drops the empty-width assertions (\b, ^) that
// open a concatenation, so the literal after them counts as the prefix.
// Dropping them only widens the set of matches, so a prefix every match
// of the result has, every match of the original has too.
func stripLeadingAssertions(re *syntax.Regexp) *syntax.Regexp {
	if re.Op != syntax.OpConcat {
		return re
	}
	subs := re.Sub
	for len(subs) > 0 {
		switch subs[0].Op {
		case syntax.OpWordBoundary, syntax.OpNoWordBoundary, syntax.OpBeginLine, syntax.OpBeginText:
			subs = subs[1:]
			continue
		}
		break
	}
	cp := *re
	cp.Sub = subs
	return &cp
}

// maxLen is the most bytes a match of re can span, or -1 if unbounded.
// Classes and case-folded literals may match multi-byte runes (the
// Kelvin sign folds to k), so they count as their widest encoding.
func maxLen(re *syntax.Regexp) int {
	switch re.Op {
	case syntax.OpNoMatch, syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine,
		syntax.OpBeginText, syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return 0
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return utf8.UTFMax * len(re.Rune)
		}
		n := 0
		for _, r := range re.Rune {
			n += utf8.RuneLen(r)
		}
		return n
	case syntax.OpCharClass:
		if len(re.Rune) == 0 {
			return 0
		}
		return max(1, utf8.RuneLen(re.Rune[len(re.Rune)-1]))
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return utf8.UTFMax
	case syntax.OpCapture, syntax.OpQuest:
		return maxLen(re.Sub[0])
	case syntax.OpRepeat:
		if re.Max < 0 {
			return -1
		}
		n := maxLen(re.Sub[0])
		if n < 0 {
			return -1
		}
		return n * re.Max
	case syntax.OpConcat:
		total := 0
		for _, s := range re.Sub {
			n := maxLen(s)
			if n < 0 {
				return -1
			}
			total += n
		}
		return total
	case syntax.OpAlternate:
		most := 0
		for _, s := range re.Sub {
			n := maxLen(s)
			if n < 0 {
				return -1
			}
			most = max(most, n)
		}
		return most
	}
	return -1 // OpStar, OpPlus, anything new
}

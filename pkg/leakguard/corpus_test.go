package leakguard

import "github.com/warden-gw/warden/pkg/leakguard/leaktest"

// The labelled corpus lives in package leaktest, shared with the
// benchmark module that compares leakguard with gitleaks.

const (
	alnum    = leaktest.Alnum
	upperNum = leaktest.UpperNum
	hexLower = leaktest.HexLower
	letters  = leaktest.Letters
	urlSafe  = leaktest.URLSafe
)

type gen = leaktest.Gen

func newGen(seed uint64) *gen { return leaktest.NewGen(seed) }

func positives(g *gen) []leaktest.Sample { return g.Positives() }

func negatives(g *gen) []string { return g.Negatives() }

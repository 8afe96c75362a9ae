//go:build leakbaseline

package main

import (
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/warden-gw/warden/bench/leakguard/baseline"
	"github.com/warden-gw/warden/pkg/config"
	"github.com/warden-gw/warden/pkg/leakguard"
	"github.com/warden-gw/warden/pkg/leakguard/leaktest"
)

// The 1 MiB clean response goal of issue #14 compares today's response
// phase with the one before the issue (package baseline: pkg/leakguard at
// fb7b3f4, which `warden bench` extracts from git history into ./baseline,
// renamed, and builds with -tags leakbaseline) on the same body, the same
// config, in one run: rounds alternate which goes first, and the medians
// of the per-round times are compared.

// interleavedRounds is how many rounds each side runs.
const interleavedRounds = 61

// interleavedConfig is the config both sides run: the defaults, with
// max_scan_bytes raised over the body (1 MiB plus a few KiB) as the
// throughput figures do.
const interleavedConfig = `{"fingerprint_key":"bench","max_scan_bytes":4194304}`

// interleavedResult is one interleaved comparison.
type interleavedResult struct {
	base, now time.Duration // medians
}

func interleaved(body []byte) (interleavedResult, error) {
	cfg, err := config.Load[leakguard.Config]([]byte(interleavedConfig))
	if err != nil {
		return interleavedResult{}, err
	}
	g, err := leakguard.New(cfg)
	if err != nil {
		return interleavedResult{}, err
	}
	bcfg, err := config.Load[baseline.Config]([]byte(interleavedConfig))
	if err != nil {
		return interleavedResult{}, err
	}
	bg, err := baseline.New(bcfg)
	if err != nil {
		return interleavedResult{}, err
	}
	h := map[string][]string{"Content-Type": {"application/json"}}
	now := func() { g.InspectResponse(leakguard.Response{Headers: h, Body: body}) }
	base := func() { bg.InspectResponse(baseline.Response{Headers: h, Body: body}) }
	timeIt := func(f func()) time.Duration {
		start := time.Now()
		for range 4 {
			f()
		}
		return time.Since(start) / 4
	}
	now()
	base() // warm both
	var bs, ns []time.Duration
	for i := range interleavedRounds {
		if i%2 == 0 {
			bs = append(bs, timeIt(base))
			ns = append(ns, timeIt(now))
		} else {
			ns = append(ns, timeIt(now))
			bs = append(bs, timeIt(base))
		}
	}
	slices.Sort(bs)
	slices.Sort(ns)
	return interleavedResult{base: bs[len(bs)/2], now: ns[len(ns)/2]}, nil
}

// interleavedReport writes the comparison line cmd/warden reads.
func interleavedReport(w io.Writer) error {
	body := leaktest.JSONBody(cleanSize, 0)
	r, err := interleaved(body)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\n1 MiB clean JSON response phase, default config, %d interleaved rounds, medians:\n", interleavedRounds)
	fmt.Fprintf(w, "interleaved before-issue-14 (fb7b3f4) %.3f ms, now %.3f ms, ratio %.3f\n",
		float64(r.base)/1e6, float64(r.now)/1e6, float64(r.now)/float64(r.base))
	return nil
}

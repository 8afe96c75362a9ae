package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

var benchIDs = func() []string {
	ids := make([]string, 1024)
	for i := range ids {
		ids[i] = "#" + hashHex(strconv.Itoa(i))
	}
	return ids
}()

// BenchmarkRedisDecision compares deciding several limits in one script
// call with the approaches it replaces, in the same run against the same
// real Redis: the real go-redis/redis_rate (GCRA, one EVALSHA per limit,
// so three calls for three limits), and Kong OSS's rate-limiting (one
// round trip per window, in sequence, each an INCRBY and an EXPIRE:
// kong/plugins/rate-limiting/policies/init.lua). Each parallel
// sub-benchmark reports decisions/s; the parent logs ours against both
// baselines.
func BenchmarkRedisDecision(b *testing.B) {
	c, prefix := testRedis(b)
	cleanPrefix(b, c, "rate:"+prefix) // redis_rate prepends "rate:"
	ctx := context.Background()
	two := []Limit{PerSecond(1 << 30), PerHour(1 << 40)}
	three := []Limit{PerSecond(1 << 30), PerMinute(1 << 35), PerHour(1 << 40)}
	rr := redis_rate.NewLimiter(c)
	for _, limits := range [][]Limit{two, three} {
		n := strconv.Itoa(len(limits)) + "_limits"
		rates := make([]redis_rate.Limit, len(limits))
		for i, l := range limits {
			rates[i] = redis_rate.Limit{Rate: int(l.Rate), Burst: int(l.EffectiveBurst()), Period: l.Period}
		}
		var perSec benchRates
		for _, alg := range []Algorithm{SlidingWindow, FixedWindow, GCRA} {
			r := NewRedis(c, prefix, alg)
			perSec.run(b, n+"/warden_one_call/"+string(alg), func(id string) error {
				res, err := r.Decide(ctx, id, limits, 1, false)
				if err == nil && !res.Allowed {
					err = errRefused
				}
				return err
			})
		}
		perSec.run(b, n+"/kong_oss_call_per_window", func(id string) error {
			now := time.Now()
			for _, l := range limits {
				key := prefix + "kong:" + id + ":" + strconv.FormatInt(now.Truncate(l.Period).Unix(), 10) + ":" + l.Window()
				_, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
					p.IncrBy(ctx, key, 1)
					p.Expire(ctx, key, l.Period)
					return nil
				})
				if err != nil {
					return err
				}
			}
			return nil
		})
		perSec.run(b, n+"/redis_rate_call_per_limit", func(id string) error {
			// One key per limit: redis_rate keeps one GCRA state per key.
			for i, l := range rates {
				res, err := rr.Allow(ctx, prefix+id+":"+limits[i].Window(), l)
				if err != nil {
					return err
				}
				if res.Allowed == 0 {
					return errRefused
				}
			}
			return nil
		})
		perSec.report(b, n)
	}
}

var errRefused = errors.New("benchmark limit refused a request")

// benchRates keeps the parallel decisions/s of each sub-benchmark of one
// limit set, to print ours against the baselines.
type benchRates struct {
	names []string
	rates map[string]float64
}

func (r *benchRates) run(b *testing.B, name string, decide func(id string) error) {
	if r.rates == nil {
		r.rates = map[string]float64{}
	}
	r.names = append(r.names, name)
	benchDecision(b, name, func(rate float64) { r.rates[name] = rate }, decide)
}

// report prints each warden algorithm's parallel throughput as a multiple
// of each baseline's, to stdout: a parent benchmark's b.Log output is
// not shown once it has sub-benchmarks.
func (r *benchRates) report(b *testing.B, set string) {
	rr, kong := r.rates[set+"/redis_rate_call_per_limit"], r.rates[set+"/kong_oss_call_per_window"]
	if rr == 0 || kong == 0 {
		return // filtered out by -bench
	}
	for _, name := range r.names {
		if v, ok := r.rates[name]; ok && strings.Contains(name, "/warden_") {
			fmt.Printf("# %s parallel: %.0f decisions/s = %.2fx redis_rate (%.0f/s), %.2fx kong_oss (%.0f/s)\n",
				name, v, v/rr, rr, v/kong, kong)
		}
	}
}

// benchDecision measures one decision serially (latency: round trips
// dominate) and from parallel goroutines (throughput, handed to rate as
// decisions per second).
func benchDecision(b *testing.B, name string, rate func(float64), decide func(id string) error) {
	b.Run(name+"/serial", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if err := decide(benchIDs[i%len(benchIDs)]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run(name+"/parallel", func(b *testing.B) {
		var n atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := decide(benchIDs[n.Add(1)%int64(len(benchIDs))]); err != nil {
					b.Error(err)
					return
				}
			}
		})
		perSec := float64(b.N) / b.Elapsed().Seconds()
		b.ReportMetric(perSec, "decisions/s")
		rate(perSec)
	})
}

// cleanPrefix deletes the keys under prefix when the benchmark ends.
func cleanPrefix(b *testing.B, c *redis.Client, prefix string) {
	b.Cleanup(func() {
		ctx := context.Background()
		iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			c.Del(ctx, iter.Val())
		}
	})
}

// BenchmarkKnownOverLimit is the cost of refusing an identifier known
// to be over its limit: no Redis call.
func BenchmarkKnownOverLimit(b *testing.B) {
	c, prefix := testRedis(b)
	l, err := New(Options{Algorithm: FixedWindow, Limits: []Limit{PerHour(1)}, Redis: NewRedis(c, prefix, FixedWindow), RememberOverLimit: true})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	l.Decide(ctx, "hot", 1)
	if l.Decide(ctx, "hot", 1).Allowed {
		b.Fatal("not refused")
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if d := l.Decide(ctx, "hot", 1); d.Source != SourceKnownOver {
				b.Error("went to Redis")
				return
			}
		}
	})
}

// BenchmarkLocal is the in-process limiter (policy local and the outage
// fallback).
func BenchmarkLocal(b *testing.B) {
	l := NewLocal(SlidingWindow, 0, nil)
	limits := []Limit{PerSecond(1 << 30), PerHour(1 << 40)}
	var n atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			l.Decide(benchIDs[n.Add(1)%int64(len(benchIDs))], limits, 1, false)
		}
	})
}

package ratelimit

import (
	"context"
	"errors"
	"runtime"
	"strconv"
	"sync"
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

// The approaches compared, each deciding limits for one identifier
// against the same real Redis.

// wardenDecide decides every limit in one script call.
func wardenDecide(c *redis.Client, prefix string, alg Algorithm, limits []Limit) func(id string) error {
	r := NewRedis(c, prefix, alg)
	return func(id string) error {
		res, err := r.Decide(context.Background(), id, limits, 1, false)
		if err == nil && !res.Allowed {
			err = errRefused
		}
		return err
	}
}

// redisRateDecide is the real go-redis/redis_rate: one Allow (an EVALSHA
// of its GCRA script) per limit, each limit under a key of its own, as
// redis_rate keeps one state per key.
func redisRateDecide(c *redis.Client, prefix string, limits []Limit) func(id string) error {
	rl := redis_rate.NewLimiter(c)
	rates := make([]redis_rate.Limit, len(limits))
	for i, l := range limits {
		rates[i] = redis_rate.Limit{Rate: int(l.Rate), Burst: int(l.EffectiveBurst()), Period: l.Period}
	}
	return func(id string) error {
		for i, l := range rates {
			res, err := rl.Allow(context.Background(), prefix+id+":"+limits[i].Window(), l)
			if err != nil {
				return err
			}
			if res.Allowed == 0 {
				return errRefused
			}
		}
		return nil
	}
}

// kongOSSDecide is Kong OSS's rate-limiting redis policy: one round trip
// per window, in sequence, each an INCRBY and an EXPIRE
// (kong/plugins/rate-limiting/policies/init.lua).
func kongOSSDecide(c *redis.Client, prefix string, limits []Limit) func(id string) error {
	ctx := context.Background()
	return func(id string) error {
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
	}
}

var errRefused = errors.New("benchmark limit refused a request")

// Limits no benchmark reaches (about 20 decisions per second per
// identifier), yet low enough for redis_rate to record every decision: it
// keeps its TAT as float seconds since 2017, whose resolution (about
// 6e-8 s) must be well below one emission interval (here at least 1e-5
// s); with a rate of 2^30 per second the increment vanishes, and
// redis_rate would skip its SET.
var (
	benchTwoLimits   = []Limit{PerSecond(100_000), PerHour(100_000_000)}
	benchThreeLimits = []Limit{PerSecond(100_000), PerMinute(1_000_000), PerHour(100_000_000)}
)

// benchRedis is the shared test Redis with a key prefix whose keys, and
// redis_rate's ("rate:" prepended), are deleted at the end.
func benchRedis(b *testing.B) (*redis.Client, string) {
	c, prefix := testRedis(b)
	b.Cleanup(func() {
		ctx := context.Background()
		iter := c.Scan(ctx, 0, "rate:"+prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			c.Del(ctx, iter.Val())
		}
	})
	return c, prefix
}

// BenchmarkRedisDecision measures each approach on its own, for two and
// three limits, serially (latency: round trips dominate) and from
// parallel goroutines (throughput, also reported as decisions/s): ours
// (one script call), the real go-redis/redis_rate (one call per limit)
// and Kong OSS (one round trip per window). BenchmarkVersusBaselines
// compares them interleaved.
func BenchmarkRedisDecision(b *testing.B) {
	c, prefix := benchRedis(b)
	for _, limits := range [][]Limit{benchTwoLimits, benchThreeLimits} {
		n := strconv.Itoa(len(limits)) + "_limits"
		for _, alg := range []Algorithm{SlidingWindow, FixedWindow, GCRA} {
			benchDecision(b, n+"/warden_one_call/"+string(alg), wardenDecide(c, prefix, alg, limits))
		}
		benchDecision(b, n+"/kong_oss_call_per_window", kongOSSDecide(c, prefix, limits))
		benchDecision(b, n+"/redis_rate_call_per_limit", redisRateDecide(c, prefix, limits))
	}
}

// benchDecision measures one decision serially and from parallel
// goroutines.
func benchDecision(b *testing.B, name string, decide func(id string) error) {
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
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
	})
}

// BenchmarkVersusBaselines is the comparison: decisions per second
// for three limits, ours against the real go-redis/redis_rate doing the
// same three limits (three calls) and against Kong OSS, on the same real
// Redis. The approaches take turns in rounds of benchRound decisions, each
// from GOMAXPROCS goroutines as b.RunParallel would, so a machine whose
// load changes during the run slows them alike; each one's throughput is
// its decisions over its own time. Reported per algorithm of ours:
// warden/s, redis_rate/s, kong_oss/s, and x_redis_rate, x_kong_oss, ours
// as a multiple of each (goal: x_redis_rate >= 2). ns/op covers one
// decision of each approach.
func BenchmarkVersusBaselines(b *testing.B) {
	c, prefix := benchRedis(b)
	limits := benchThreeLimits
	for _, alg := range []Algorithm{SlidingWindow, FixedWindow, GCRA} {
		b.Run("3_limits/"+string(alg), func(b *testing.B) {
			approaches := []func(string) error{
				wardenDecide(c, prefix, alg, limits),
				redisRateDecide(c, prefix, limits),
				kongOSSDecide(c, prefix, limits),
			}
			spent := make([]time.Duration, len(approaches))
			for done := 0; done < b.N; done += benchRound {
				n := min(benchRound, b.N-done)
				for i, decide := range approaches {
					took, err := parallelRound(n, done, decide)
					if err != nil {
						b.Fatal(err)
					}
					spent[i] += took
				}
			}
			rate := func(i int) float64 { return float64(b.N) / spent[i].Seconds() }
			b.ReportMetric(rate(0), "warden/s")
			b.ReportMetric(rate(1), "redis_rate/s")
			b.ReportMetric(rate(2), "kong_oss/s")
			b.ReportMetric(rate(0)/rate(1), "x_redis_rate")
			b.ReportMetric(rate(0)/rate(2), "x_kong_oss")
		})
	}
}

// benchRound is how many decisions one approach makes per turn: enough
// to amortise starting the goroutines, few enough for many turns.
const benchRound = 256

// parallelRound makes n decisions from GOMAXPROCS goroutines, on
// identifiers from offset on, and returns the time they took.
func parallelRound(n, offset int, decide func(string) error) (time.Duration, error) {
	var (
		next atomic.Int64
		wg   sync.WaitGroup
		errs = make(chan error, 1)
	)
	start := time.Now()
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1) - 1; i < int64(n); i = next.Add(1) - 1 {
				if err := decide(benchIDs[(offset+int(i))%len(benchIDs)]); err != nil {
					select {
					case errs <- err:
					default:
					}
					return
				}
			}
		}()
	}
	wg.Wait()
	took := time.Since(start)
	select {
	case err := <-errs:
		return took, err
	default:
		return took, nil
	}
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

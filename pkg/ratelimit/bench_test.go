package ratelimit

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

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
// call with the approaches it replaces, against the same real Redis:
// Kong OSS's rate-limiting (one round trip per window, in sequence, each
// an INCRBY and an EXPIRE: kong/plugins/rate-limiting/policies/init.lua)
// and go-redis/redis_rate's (one EVALSHA per limit).
func BenchmarkRedisDecision(b *testing.B) {
	c, prefix := testRedis(b)
	ctx := context.Background()
	two := []Limit{PerSecond(1 << 30), PerHour(1 << 40)}
	three := []Limit{PerSecond(1 << 30), PerMinute(1 << 35), PerHour(1 << 40)}
	for _, limits := range [][]Limit{two, three} {
		n := strconv.Itoa(len(limits)) + "_limits"
		for _, alg := range []Algorithm{SlidingWindow, FixedWindow, GCRA} {
			r := NewRedis(c, prefix, alg)
			benchDecision(b, n+"/warden_one_call/"+string(alg), func(id string) error {
				_, err := r.Decide(ctx, id, limits, 1, false)
				return err
			})
		}
		benchDecision(b, n+"/kong_oss_call_per_window", func(id string) error {
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
		rr := NewRedis(c, prefix+"rr:", GCRA)
		benchDecision(b, n+"/redis_rate_call_per_limit", func(id string) error {
			for i := range limits {
				if _, err := rr.Decide(ctx, id, limits[i:i+1], 1, false); err != nil {
					return err
				}
			}
			return nil
		})
	}
}

// benchDecision measures one decision serially (latency: round trips
// dominate) and from parallel goroutines (throughput).
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

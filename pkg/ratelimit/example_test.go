package ratelimit_test

import (
	"context"
	"fmt"

	"github.com/warden-gw/warden/pkg/ratelimit"
)

// A local limiter of 2 per second and 100 per hour; the third request in
// a second is refused, and the headers say why.
func ExampleLimiter() {
	l, err := ratelimit.New(ratelimit.Options{
		Algorithm: ratelimit.FixedWindow,
		Limits:    []ratelimit.Limit{ratelimit.PerSecond(2), ratelimit.PerHour(100)},
	})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		d := l.Decide(ctx, "alice", 1)
		h := ratelimit.Headers(d.Result, !d.Allowed)
		fmt.Println(d.Allowed, h["X-RateLimit-Remaining-Second"], h["X-RateLimit-Remaining-Hour"], h["Retry-After"] != nil)
	}
	// Output:
	// true [1] [99] false
	// true [0] [98] false
	// false [0] [98] true
}

func ExampleLimit_String() {
	fmt.Println(ratelimit.PerMinute(100), ratelimit.PerSecond(10).WithBurst(20))
	// Output: 100/m 10/s,burst=20
}

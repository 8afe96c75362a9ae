package ratelimit

import (
	"strconv"
	"testing"
	"time"
)

func refusedFor(wait time.Duration) Result {
	return Result{States: []LimitState{{Limit: PerHour(1), Reset: wait, RetryAfter: wait}}}
}

// TestBlockedHoldsUntilTheRefusalEnds: a refusal is served with its waits
// shortened by the time passed, until it ends.
func TestBlockedHoldsUntilTheRefusalEnds(t *testing.T) {
	t.Parallel()
	b := newBlocked(16)
	b.put("over", refusedFor(10*time.Second), epochHour)
	b.put("allowed", Result{Allowed: true, States: []LimitState{{Limit: PerHour(1)}}}, epochHour)
	res, ok := b.get("over", epochHour.Add(4*time.Second))
	if !ok || res.RetryAfter() != 6*time.Second || res.States[0].Reset != 6*time.Second {
		t.Fatalf("4 s into a 10 s refusal: found=%v %+v; want retry and reset 6 s", ok, res.States)
	}
	if _, ok := b.get("over", epochHour.Add(10*time.Second)); ok {
		t.Error("the refusal is still served when it ends")
	}
	if _, ok := b.get("allowed", epochHour); ok {
		t.Error("a decision without a wait was remembered")
	}
}

// TestBlockedFullTakesNewRefusals: a cache full of live refusals bounds
// its size and still remembers a new one, in the place of one ending
// soonest among those sampled (it used to drop every new refusal until
// an old one ended: an hour of round trips for every other identifier
// once hostile ones had filled it).
func TestBlockedFullTakesNewRefusals(t *testing.T) {
	t.Parallel()
	const capacity = 64
	b := newBlocked(capacity)
	for i := range 10 * capacity {
		b.put("hostile"+strconv.Itoa(i), refusedFor(time.Hour), epochHour)
	}
	b.put("heavy", refusedFor(time.Minute), epochHour.Add(time.Second))
	if _, ok := b.get("heavy", epochHour.Add(2*time.Second)); !ok {
		t.Error("a full cache did not remember a new refusal")
	}
	if n := b.entries.Len(); n != capacity {
		t.Errorf("cache holds %d refusals, want its capacity %d", n, capacity)
	}
}

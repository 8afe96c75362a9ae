package ratelimit

import (
	"context"
	"errors"
	"net"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/warden-gw/warden/pkg/config"
)

// transitions records a breaker's state changes.
type transitions struct {
	mu  sync.Mutex
	got []string
}

func (tr *transitions) record(from, to BreakerState) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.got = append(tr.got, string(from)+">"+string(to))
}

func (tr *transitions) list() []string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return append([]string(nil), tr.got...)
}

func TestBreakerStateChanges(t *testing.T) {
	t.Parallel()
	clock := newFakeClock(epochHour)
	b := NewBreaker(2, time.Second, clock.Now)
	var tr transitions
	b.OnChange(tr.record)
	fail := errors.New("down")
	step := func(name string, f func(), want BreakerState) {
		t.Helper()
		f()
		if s := b.State(); s != want {
			t.Fatalf("%s: state %s, want %s", name, s, want)
		}
	}
	call := func(err error) func() {
		return func() {
			if b.Allow() {
				b.Done(err)
			}
		}
	}
	step("one failure", call(fail), BreakerClosed)
	step("second failure", call(fail), BreakerOpen)
	step("refused while open", call(nil), BreakerOpen)
	clock.Add(time.Second)
	step("probe out", func() {
		if !b.Allow() {
			t.Fatal("no probe after the cooldown")
		}
	}, BreakerHalfOpen)
	step("probe fails", func() { b.Done(fail) }, BreakerOpen)
	clock.Add(time.Second)
	step("second probe succeeds", call(nil), BreakerClosed)
	step("success while closed", call(nil), BreakerClosed)
	want := []string{"closed>open", "open>half_open", "half_open>open", "open>half_open", "half_open>closed"}
	if got := tr.list(); !reflect.DeepEqual(got, want) {
		t.Errorf("changes %v, want %v", got, want)
	}
}

// TestBreakerStragglers: calls allowed before the breaker opened may
// finish after it did; a late failure keeps it open without a change, a
// late success closes it.
func TestBreakerStragglers(t *testing.T) {
	t.Parallel()
	b := NewBreaker(1, time.Hour, nil)
	var tr transitions
	b.OnChange(tr.record)
	for i := 0; i < 3; i++ {
		if !b.Allow() {
			t.Fatalf("closed breaker refused call %d", i)
		}
	}
	b.Done(errors.New("down"))
	b.Done(errors.New("down"))
	b.Done(nil)
	want := []string{"closed>open", "open>closed"}
	if got := tr.list(); !reflect.DeepEqual(got, want) {
		t.Errorf("changes %v, want %v", got, want)
	}
}

// TestHooksReportOutage compiles a policy against a Redis nobody listens
// on: every decision is a counted fallback with its reason, and the
// shared breaker reports opening once.
func TestHooksReportOutage(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	for _, tt := range []struct {
		onErr  OnError
		source Source
	}{
		{onErr: OnErrorAllow, source: SourceFallbackAllow},
		{onErr: OnErrorDeny, source: SourceFallbackDeny},
		{onErr: OnErrorLocal, source: SourceFallbackLocal},
	} {
		t.Run(string(tt.onErr), func(t *testing.T) {
			cfg, err := config.Load[Config]([]byte(`{"limits":[{"window":"minute","limit":5}],"limit_by":["ip"],
				"on_redis_error":"` + string(tt.onErr) + `","redis":{"addresses":["` + closed + `"],"timeout_ms":20,"breaker_failures":2,"breaker_cooldown_ms":60000}}`))
			if err != nil {
				t.Fatal(err)
			}
			var (
				mu        sync.Mutex
				fallbacks = map[string]int{}
				tr        transitions
			)
			p, err := CompileWith(cfg, CompileOptions{
				Backend: breakerBackend(t, cfg.Redis, tr.record),
				Hooks: Hooks{
					Fallback: func(s Source, err error) {
						mu.Lock()
						defer mu.Unlock()
						fallbacks[string(s)+"/"+ErrorClass(err)]++
					},
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 4; i++ {
				if v := p.Decide(context.Background(), Request{IP: "192.0.2.1"}); v.Source != tt.source {
					t.Fatalf("request %d: source %s, want %s", i, v.Source, tt.source)
				}
			}
			want := map[string]int{string(tt.source) + "/connection": 2, string(tt.source) + "/circuit_open": 2}
			mu.Lock()
			defer mu.Unlock()
			if !reflect.DeepEqual(fallbacks, want) {
				t.Errorf("fallbacks %v, want %v", fallbacks, want)
			}
			if got := tr.list(); !reflect.DeepEqual(got, []string{"closed>open"}) {
				t.Errorf("breaker changes %v, want [closed>open]", got)
			}
		})
	}
}

// breakerBackend is an unshared backend for r whose breaker reports to
// onChange.
func breakerBackend(t *testing.T, r RedisConfig, onChange func(from, to BreakerState)) *Backend {
	t.Helper()
	c, err := NewClient(r)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	b := NewBreaker(r.BreakerFailures, time.Duration(r.BreakerCooldownMS)*time.Millisecond, nil)
	b.OnChange(onChange)
	return &Backend{Client: c, Breaker: b}
}

// TestBreakerRidesOutStalls is issue #13 item 11: on a loaded host a
// scheduler stall times out every call in flight at once. Sixteen
// failures in a row among a thousand answered calls opened the breaker
// (three in a row did), and each gateway then admitted the whole limit
// locally. With the defaults it stays closed; a Redis that fails every
// call still opens it after breaker_failures calls.
func TestBreakerRidesOutStalls(t *testing.T) {
	t.Parallel()
	var rc RedisConfig
	rc.SetDefaults()
	clock := newFakeClock(epochHour)
	b := NewBreaker(rc.BreakerFailures, time.Duration(rc.BreakerCooldownMS)*time.Millisecond, clock.Now)
	b.SetWindow(time.Duration(rc.BreakerWindowMS) * time.Millisecond)
	fail := errors.New("i/o timeout")
	call := func(err error) {
		if !b.Allow() {
			t.Fatal("breaker refused a call")
		}
		b.Done(err)
	}
	for stall := 0; stall < 5; stall++ {
		for i := 0; i < 1000; i++ {
			call(nil)
			clock.Add(time.Millisecond)
		}
		for i := 0; i < 16; i++ {
			call(fail)
		}
		if s := b.State(); s != BreakerClosed {
			t.Fatalf("stall %d: 16 timeouts among 1000 answered calls: breaker %s", stall, s)
		}
	}
	// Redis dies: every call fails. Old successes leave the window.
	clock.Add(time.Duration(rc.BreakerWindowMS) * time.Millisecond)
	for i := 0; i < rc.BreakerFailures; i++ {
		call(fail)
	}
	if s := b.State(); s != BreakerOpen {
		t.Fatalf("after %d failures and no success: breaker %s, want open", rc.BreakerFailures, s)
	}
}

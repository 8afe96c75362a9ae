package pool_test

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/warden-gw/warden/pkg/pool"
)

type settings struct {
	Addr     string
	Password string
}

func TestGetShares(t *testing.T) {
	t.Parallel()
	p := pool.New[*int]()
	var created atomic.Int32
	create := func() (*int, error) {
		created.Add(1)
		v := new(int)
		return v, nil
	}
	var wg sync.WaitGroup
	got := make([]*int, 16)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], _ = p.Get(settings{"a:1", "pw"}, create)
		}()
	}
	wg.Wait()
	for _, v := range got {
		if v != got[0] {
			t.Fatal("same settings must share one client")
		}
	}
	other, _ := p.Get(settings{"a:1", "other"}, create)
	if other == got[0] {
		t.Fatal("different settings must get different clients")
	}
	if created.Load() != 2 || p.Len() != 2 {
		t.Fatalf("created %d clients, pool holds %d; want 2 and 2", created.Load(), p.Len())
	}
}

func TestGetRetriesFailures(t *testing.T) {
	t.Parallel()
	p := pool.New[string]()
	fail := errors.New("dial failed")
	if _, err := p.Get(settings{Addr: "x"}, func() (string, error) { return "", fail }); !errors.Is(err, fail) {
		t.Fatalf("got %v, want %v", err, fail)
	}
	v, err := p.Get(settings{Addr: "x"}, func() (string, error) { return "ok", nil })
	if err != nil || v != "ok" {
		t.Fatalf("a failed create must not be cached: got %q, %v", v, err)
	}
}

package ratelimit

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Scripter is the part of a go-redis client the Redis store uses; every
// go-redis client (standalone, Sentinel, Cluster) implements it.
type Scripter = redis.Scripter

// Redis decides limits with one script call per request against a
// shared Redis, so every gateway node counts together.
type Redis struct {
	client    Scripter
	prefix    string
	algorithm Algorithm
	// offset shifts Redis TIME; tests use it to step through windows
	// without sleeping.
	offset time.Duration
}

// NewRedis returns a store running alg on client, keys under prefix.
func NewRedis(client Scripter, prefix string, alg Algorithm) *Redis {
	return &Redis{client: client, prefix: prefix, algorithm: alg}
}

// Key returns the Redis key holding the state of all of identifier's
// limits (one hash, see lua.go). The identifier is its {hash tag}, so
// Redis Cluster places it by identifier.
func (r *Redis) Key(identifier string) string {
	return r.prefix + "{" + identifier + "}:" + r.algorithm.code()
}

// Decide runs the algorithm's script once for all limits of identifier:
// one round trip, whatever the number of limits.
func (r *Redis) Decide(ctx context.Context, identifier string, limits []Limit, cost int64, countRejected bool) (Result, error) {
	if r == nil || r.client == nil {
		return Result{}, ErrNoRedis
	}
	args := make([]any, 0, 3+3*len(limits))
	rejected := "0"
	if countRejected {
		rejected = "1"
	}
	args = append(args, r.offset.Microseconds(), cost, rejected)
	for _, l := range limits {
		args = append(args, l.Rate, l.Period.Microseconds(), l.EffectiveBurst())
	}
	v, err := r.algorithm.script().Run(ctx, r.client, []string{r.Key(identifier)}, args...).Result()
	if err != nil {
		return Result{}, fmt.Errorf("running %s script: %w", r.algorithm, err)
	}
	res, err := parseReply(v, limits)
	res.Algorithm = r.algorithm
	return res, err
}

// parseReply reads the scripts' positional reply (see lua.go).
func parseReply(v any, limits []Limit) (Result, error) {
	list, ok := v.([]any)
	if !ok || len(list) != 2+3*len(limits) {
		return Result{}, fmt.Errorf("%w: %T of length %d for %d limits", ErrBadReply, v, lenOf(v), len(limits))
	}
	ints := make([]int64, len(list))
	for i, e := range list {
		n, ok := e.(int64)
		if !ok {
			return Result{}, fmt.Errorf("%w: element %d is %T", ErrBadReply, i, e)
		}
		ints[i] = n
	}
	res := Result{Allowed: ints[0] == 1, At: time.UnixMicro(ints[1]), States: make([]LimitState, len(limits))}
	for i, l := range limits {
		o := 2 + 3*i
		res.States[i] = LimitState{
			Limit:      l,
			Remaining:  ints[o],
			Reset:      time.Duration(ints[o+1]) * time.Microsecond,
			RetryAfter: time.Duration(ints[o+2]) * time.Microsecond,
		}
	}
	return res, nil
}

func lenOf(v any) int {
	if l, ok := v.([]any); ok {
		return len(l)
	}
	return 0
}

// SafeIdentifier makes an identifier usable inside a key's hash tag:
// short printable values without braces pass unchanged (readable keys),
// anything else becomes "#" and a hash, bounding key length whatever a
// client sends.
func SafeIdentifier(s string) string {
	if len(s) <= maxPlainIdentifier && !strings.ContainsAny(s, "{}#") && printable(s) {
		return s
	}
	return "#" + hashHex(s)
}

const maxPlainIdentifier = 96

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x21 || c > 0x7e {
			return false
		}
	}
	return true
}

package ratelimit

import "errors"

// Sentinel errors; callers match them with errors.Is.
var (
	// ErrInvalidLimit reports a limit that cannot be enforced.
	ErrInvalidLimit = errors.New("invalid limit")
	// ErrBadReply reports a script reply of the wrong shape.
	ErrBadReply = errors.New("unexpected reply from redis script")
	// ErrCircuitOpen is the error of a decision that skipped Redis because
	// the circuit breaker is open.
	ErrCircuitOpen = errors.New("redis circuit breaker open")
	// ErrNoRedis reports a redis decision asked of a limiter built without
	// a Redis client.
	ErrNoRedis = errors.New("no redis client")
)

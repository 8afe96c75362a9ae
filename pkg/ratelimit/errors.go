package ratelimit

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"syscall"

	"github.com/redis/go-redis/v9"
)

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

// ErrorClass names the kind of a Redis failure for audit events and
// metrics: "circuit_open", "timeout", "tls" (a handshake failed: wrong
// CA, server name or client certificate, which retrying will not fix),
// "connection", "bad_reply", "redis_error". It never quotes the error,
// which may hold an address or a server reply.
func ErrorClass(err error) string {
	var ne net.Error
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrCircuitOpen):
		return "circuit_open"
	case errors.Is(err, ErrBadReply):
		return "bad_reply"
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, redis.ErrPoolTimeout), errors.As(err, &ne) && ne.Timeout():
		// ErrPoolTimeout: no connection within PoolTimeout, which is
		// also how a dial that answers late reaches the caller (go-redis
		// dials in the background and the caller waits for its turn).
		return "timeout"
	case isTLSError(err):
		return "tls"
	case errors.As(err, new(*net.OpError)), errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, io.EOF), errors.Is(err, redis.ErrClosed):
		return "connection"
	}
	return "redis_error"
}

// isTLSError reports a failed TLS handshake, on either side. An alert
// the server sent arrives as a *net.OpError with Op "remote error"
// (crypto/tls conn.go readRecordOrCCS).
func isTLSError(err error) bool {
	var (
		op       *net.OpError
		verify   *tls.CertificateVerificationError
		alert    tls.AlertError
		record   tls.RecordHeaderError
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
	)
	if errors.As(err, &op) && op.Op == "remote error" {
		return true
	}
	return errors.As(err, &verify) || errors.As(err, &alert) || errors.As(err, &record) ||
		errors.As(err, &unknown) || errors.As(err, &hostname) || errors.As(err, &invalid)
}

package ratelimit

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/redis/go-redis/v9"
)

func TestErrorClass(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	for _, tt := range []struct {
		err  error
		want string
	}{
		{nil, ""},
		{fmt.Errorf("decide: %w", ErrCircuitOpen), "circuit_open"},
		{ErrBadReply, "bad_reply"},
		{context.DeadlineExceeded, "timeout"},
		{redis.ErrPoolTimeout, "timeout"},
		{fmt.Errorf("get conn: %w", redis.ErrPoolTimeout), "timeout"},
		{&net.OpError{Op: "dial", Net: "tcp", Err: timeoutErr{}}, "timeout"},
		{tls.AlertError(42), "tls"},
		{refused, "connection"},
		{io.EOF, "connection"},
		{redis.ErrClosed, "connection"},
		{redis.ErrPoolExhausted, "redis_error"},
		{fmt.Errorf("ERR unknown command"), "redis_error"},
	} {
		if got := ErrorClass(tt.err); got != tt.want {
			t.Errorf("ErrorClass(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

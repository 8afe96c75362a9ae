package ratelimit

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisServer is a redis-server process a test owns.
type redisServer struct {
	Addr string
	port int
	cmd  *exec.Cmd
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startRedis runs a throwaway redis-server on a free port, stopped when
// the test ends.
func startRedis(t testing.TB, port int) *redisServer {
	t.Helper()
	if port == 0 {
		port = freePort(t)
	}
	path, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server not installed")
	}
	s := &redisServer{Addr: "127.0.0.1:" + strconv.Itoa(port), port: port}
	s.cmd = exec.Command(path, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", t.TempDir())
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	c := redis.NewClient(&redis.Options{Addr: s.Addr, MaxRetries: -1})
	defer c.Close()
	for i := 0; ; i++ {
		if c.Ping(context.Background()).Err() == nil {
			return s
		}
		if i == 200 {
			t.Fatalf("redis-server on %s did not start", s.Addr)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Stop kills the server and waits for it.
func (s *redisServer) Stop() {
	if s.cmd == nil || s.cmd.Process == nil || s.cmd.ProcessState != nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
}

// commandCalls returns how many times Redis ran cmd (INFO commandstats).
func commandCalls(t testing.TB, c *redis.Client, cmd string) int {
	t.Helper()
	info, err := c.Info(context.Background(), "commandstats").Result()
	if err != nil {
		t.Fatal(err)
	}
	var n int
	key := "cmdstat_" + cmd + ":calls="
	for i := 0; i+len(key) < len(info); i++ {
		if info[i:i+len(key)] == key {
			fmt.Sscanf(info[i+len(key):], "%d", &n)
		}
	}
	return n
}

func fmtInt(n int64) string { return strconv.FormatInt(n, 10) }

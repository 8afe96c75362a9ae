package ratelimit

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// startProc runs a redis-server with args until the test ends.
func startProc(t *testing.T, args ...string) {
	t.Helper()
	path, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server not installed")
	}
	cmd := exec.Command(path, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for i := 0; !ok(); i++ {
		if i == 500 {
			t.Fatalf("%s: timed out", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// decideEverywhere checks that many identifiers, whose keys spread over
// the cluster's slots, are each decided in one script call without
// CROSSSLOT, and refused at their limit.
func decideEverywhere(t *testing.T, rc RedisConfig) {
	t.Helper()
	c, err := NewClient(rc)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	alg := []Algorithm{SlidingWindow, FixedWindow, GCRA}
	for i := 0; i < 30; i++ {
		a := alg[i%3]
		r := NewRedis(c, "warden-topology:"+strconv.FormatInt(time.Now().UnixNano(), 36)+":", a)
		limits := []Limit{PerSecond(100), PerMinute(1000), PerHour(2)}
		id := "#" + hashHex(strconv.Itoa(i))
		for j, want := range []bool{true, true, false} {
			res, err := r.Decide(context.Background(), id, limits, 1, false)
			if err != nil {
				t.Fatalf("%s identifier %d request %d: %v", a, i, j, err)
			}
			if res.Allowed != want {
				t.Fatalf("%s identifier %d request %d: allowed=%v", a, i, j, res.Allowed)
			}
		}
	}
}

// TestRedisCluster runs the scripts on a real three-master cluster.
func TestRedisCluster(t *testing.T) {
	if _, err := exec.LookPath("redis-cli"); err != nil {
		t.Skip("redis-cli not installed")
	}
	var addrs []string
	for i := 0; i < 3; i++ {
		port := strconv.Itoa(freePort(t))
		dir := t.TempDir()
		startProc(t, "--port", port, "--bind", "127.0.0.1", "--cluster-enabled", "yes",
			"--cluster-config-file", filepath.Join(dir, "nodes.conf"), "--dir", dir, "--save", "", "--appendonly", "no")
		addrs = append(addrs, "127.0.0.1:"+port)
	}
	for _, a := range addrs {
		c := redis.NewClient(&redis.Options{Addr: a})
		waitFor(t, "node "+a, func() bool { return c.Ping(context.Background()).Err() == nil })
		c.Close()
	}
	out, err := exec.Command("redis-cli", append(append([]string{"--cluster", "create"}, addrs...), "--cluster-replicas", "0", "--cluster-yes")...).CombinedOutput()
	if err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	for _, a := range addrs {
		c := redis.NewClient(&redis.Options{Addr: a})
		waitFor(t, "cluster state of "+a, func() bool {
			info, _ := c.ClusterInfo(context.Background()).Result()
			return strings.Contains(info, "cluster_state:ok")
		})
		c.Close()
	}
	var rc RedisConfig
	rc.SetDefaults()
	rc.Mode = RedisCluster
	rc.Addresses = addrs
	rc.TimeoutMS = 1000
	decideEverywhere(t, rc)
}

// TestRedisSentinel finds the master through a real sentinel.
func TestRedisSentinel(t *testing.T) {
	master := startRedis(t, 0)
	sport := strconv.Itoa(freePort(t))
	dir := t.TempDir()
	conf := filepath.Join(dir, "sentinel.conf")
	host, mport, _ := strings.Cut(master.Addr, ":")
	body := "port " + sport + "\nbind 127.0.0.1\ndir " + dir + "\nsentinel monitor wardenmaster " + host + " " + mport + " 1\n"
	if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	startProc(t, conf, "--sentinel")
	s := redis.NewSentinelClient(&redis.Options{Addr: "127.0.0.1:" + sport})
	defer s.Close()
	waitFor(t, "sentinel", func() bool {
		a, err := s.GetMasterAddrByName(context.Background(), "wardenmaster").Result()
		return err == nil && len(a) == 2
	})
	var rc RedisConfig
	rc.SetDefaults()
	rc.Mode = RedisSentinel
	rc.SentinelMaster = "wardenmaster"
	rc.Addresses = []string{"127.0.0.1:" + sport}
	rc.TimeoutMS = 1000
	decideEverywhere(t, rc)
}

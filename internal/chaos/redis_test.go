package chaos

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/tokenstore/storetest"
)

// redisServer is a redis-server the test started on a port of the chaos
// range 6420-6449, with AOF on (appendfsync always) so that a restart
// keeps every write. Stopped by its PID when the test ends.
type redisServer struct {
	t      *testing.T
	path   string
	addr   string
	args   []string
	cmd    *exec.Cmd
	exited chan struct{}
}

// Ports of the chaos range for the suite's own redis-servers.
const firstPort, lastPort = 6420, 6449

// startRedis starts a redis-server on a free port of the chaos range
// (another run of the suite may hold some: they are skipped). A missing
// redis-server binary skips the test (fails with OAUTHX_REQUIRE_SERVICES=1).
func startRedis(t *testing.T) *redisServer {
	t.Helper()
	path, err := exec.LookPath("redis-server")
	if err != nil {
		storetest.ServiceMissing(t, "redis-server (Debian package redis-server)", err)
	}
	dir := t.TempDir()
	n := lastPort - firstPort + 1
	offset := rand.IntN(n)
	for i := range n {
		port := firstPort + (offset+i)%n
		if c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second); err == nil {
			_ = c.Close()
			continue // taken
		}
		r := &redisServer{t: t, path: path, addr: fmt.Sprintf("127.0.0.1:%d", port), args: []string{
			"--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "",
			"--appendonly", "yes", "--appendfsync", "always", "--logfile", filepath.Join(dir, "redis.log"),
		}}
		if err := r.start(); err != nil {
			r.stop()
			continue // lost a race for the port
		}
		t.Cleanup(func() {
			r.stop()
			if t.Failed() {
				if log, err := os.ReadFile(filepath.Join(dir, "redis.log")); err == nil {
					t.Logf("redis-server %s log:\n%s", r.addr, log[max(0, len(log)-1500):])
				}
			}
		})
		return r
	}
	t.Fatalf("no free port for a redis-server in %d-%d", firstPort, lastPort)
	return nil
}

// start starts the server and waits until it answers (as itself).
func (r *redisServer) start() error {
	r.cmd = exec.Command(r.path, r.args...)
	r.cmd.Stdout, r.cmd.Stderr = os.Stderr, os.Stderr
	if err := r.cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	r.exited = exited
	cmd := r.cmd
	go func() { _ = cmd.Wait(); close(exited) }()
	rdb := redis.NewClient(&redis.Options{Addr: r.addr, MaxRetries: -1})
	defer rdb.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		info, err := rdb.Info(ctx, "server").Result()
		cancel()
		if err == nil {
			// Ours, not another run's server that won the port.
			if !strings.Contains(info, fmt.Sprintf("process_id:%d\r\n", cmd.Process.Pid)) {
				return fmt.Errorf("another redis-server answers on %s", r.addr)
			}
			return nil
		}
		if time.Now().After(deadline) || !r.running() {
			return fmt.Errorf("redis-server on %s did not come up: %v", r.addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (r *redisServer) running() bool {
	select {
	case <-r.exited:
		return false
	default:
		return true
	}
}

// stop ends the server by its PID: SIGTERM (a clean shutdown, the AOF
// flushed), SIGKILL if it is still there 10 s later.
func (r *redisServer) stop() {
	if r.cmd == nil || r.cmd.Process == nil || !r.running() {
		return
	}
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.exited:
	case <-time.After(10 * time.Second):
		_ = r.cmd.Process.Kill()
		<-r.exited
	}
}

// restart stops the server, waits down, and starts it again on the same
// port and data directory (its AOF is replayed).
func (r *redisServer) restart(down time.Duration) {
	r.t.Helper()
	r.stop()
	time.Sleep(down)
	require.NoError(r.t, r.start())
}

// clusterAddrs returns the Redis Cluster seeds from OAUTHX_REDIS_CLUSTER
// (set by scripts/test.sh), or skips (fails with OAUTHX_REQUIRE_SERVICES=1).
func clusterAddrs(t *testing.T) []string {
	t.Helper()
	env := os.Getenv("OAUTHX_REDIS_CLUSTER")
	if env == "" {
		storetest.ServiceMissing(t, "Redis Cluster (OAUTHX_REDIS_CLUSTER, started by scripts/test.sh)", fmt.Errorf("OAUTHX_REDIS_CLUSTER is not set"))
	}
	addrs := strings.Split(env, ",")
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	info, err := rdb.ClusterInfo(ctx).Result()
	if err == nil && !strings.Contains(info, "cluster_state:ok") {
		err = fmt.Errorf("cluster info does not say cluster_state:ok")
	}
	if err != nil {
		storetest.ServiceMissing(t, "Redis Cluster on "+env, err)
	}
	return addrs
}

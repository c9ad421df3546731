package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/tokenstore"
)

func main() {
	oauthxBin := flag.String("oauthx", "", "the oauthx binary")
	baselineBin := flag.String("baseline", "", "the x/oauth2 baseline binary")
	n := flag.Int("n", 40, "runs of each (alternating)")
	flag.Parse()
	if *oauthxBin == "" || *baselineBin == "" || *n < 1 {
		fmt.Fprintln(os.Stderr, "usage: cli -oauthx BIN -baseline BIN [-n N]")
		os.Exit(2)
	}
	if err := run(*oauthxBin, *baselineBin, *n); err != nil {
		fmt.Fprintln(os.Stderr, "cli:", err)
		os.Exit(1)
	}
}

// sample is one process run: its wall time, CPU time (user + system)
// and peak resident memory.
type sample struct {
	wall, cpu time.Duration
	maxRSS    int64 // KiB
}

func run(oauthxBin, baselineBin string, n int) error {
	tmp, err := os.MkdirTemp("", "oauthx-clibench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	home := filepath.Join(tmp, "home")
	cfg := filepath.Join(home, ".config")
	rt := filepath.Join(tmp, "run")
	if err := os.MkdirAll(rt, 0o700); err != nil {
		return err
	}
	env := []string{"HOME=" + home, "XDG_CONFIG_HOME=" + cfg, "XDG_RUNTIME_DIR=" + rt, "PATH=" + os.Getenv("PATH")}

	// The same token, as a stored session and as an oauth2.Token file.
	s := &client.Session{ID: "bench", Provider: "generic", AccessToken: "bench-access-token", TokenType: "Bearer",
		RefreshToken: "bench-refresh-token", Expiry: time.Now().Add(24 * time.Hour), IssuedAt: time.Now()}
	st, err := tokenstore.NewFile(filepath.Join(cfg, "oauthx", "sessions"))
	if err != nil {
		return err
	}
	if err := st.Save(context.Background(), s); err != nil {
		return err
	}
	tokFile := filepath.Join(tmp, "token.json")
	b, err := json.Marshal(s.Token())
	if err != nil {
		return err
	}
	if err := os.WriteFile(tokFile, b, 0o600); err != nil {
		return err
	}

	cmds := []struct {
		name string
		argv []string
	}{
		{"oauthx token bench", []string{oauthxBin, "token", "bench"}},
		{"x/oauth2 baseline", []string{baselineBin, tokFile}},
	}
	// One run of each first: warms the page cache, and oauthx's first run
	// falls back to files and remembers it.
	for _, c := range cmds {
		if _, err := once(c.argv, env, s.AccessToken); err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
	}
	samples := make([][]sample, len(cmds))
	for range n {
		for i, c := range cmds {
			sm, err := once(c.argv, env, s.AccessToken)
			if err != nil {
				return fmt.Errorf("%s: %w", c.name, err)
			}
			samples[i] = append(samples[i], sm)
		}
	}
	wall := func(i int) time.Duration {
		return time.Duration(median(samples[i], func(s sample) int64 { return int64(s.wall) }))
	}
	cpu := func(i int) time.Duration {
		return time.Duration(median(samples[i], func(s sample) int64 { return int64(s.cpu) }))
	}
	rss := func(i int) int64 { return median(samples[i], func(s sample) int64 { return s.maxRSS }) }
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	fmt.Printf("oauthx token NAME beside a minimal x/oauth2 program reading a token file (median of %d alternating runs; %s/%s, %d CPUs, load average %s)\n", n, runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), loadavg())
	fmt.Printf("%-22s %12s %12s %14s\n", "program", "wall time", "CPU time", "max RSS")
	for i, c := range cmds {
		fmt.Printf("%-22s %9.2f ms %9.2f ms %10d KiB\n", c.name, ms(wall(i)), ms(cpu(i)), rss(i))
	}
	fmt.Printf("%-22s %11.2fx %11.2fx %13.2fx   (target: time and memory ≤ 1.3x)\n", "ratio oauthx/x-oauth2",
		float64(wall(0))/float64(wall(1)), float64(cpu(0))/float64(cpu(1)), float64(rss(0))/float64(rss(1)))
	return nil
}

// once runs argv and checks that it printed want and nothing else on
// stdout.
func once(argv, env []string, want string) (sample, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return sample{}, fmt.Errorf("%v: %s", err, strings.TrimSpace(errb.String()))
	}
	if out.String() != want+"\n" {
		return sample{}, fmt.Errorf("printed %q, want the access token", out.String())
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return sample{}, fmt.Errorf("no rusage on %s", runtime.GOOS)
	}
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return sample{wall: wall, cpu: cpu, maxRSS: ru.Maxrss}, nil
}

// median is the median of key over s.
func median(s []sample, key func(sample) int64) int64 {
	v := make([]int64, len(s))
	for i, x := range s {
		v[i] = key(x)
	}
	slices.Sort(v)
	if len(v)%2 == 0 {
		return (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	return v[len(v)/2]
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}

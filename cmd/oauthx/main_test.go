package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// bin is the oauthx binary, built once by TestMain.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "oauthx-cli-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = filepath.Join(dir, "oauthx")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "building oauthx: %v\n%s", err, out)
		_ = os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	// Every command line the tests ran was checked as it was built (see
	// env.command); check the whole record once more, after the parallel
	// tests too.
	argvSeen.Lock()
	for _, line := range argvSeen.lines {
		for _, a := range line {
			if strings.Contains(a, secretMark) {
				fmt.Fprintf(os.Stderr, "FAIL: a client secret was passed in argv: %q\n", line)
				code = 1
			}
		}
	}
	argvSeen.Unlock()
	os.Exit(code)
}

// Every client secret a test hands the fakes starts with secretMark, so
// that argv, stdout and stderr can be checked for it.
const secretMark = "SENTINEL-SECRET-"

// argvSeen records every command line the tests ran, checked in TestMain.
var argvSeen struct {
	sync.Mutex
	lines [][]string
}

// env is a test's environment for the binary: a private HOME and config
// directory (so the default store never touches the user's), no D-Bus
// unless asked, and the variables given.
type env struct {
	t    *testing.T
	vars map[string]string
	dir  string // a file store for this test
}

func newEnv(t *testing.T) *env {
	t.Helper()
	home := t.TempDir()
	return &env{t: t, dir: filepath.Join(t.TempDir(), "sessions"), vars: map[string]string{
		"HOME":            home,
		"XDG_CONFIG_HOME": filepath.Join(home, ".config"),
		"PATH":            os.Getenv("PATH"),
	}}
}

func (e *env) set(k, v string) *env { e.vars[k] = v; return e }

func (e *env) environ() []string {
	var out []string
	for k, v := range e.vars {
		out = append(out, k+"="+v)
	}
	return out
}

type result struct {
	code           int
	stdout, stderr string
}

// command builds the command line, checks that no secret is in it, and
// records it.
func (e *env) command(ctx context.Context, args ...string) *exec.Cmd {
	e.t.Helper()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = e.environ()
	for _, a := range cmd.Args {
		require.NotContains(e.t, a, secretMark, "a client secret in argv: %q", cmd.Args)
	}
	argvSeen.Lock()
	argvSeen.lines = append(argvSeen.lines, cmd.Args)
	argvSeen.Unlock()
	return cmd
}

// run runs the binary with stdin and args; --store file:DIR is added
// unless args name a store.
func (e *env) run(stdin string, args ...string) result {
	e.t.Helper()
	if !hasStore(args) && takesStore(args) && e.vars[envStore] == "" {
		args = append([]string{"--store", "file:" + e.dir}, args...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := e.command(ctx, args...)
	var out, errb bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(stdin), &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		require.NoError(e.t, err)
	}
	r := result{code: code, stdout: out.String(), stderr: errb.String()}
	assert.NotContains(e.t, r.stdout+r.stderr, secretMark, "a client secret in the output of %q", args)
	return r
}

// takesStore reports whether the command args name takes --store: all
// but demo and fake, which keep no sessions of the user's.
func takesStore(args []string) bool {
	for _, a := range args {
		if !strings.HasPrefix(a, "-") {
			return a != "demo" && a != "fake"
		}
	}
	return true
}

func hasStore(args []string) bool {
	for _, a := range args {
		if a == "--store" || strings.HasPrefix(a, "--store=") {
			return true
		}
	}
	return false
}

// ok runs and requires exit 0.
func (e *env) ok(args ...string) result {
	e.t.Helper()
	r := e.run("", args...)
	require.Equal(e.t, 0, r.code, "oauthx %q\nstdout: %s\nstderr: %s", args, r.stdout, r.stderr)
	return r
}

// exit runs and requires the exit code.
func (e *env) exit(want int, args ...string) result {
	e.t.Helper()
	r := e.run("", args...)
	require.Equal(e.t, want, r.code, "oauthx %q\nstdout: %s\nstderr: %s", args, r.stdout, r.stderr)
	return r
}

// start starts the binary in the background and returns a channel of its
// stderr lines and a function waiting for its end.
func (e *env) start(args ...string) (lines <-chan string, wait func() result) {
	e.t.Helper()
	if !hasStore(args) && takesStore(args) && e.vars[envStore] == "" {
		args = append([]string{"--store", "file:" + e.dir}, args...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	cmd := e.command(ctx, args...)
	var out, errb bytes.Buffer
	cmd.Stdout = &out
	pr, err := cmd.StderrPipe()
	require.NoError(e.t, err)
	require.NoError(e.t, cmd.Start())
	ch := make(chan string, 64)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(ch)
		sc := bufio.NewScanner(io.TeeReader(pr, &errb))
		for sc.Scan() {
			select {
			case ch <- sc.Text():
			default:
			}
		}
	}()
	return ch, func() result {
		defer cancel()
		<-done
		err := cmd.Wait()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else {
			require.NoError(e.t, err)
		}
		r := result{code: code, stdout: out.String(), stderr: errb.String()}
		assert.NotContains(e.t, r.stdout+r.stderr, secretMark)
		return r
	}
}

// jsonOf decodes a --json answer.
func jsonOf[T any](t *testing.T, s string) T {
	t.Helper()
	var v T
	require.NoError(t, json.Unmarshal([]byte(s), &v), s)
	return v
}

package chaos

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providers"
	"github.com/oauthx/oauthx/tokenstore"
)

// The child protocol. A child is this test binary re-executed with
// envChild holding its childConfig as JSON (TestMain sends it to
// runChild). It opens the store, says "ready", then reads one command
// per line on stdin and answers one reply per line on stdout, both JSON.
// It exits when stdin closes and its commands are done.
const envChild = "OAUTHX_CHAOS_CHILD"

type childConfig struct {
	Store        storeSpec     `json:"store"`
	URL          string        `json:"url"`
	ClientID     string        `json:"client_id"`
	ClientSecret string        `json:"client_secret"`
	Early        time.Duration `json:"early,omitempty"`
}

// command is what the test asks of a child.
type command struct {
	// Op is "token" (one Token call on session ID, pausing at Gate if
	// set), "go" (leave the gate the child waits at) or "storm"
	// (Goroutines goroutines calling Token on ID until Until).
	Op         string    `json:"op"`
	ID         string    `json:"id,omitempty"`
	Gate       string    `json:"gate,omitempty"`
	Goroutines int       `json:"goroutines,omitempty"`
	Until      time.Time `json:"until,omitzero"`
}

// reply is what a child answers.
type reply struct {
	// Op is "ready", "gate" (paused at Point), "token" (Access or Err),
	// "storm" (Calls, Errors, Err: the first error, Handed: each access
	// token with the last time it was handed out) or "fatal".
	Op     string    `json:"op"`
	ID     string    `json:"id,omitempty"`
	Point  string    `json:"point,omitempty"`
	Access string    `json:"access,omitempty"`
	Err    string    `json:"err,omitempty"`
	At     time.Time `json:"at,omitzero"`
	Calls  int64     `json:"calls,omitempty"`
	Errors int64     `json:"errors,omitempty"`
	Handed []handout `json:"handed,omitempty"`
	// Refreshed: the sessions this child's refreshes saved (storm).
	Refreshed []refreshed `json:"refreshed,omitempty"`
}

// refreshed is a session a child's refresh saved: its access token and
// the client's view of when it was issued and expires.
type refreshed struct {
	Access   string    `json:"access"`
	IssuedAt time.Time `json:"issued_at"`
	Expiry   time.Time `json:"expiry"`
}

// proc is a running child, seen from the test.
type proc struct {
	t       *testing.T
	name    string
	cmd     *exec.Cmd
	in      io.WriteCloser
	replies chan reply
	stderr  *syncBuffer
	exited  chan struct{}
}

// startChild starts a child and waits for it to say ready. It is stopped
// by its PID when t ends: SIGCONT (it may be stopped), stdin closed, and
// SIGKILL if it has not exited 10 s later.
func startChild(t *testing.T, name string, cfg childConfig) *proc {
	t.Helper()
	raw, err := json.Marshal(cfg)
	require.NoError(t, err)
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.count=1")
	cmd.Env = append(os.Environ(), envChild+"="+string(raw))
	p := &proc{t: t, name: name, cmd: cmd, replies: make(chan reply, 64), stderr: &syncBuffer{}, exited: make(chan struct{})}
	cmd.Stderr = p.stderr
	p.in, err = cmd.StdinPipe()
	require.NoError(t, err)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 0, 64<<10), 64<<20)
		for sc.Scan() {
			var r reply
			if json.Unmarshal(sc.Bytes(), &r) != nil {
				r = reply{Op: "fatal", Err: "unparsable reply: " + sc.Text()}
			}
			p.replies <- r
		}
		close(p.replies)
		_ = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGCONT)
		_ = p.in.Close()
		select {
		case <-p.exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-p.exited
		}
	})
	p.expect("ready", 60*time.Second)
	return p
}

// send writes one command.
func (p *proc) send(c command) {
	p.t.Helper()
	raw, err := json.Marshal(c)
	require.NoError(p.t, err)
	_, err = p.in.Write(append(raw, '\n'))
	require.NoError(p.t, err, "child %s: write command", p.name)
}

// expect returns the child's next reply, which must be op, within
// timeout (a bound against hangs, not a speed check).
func (p *proc) expect(op string, timeout time.Duration) reply {
	p.t.Helper()
	r := p.next(op, timeout)
	if r.Op != op {
		p.t.Fatalf("child %s answered %q (%s) while the test waited for %q; stderr:\n%s", p.name, r.Op, r.Err, op, p.stderr.String())
	}
	return r
}

// next returns the child's next reply, whatever it is, within timeout;
// want names what the test waits for, in messages.
func (p *proc) next(want string, timeout time.Duration) reply {
	p.t.Helper()
	select {
	case r, ok := <-p.replies:
		if !ok {
			p.t.Fatalf("child %s exited while the test waited for %q; stderr:\n%s", p.name, want, p.stderr.String())
		}
		if r.Op == "fatal" {
			p.t.Fatalf("child %s: %s", p.name, r.Err)
		}
		return r
	case <-time.After(timeout):
		p.t.Fatalf("child %s: no %q within %v; stderr:\n%s", p.name, want, timeout, p.stderr.String())
	}
	return reply{}
}

// signal sends sig to the child's PID.
func (p *proc) signal(sig syscall.Signal) {
	p.t.Helper()
	require.NoError(p.t, p.cmd.Process.Signal(sig), "child %s: %v", p.name, sig)
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// runChild is the child's side; it returns the exit code.
func runChild(raw string) int {
	var cfg childConfig
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		fmt.Fprintln(os.Stderr, "chaos child: bad config:", err)
		return 2
	}
	ctx := context.Background()
	var outMu sync.Mutex
	out := json.NewEncoder(os.Stdout)
	send := func(r reply) {
		outMu.Lock()
		_ = out.Encode(r)
		outMu.Unlock()
	}
	base, closeStore, err := openStore(ctx, cfg.Store)
	if err != nil {
		fmt.Fprintln(os.Stderr, "chaos child: open store:", err)
		return 2
	}
	defer closeStore()
	gates := make(chan struct{}, 16)
	wait := func(point, id string) {
		send(reply{Op: "gate", ID: id, Point: point})
		<-gates
	}
	st := newGatedStore(base, wait)
	gt := &gateTransport{base: http.DefaultTransport.(*http.Transport).Clone(), wait: wait}
	c, err := client.New(client.Config{Provider: providers.Generic(cfg.URL), ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret},
		client.WithHTTPClient(&http.Client{Transport: gt, Timeout: 30 * time.Second}))
	if err != nil {
		fmt.Fprintln(os.Stderr, "chaos child: client:", err)
		return 2
	}
	var refMu sync.Mutex
	var refs []refreshed
	opts := []tokenstore.TokenSourceOption{tokenstore.WithRefreshTimeout(time.Minute),
		tokenstore.WithAfterRefresh(func(_ context.Context, s *client.Session) {
			refMu.Lock()
			refs = append(refs, refreshed{s.AccessToken, s.IssuedAt, s.Expiry})
			refMu.Unlock()
		})}
	if cfg.Early > 0 {
		opts = append(opts, tokenstore.WithEarlyExpiry(cfg.Early))
	}
	var srcMu sync.Mutex
	sources := map[string]*tokenstore.TokenSource{}
	source := func(id string) *tokenstore.TokenSource {
		srcMu.Lock()
		defer srcMu.Unlock()
		if sources[id] == nil {
			sources[id] = tokenstore.NewTokenSource(st, c, id, opts...)
		}
		return sources[id]
	}
	send(reply{Op: "ready"})

	var wg sync.WaitGroup
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		var cmd command
		if err := json.Unmarshal(sc.Bytes(), &cmd); err != nil {
			send(reply{Op: "fatal", Err: "bad command: " + err.Error()})
			continue
		}
		switch cmd.Op {
		case "go":
			gates <- struct{}{}
		case "token":
			switch cmd.Gate {
			case gateAfterSend:
				gt.armed.Store(&cmd.ID)
			case "":
			default:
				st.arm(cmd.ID, cmd.Gate)
			}
			wg.Go(func() {
				tok, err := source(cmd.ID).Token()
				r := reply{Op: "token", ID: cmd.ID, At: time.Now()}
				if err != nil {
					r.Err = err.Error()
				} else {
					r.Access = tok.AccessToken
				}
				send(r)
			})
		case "storm":
			wg.Go(func() {
				r := storm(source(cmd.ID), cmd)
				refMu.Lock()
				r.Refreshed, refs = refs, nil
				refMu.Unlock()
				send(r)
			})
		default:
			send(reply{Op: "fatal", Err: "unknown op " + cmd.Op})
		}
	}
	wg.Wait()
	return 0
}

// storm runs cmd.Goroutines goroutines calling Token until cmd.Until,
// each pausing 10–30 ms between calls.
func storm(ts *tokenstore.TokenSource, cmd command) reply {
	var calls, errs atomic.Int64
	var firstErr atomic.Pointer[string]
	var mu sync.Mutex
	last := map[string]time.Time{}
	var wg sync.WaitGroup
	for range cmd.Goroutines {
		wg.Go(func() {
			mine := map[string]time.Time{}
			for time.Now().Before(cmd.Until) {
				tok, err := ts.Token()
				now := time.Now()
				calls.Add(1)
				if err != nil {
					errs.Add(1)
					msg := err.Error()
					firstErr.CompareAndSwap(nil, &msg)
				} else {
					mine[tok.AccessToken] = now
				}
				time.Sleep(time.Duration(10+rand.IntN(20)) * time.Millisecond)
			}
			mu.Lock()
			for at, when := range mine {
				if when.After(last[at]) {
					last[at] = when
				}
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	r := reply{Op: "storm", ID: cmd.ID, Calls: calls.Load(), Errors: errs.Load()}
	if p := firstErr.Load(); p != nil {
		r.Err = *p
	}
	for at, when := range last {
		r.Handed = append(r.Handed, handout{at, when})
	}
	return r
}

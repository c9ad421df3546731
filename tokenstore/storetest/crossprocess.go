package storetest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/internal/errtext"
	"github.com/oauthx/oauthx/providers"
	"github.com/oauthx/oauthx/providertest"
	"github.com/oauthx/oauthx/tokenstore"
)

// envChild carries a child's configuration, as JSON.
const envChild = "OAUTHX_STORETEST_CHILD"

// Opener opens, in a child process, the store a parent test described
// with spec (a directory, a key prefix, a table name…).
type Opener func(ctx context.Context, spec string) (tokenstore.Store, error)

type childConfig struct {
	Mode         string        `json:"mode"` // "storm" or "crash"
	Spec         string        `json:"spec"`
	SessionID    string        `json:"session_id"`
	ServerURL    string        `json:"server_url,omitempty"`
	ClientID     string        `json:"client_id,omitempty"`
	ClientSecret string        `json:"client_secret,omitempty"`
	Goroutines   int           `json:"goroutines,omitempty"`
	Early        time.Duration `json:"early,omitempty"`
	Start        time.Time     `json:"start,omitzero"`
	Duration     time.Duration `json:"duration,omitempty"`
}

// Main lets a test binary serve as the child processes of Storm and
// Crash. Call it first in TestMain: in a child it runs the child's part
// with the store open returns and exits; otherwise it returns at once.
//
//	func TestMain(m *testing.M) {
//		storetest.Main(openStore)
//		os.Exit(m.Run())
//	}
func Main(open Opener) {
	raw := os.Getenv(envChild)
	if raw == "" {
		return
	}
	var cfg childConfig
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		fmt.Fprintln(os.Stderr, "storetest child: bad config:", err)
		os.Exit(2)
	}
	ctx := context.Background()
	st, err := open(ctx, cfg.Spec)
	if err != nil {
		fmt.Fprintln(os.Stderr, "storetest child: open store:", err)
		os.Exit(2)
	}
	switch cfg.Mode {
	case "storm":
		err = stormChild(ctx, st, cfg)
	case "crash":
		err = crashChild(ctx, st, cfg)
	default:
		err = fmt.Errorf("unknown mode %q", cfg.Mode)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "storetest child:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

func childCommand(t *testing.T, cfg childConfig) *exec.Cmd {
	t.Helper()
	raw, err := json.Marshal(cfg)
	require.NoError(t, err)
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.count=1")
	cmd.Env = append(os.Environ(), envChild+"="+string(raw))
	return cmd
}

// StormConfig sizes a refresh storm.
type StormConfig struct {
	// Processes and Goroutines (per process); defaults 8 and 64.
	Processes, Goroutines int
	// Lifetime is the access tokens' lifetime (whole seconds; default
	// 3 s) and Early the TokenSource's early-expiry margin (default half
	// the lifetime).
	Lifetime, Early time.Duration
	// Expiries is how many refreshes the storm should go through at least
	// (default 4).
	Expiries int
}

// Storm runs Processes OS processes (this test binary, through Main) of
// Goroutines goroutines each, all calling TokenSource.Token on one
// session in st (children open it from spec) against one fake generic
// provider with single-use refresh tokens and short-lived access tokens,
// for several expiries. It fails t unless the provider saw exactly one
// refresh per expiry, never a reused refresh token, never a rejected
// request, and every token handed out was valid at the provider.
func Storm(t *testing.T, st tokenstore.Store, spec string, cfg StormConfig) {
	t.Helper()
	if cfg.Processes == 0 {
		cfg.Processes = 8
	}
	if cfg.Goroutines == 0 {
		cfg.Goroutines = 64
	}
	if cfg.Lifetime == 0 {
		cfg.Lifetime = 3 * time.Second
	}
	if cfg.Early == 0 {
		cfg.Early = cfg.Lifetime / 2
	}
	if cfg.Expiries == 0 {
		cfg.Expiries = 4
	}
	g := providertest.NewGeneric(providertest.WithTokenLifetime(cfg.Lifetime))
	defer g.Close()
	c, err := client.New(client.Config{Provider: providers.Generic(g.URL), ClientID: g.ClientID, ClientSecret: g.ClientSecret})
	require.NoError(t, err)
	ctx := context.Background()
	id := fmt.Sprintf("storm:%d", rand.Uint64())
	first, err := c.ExchangeCode(ctx, g.IssueCode(""), client.WithSessionID(id))
	require.NoError(t, err)
	require.NoError(t, st.Save(ctx, first))
	t.Cleanup(func() { _ = st.Delete(context.Background(), id) })

	interval := cfg.Lifetime - cfg.Early
	duration := time.Duration(cfg.Expiries+1) * interval
	ccfg := childConfig{
		Mode: "storm", Spec: spec, SessionID: id, ServerURL: g.URL, ClientID: g.ClientID, ClientSecret: g.ClientSecret,
		Goroutines: cfg.Goroutines, Early: cfg.Early, Start: time.Now().Add(time.Second), Duration: duration,
	}
	type result struct {
		out, errOut bytes.Buffer
		err         error
	}
	results := make([]*result, cfg.Processes)
	var wg sync.WaitGroup
	for i := range results {
		r := &result{}
		results[i] = r
		cmd := childCommand(t, ccfg)
		cmd.Stdout, cmd.Stderr = &r.out, &r.errOut
		require.NoError(t, cmd.Start())
		wg.Go(func() { r.err = cmd.Wait() })
	}
	wg.Wait()

	type refresh struct{ issued, expiry time.Time }
	var refreshes []refresh
	var calls int
	for i, r := range results {
		require.NoError(t, r.err, "child %d failed: %s", i, r.errOut.String())
		sc := bufio.NewScanner(&r.out)
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			switch {
			case len(f) == 3 && f[0] == "REFRESH":
				is, _ := strconv.ParseInt(f[1], 10, 64)
				ex, _ := strconv.ParseInt(f[2], 10, 64)
				refreshes = append(refreshes, refresh{time.Unix(0, is), time.Unix(0, ex)})
			case len(f) == 2 && f[0] == "CALLS":
				n, _ := strconv.Atoi(f[1])
				calls += n
			}
		}
	}
	stats := g.Stats()
	t.Logf("storm: %d processes × %d goroutines, %d Token calls, %d refreshes in %v, provider stats %+v",
		cfg.Processes, cfg.Goroutines, calls, len(refreshes), duration, stats)
	require.Zero(t, stats.ReusedRefreshTokens, "a refresh token was sent twice")
	require.Zero(t, stats.Rejected, "the provider rejected a request (invalid_token)")
	require.Equal(t, stats.Refreshes, len(refreshes), "every refresh the provider made was saved and reported by its child")
	require.GreaterOrEqual(t, len(refreshes), cfg.Expiries, "the storm went through too few expiries")
	require.Greater(t, calls, cfg.Processes*cfg.Goroutines)
	sort.Slice(refreshes, func(i, j int) bool { return refreshes[i].issued.Before(refreshes[j].issued) })
	prevExpiry := first.Expiry
	prevIssued := first.IssuedAt
	for i, r := range refreshes {
		// One refresh per expiry: none before the session it replaced
		// entered its early-expiry window.
		due := prevExpiry.Add(-min(cfg.Early, prevExpiry.Sub(prevIssued)/2))
		require.False(t, r.issued.Before(due), "refresh %d at %v came before the previous session was due (%v): two refreshes for one expiry", i, r.issued, due)
		prevExpiry, prevIssued = r.expiry, r.issued
	}
	final, err := st.Load(ctx, id)
	require.NoError(t, err)
	require.True(t, g.AccessTokenValid(final.AccessToken) || !final.ValidAt(time.Now(), 0))
}

func stormChild(ctx context.Context, st tokenstore.Store, cfg childConfig) error {
	c, err := client.New(client.Config{Provider: providers.Generic(cfg.ServerURL), ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret})
	if err != nil {
		return err
	}
	var outMu sync.Mutex
	out := bufio.NewWriter(os.Stdout)
	ts := tokenstore.NewTokenSource(st, c, cfg.SessionID, tokenstore.WithEarlyExpiry(cfg.Early),
		tokenstore.WithAfterRefresh(func(_ context.Context, s *client.Session) {
			outMu.Lock()
			fmt.Fprintf(out, "REFRESH %d %d\n", s.IssuedAt.UnixNano(), s.Expiry.UnixNano())
			outMu.Unlock()
		}))
	time.Sleep(time.Until(cfg.Start))
	end := cfg.Start.Add(cfg.Duration)
	var calls atomic.Int64
	var firstErr atomic.Pointer[error]
	fail := func(err error) { firstErr.CompareAndSwap(nil, &err) }
	hc := &http.Client{Timeout: 10 * time.Second}
	var wg sync.WaitGroup
	for i := range cfg.Goroutines {
		wg.Go(func() {
			checked := ""
			for time.Now().Before(end) && firstErr.Load() == nil {
				tok, err := ts.Token()
				calls.Add(1)
				if err != nil {
					fail(fmt.Errorf("goroutine %d: Token: %w", i, err))
					return
				}
				if !tok.Expiry.After(time.Now()) {
					fail(fmt.Errorf("goroutine %d: handed an expired token", i))
					return
				}
				// A few goroutines show every new token to the provider.
				if i < 4 && tok.AccessToken != checked {
					checked = tok.AccessToken
					if err := userinfo(ctx, hc, cfg.ServerURL, tok.AccessToken); err != nil {
						fail(fmt.Errorf("goroutine %d: %w", i, err))
						return
					}
				}
				time.Sleep(time.Duration(10+rand.IntN(20)) * time.Millisecond)
			}
		})
	}
	wg.Wait()
	outMu.Lock()
	fmt.Fprintf(out, "CALLS %d\n", calls.Load())
	ferr := out.Flush()
	outMu.Unlock()
	if p := firstErr.Load(); p != nil {
		return *p
	}
	return ferr
}

func userinfo(ctx context.Context, hc *http.Client, base, token string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/userinfo", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := hc.Do(req)
	if err != nil {
		return errtext.Errorf("userinfo: %w", err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("userinfo: the provider refused a handed-out access token (status %d, invalid_token)", resp.StatusCode)
	}
	return nil
}

// Crash starts, rounds times, a child process that saves a session into
// st (opened from spec) in a tight loop with values of varying sizes, and
// kills it with SIGKILL at a random moment. After every kill the session
// must load, and be one the child or the test wrote.
func Crash(t *testing.T, st tokenstore.Store, spec string, rounds int) {
	t.Helper()
	ctx := context.Background()
	id := fmt.Sprintf("crash:%d", rand.Uint64())
	seed := Sample(id)
	require.NoError(t, st.Save(ctx, seed))
	t.Cleanup(func() { _ = st.Delete(context.Background(), id) })
	saves := 0
	for round := range rounds {
		cmd := childCommand(t, childConfig{Mode: "crash", Spec: spec, SessionID: id})
		stdout, err := cmd.StdoutPipe()
		require.NoError(t, err)
		var errOut bytes.Buffer
		cmd.Stderr = &errOut
		require.NoError(t, cmd.Start())
		sc := bufio.NewScanner(stdout)
		if !sc.Scan() || sc.Text() != "SAVING" {
			_ = cmd.Wait()
			t.Fatalf("child did not start saving: %s", errOut.String())
		}
		// Let it complete a few saves (0 to 2) so that it overwrites its
		// own values, then kill it at a random point of the next one.
		started, perSave := time.Now(), 40*time.Millisecond
		for n := rand.IntN(3); n > 0 && sc.Scan(); n-- {
			saves++
			perSave = max(time.Since(started), time.Millisecond)
			started = time.Now()
		}
		time.Sleep(rand.N(perSave))
		require.NoError(t, cmd.Process.Kill()) // SIGKILL on Unix
		for sc.Scan() {
			saves++
		}
		err = cmd.Wait()
		require.Error(t, err, "child must have been killed")
		require.NotContains(t, errOut.String(), "storetest child:", "child failed on its own: %s", errOut.String())

		got, err := st.Load(ctx, id)
		require.NoError(t, err, "round %d: the store does not load after a crash", round)
		require.Equal(t, id, got.ID)
		require.True(t, got.AccessToken == seed.AccessToken || strings.HasPrefix(got.AccessToken, "crash-at-"),
			"round %d: unexpected session content", round)
		list, err := st.List(ctx, tokenstore.Filter{Provider: "generic"})
		require.NoError(t, err, "round %d: List fails after a crash", round)
		found := false
		for _, s := range list {
			found = found || s.ID == id
		}
		require.True(t, found, "round %d: the session is missing from List", round)
	}
	t.Logf("crash: %d kills, %d saves completed before them", rounds, saves)
}

func crashChild(ctx context.Context, st tokenstore.Store, cfg childConfig) error {
	fmt.Println("SAVING")
	for i := 0; ; i++ {
		s := Sample(cfg.SessionID)
		s.AccessToken = fmt.Sprintf("crash-at-%d-%d", os.Getpid(), i)
		s.RefreshToken = fmt.Sprintf("crash-rt-%d-%d", os.Getpid(), i)
		s.Extra["pad"] = strings.Repeat("p", rand.IntN(6000)) // inline and chunked values alike
		if err := st.Save(ctx, s); err != nil {
			return err
		}
		fmt.Println("SAVED")
	}
}

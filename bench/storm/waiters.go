package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/redis/go-redis/v9"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providers"
	"github.com/oauthx/oauthx/providertest"
	"github.com/oauthx/oauthx/tokenstore"
	"github.com/oauthx/oauthx/tokenstore/redisstore"
	"github.com/oauthx/oauthx/tokenstore/sqlstore"
)

// Waiter latency: P processes × G goroutines hold a cached session that
// becomes due at one instant T; at T every goroutine calls Token(). Each
// goroutine's latency is the time from T until it holds the new token.
// The floor is what the one refresher cannot avoid: one refresh round
// trip plus one compare-and-set save, measured alone against the same
// provider fake and store.

const (
	redisAddr   = "127.0.0.1:6379"
	postgresDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
)

// waiterStore is a store under test, described so a child can open it.
type waiterStore struct {
	kind, spec string
	st         tokenstore.Store
	cleanup    func()
}

func openWaiterStore(ctx context.Context, kind, spec string) (tokenstore.Store, func(), error) {
	switch kind {
	case "file":
		st, err := tokenstore.NewFile(spec)
		return st, func() {}, err
	case "redis":
		rdb := redis.NewClient(&redis.Options{Addr: redisAddr})
		return redisstore.New(rdb, redisstore.WithPrefix(spec)), func() { _ = rdb.Close() }, nil
	case "postgres":
		db, err := sql.Open("pgx", postgresDSN)
		if err != nil {
			return nil, nil, err
		}
		// database/sql keeps 2 idle connections by default: the lock's
		// connection, the pollers' and the saver's would otherwise each
		// start a PostgreSQL backend per refresh.
		db.SetMaxIdleConns(8)
		st, err := sqlstore.New(ctx, db, sqlstore.WithTable(spec))
		if err != nil {
			_ = db.Close()
			return nil, nil, err
		}
		return st, func() { _ = db.Close() }, nil
	}
	return nil, nil, fmt.Errorf("unknown store %q", kind)
}

// newWaiterStore creates an empty store of kind for one run.
func newWaiterStore(ctx context.Context, kind string) (*waiterStore, error) {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	tag := hex.EncodeToString(b)
	ws := &waiterStore{kind: kind}
	var dir string
	switch kind {
	case "file":
		var err error
		if dir, err = os.MkdirTemp("", "oauthx-waiters-"); err != nil {
			return nil, err
		}
		ws.spec = filepath.Join(dir, "sessions")
	case "redis":
		ws.spec = "oauthx-bench-" + tag + ":"
	case "postgres":
		ws.spec = "oauthx_bench_" + tag
	}
	st, closeFn, err := openWaiterStore(ctx, kind, ws.spec)
	if err != nil {
		return nil, err
	}
	if _, err := st.Load(ctx, "probe"); !errors.Is(err, tokenstore.ErrNotFound) {
		closeFn()
		return nil, fmt.Errorf("%s store does not answer: %v", kind, err)
	}
	ws.st = st
	ws.cleanup = func() {
		switch s := st.(type) {
		case *redisstore.Store:
			if keys, err := s.Keys(ctx); err == nil && len(keys) > 0 {
				rdb := redis.NewClient(&redis.Options{Addr: redisAddr})
				_ = rdb.Del(ctx, keys...).Err()
				_ = rdb.Close()
			}
		case *sqlstore.Store:
			if db, err := sql.Open("pgx", postgresDSN); err == nil {
				_, _ = db.ExecContext(ctx, `DROP TABLE IF EXISTS `+s.Table())
				_ = db.Close()
			}
		}
		closeFn()
		if dir != "" {
			_ = os.RemoveAll(dir)
		}
	}
	return ws, nil
}

type waiterStats struct {
	floor, wake, p50, p99, last, worst time.Duration
	refreshes, rounds, failed          int
}

// runWaiters measures one store at one shape over rounds expiries.
func runWaiters(ws *waiterStore, sh shape, rounds int) (waiterStats, error) {
	ctx := context.Background()
	g := providertest.NewGeneric(providertest.WithTokenLifetime(time.Hour))
	defer g.Close()
	c, err := client.New(client.Config{Provider: providers.Generic(g.URL), ClientID: g.ClientID, ClientSecret: g.ClientSecret})
	if err != nil {
		return waiterStats{}, err
	}
	var r waiterStats
	if r.floor, err = measureFloor(ctx, c, g, ws.st); err != nil {
		return r, err
	}
	const early = 30 * time.Second
	const gap = 2 * time.Second
	start := time.Now().Add(2*time.Second + time.Duration(sh.procs)*200*time.Millisecond)
	ids := make([]string, rounds)
	dues := make([]time.Time, rounds)
	for i := range rounds {
		ids[i] = "waiters-" + strconv.Itoa(i)
		dues[i] = start.Add(time.Duration(i) * gap)
		s, err := c.ExchangeCode(ctx, g.IssueCode(""), client.WithSessionID(ids[i]))
		if err != nil {
			return r, err
		}
		// Due (early before Expiry) at dues[i]; issued long before, so the
		// half-lifetime rule does not move it.
		s.IssuedAt, s.Expiry = dues[i].Add(-time.Hour), dues[i].Add(early)
		if err := ws.st.Save(ctx, s); err != nil {
			return r, err
		}
	}
	before := g.Stats().Refreshes
	cfg := childConfig{Mode: "waiters", Store: ws.kind, Dir: ws.spec, ServerURL: g.URL, ClientID: g.ClientID,
		ClientSecret: g.ClientSecret, Goroutines: sh.goroutines, Early: early, IDs: ids, Dues: dues}
	raw, err := json.Marshal(cfg)
	if err != nil {
		return r, err
	}
	self, err := os.Executable()
	if err != nil {
		return r, err
	}
	outs := make([]strings.Builder, sh.procs)
	errs := make([]error, sh.procs)
	var wg sync.WaitGroup
	for i := range sh.procs {
		cmd := exec.Command(self)
		cmd.Env = append(os.Environ(), envChild+"="+string(raw))
		cmd.Stdout, cmd.Stderr = &outs[i], os.Stderr
		if err := cmd.Start(); err != nil {
			return r, err
		}
		wg.Go(func() { errs[i] = cmd.Wait() })
	}
	wg.Wait()
	var all, wakes []time.Duration
	perRound := make([]time.Duration, rounds)
	for i := range sh.procs {
		if errs[i] != nil {
			return r, fmt.Errorf("child %d: %v", i, errs[i])
		}
		sc := bufio.NewScanner(strings.NewReader(outs[i].String()))
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			switch {
			case len(f) == 3 && f[0] == "WAKE":
				ns, _ := strconv.ParseInt(f[2], 10, 64)
				wakes = append(wakes, time.Duration(ns))
			case len(f) == 3 && f[0] == "LAT":
				round, _ := strconv.Atoi(f[1])
				ns, _ := strconv.ParseInt(f[2], 10, 64)
				d := time.Duration(ns)
				all = append(all, d)
				if round >= 0 && round < rounds {
					perRound[round] = max(perRound[round], d)
				}
			case len(f) > 0 && f[0] == "ERROR":
				r.failed++
			}
		}
	}
	if len(all) == 0 {
		return r, fmt.Errorf("no latencies reported")
	}
	slices.Sort(all)
	r.p50, r.p99 = all[len(all)/2], all[min(len(all)-1, len(all)*99/100)]
	slices.Sort(perRound)
	r.last, r.worst = perRound[len(perRound)/2], perRound[len(perRound)-1]
	if len(wakes) > 0 {
		slices.Sort(wakes)
		r.wake = wakes[len(wakes)/2]
	}
	r.refreshes, r.rounds = g.Stats().Refreshes-before, rounds
	return r, nil
}

// measureFloor is the median of a few refresh + compare-and-set save
// pairs, the work one refresher must do before anyone has the new token.
func measureFloor(ctx context.Context, c *client.Client, g *providertest.Generic, st tokenstore.Store) (time.Duration, error) {
	s, err := c.ExchangeCode(ctx, g.IssueCode(""), client.WithSessionID("floor"))
	if err != nil {
		return 0, err
	}
	if err := st.Save(ctx, s); err != nil {
		return 0, err
	}
	var ds []time.Duration
	for range 9 {
		t0 := time.Now()
		ns, err := c.Refresh(ctx, s)
		if err != nil {
			return 0, err
		}
		if err := st.CompareAndSave(ctx, s, ns); err != nil {
			return 0, err
		}
		ds = append(ds, time.Since(t0))
		s = ns
	}
	slices.Sort(ds)
	return ds[len(ds)/2], nil
}

// waitersChild is one process of runWaiters: per round, warm a
// TokenSource up before the due instant, then call Token() from every
// goroutine at once and print each goroutine's latency.
func waitersChild(cfg childConfig) error {
	ctx := context.Background()
	st, closeFn, err := openWaiterStore(ctx, cfg.Store, cfg.Dir)
	if err != nil {
		return err
	}
	defer closeFn()
	c, err := client.New(client.Config{Provider: providers.Generic(cfg.ServerURL), ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret})
	if err != nil {
		return err
	}
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for round, id := range cfg.IDs {
		due := cfg.Dues[round]
		ts := tokenstore.NewTokenSource(st, c, id, tokenstore.WithEarlyExpiry(cfg.Early))
		old, err := ts.Token() // cached before it is due, as in a steady state
		if err != nil {
			return err
		}
		// The harness's own floor: the same burst while nothing is due,
		// every goroutine reading the cached token.
		wake, err := burst(ts, cfg.Goroutines, due.Add(-wakeLead), "")
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "WAKE %d %d\n", round, slices.Max(wake).Nanoseconds())
		lat, err := burst(ts, cfg.Goroutines, due, old.AccessToken)
		if err != nil {
			return err
		}
		for _, d := range lat {
			fmt.Fprintf(out, "LAT %d %d\n", round, d.Nanoseconds())
		}
	}
	return nil
}

// wakeLead is how long before each due instant the baseline burst runs.
const wakeLead = 600 * time.Millisecond

// burst starts n goroutines that call ts.Token() at the instant at and
// returns how long after it each one held a token other than old (any
// token when old is empty).
func burst(ts *tokenstore.TokenSource, n int, at time.Time, old string) ([]time.Duration, error) {
	lat := make([]time.Duration, n)
	var firstErr error
	var mu sync.Mutex
	var wg sync.WaitGroup
	time.Sleep(time.Until(at.Add(-20 * time.Millisecond)))
	for i := range n {
		wg.Go(func() {
			time.Sleep(time.Until(at))
			tok, err := ts.Token()
			for err == nil && tok.AccessToken == old && time.Since(at) < 10*time.Second {
				tok, err = ts.Token() // woke a hair early: still the old token
			}
			d := time.Since(at)
			if err == nil && tok.AccessToken == old {
				err = fmt.Errorf("no new token 10 s after it was due")
			}
			mu.Lock()
			lat[i] = d
			if err != nil && firstErr == nil {
				firstErr = err
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	return lat, firstErr
}

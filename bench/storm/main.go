// Command storm measures a refresh storm: P processes × G goroutines
// calling Token() on one stored session through its expiries, against the
// single-use refresh-token fake (providertest.Generic), for oauthx's
// tokenstore.TokenSource (file store, cross-process lock) and for
// golang.org/x/oauth2's ReuseTokenSource over its refreshing token source
// (each process starting from the same stored token, as replicas do).
//
//	go run ./bench/storm                       # 1×64 and 8×64, both clients
//	go run ./bench/storm -shapes 8x64 -expiries 6
//
// It prints one line per run: token endpoint requests per expiry, refresh
// tokens presented after rotation (the provider answers invalid_token: a
// session lost), and the processes that ended with an error.
//
// Then it measures refresh-waiter latency (waiters.go) for the file,
// Redis (127.0.0.1:6379) and PostgreSQL (127.0.0.1:5432, database test)
// stores at 1×512 and 8×64: p50, p99 and the last goroutine to hold the
// new token, beside the floor (one refresh + one compare-and-set save)
// and the harness's own wake-up time.
//
//	go run ./bench/storm -shapes '' -waiters redis -waiter-shapes 8x64
//
// scripts/bench.sh runs it after the Go benchmarks.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providers"
	"github.com/oauthx/oauthx/providertest"
	"github.com/oauthx/oauthx/tokenstore"
)

const envChild = "OAUTHX_STORM_CHILD"

type childConfig struct {
	Mode         string        `json:"mode,omitempty"`  // "" (storm) or "waiters"
	Store        string        `json:"store,omitempty"` // waiters: "file", "redis" or "postgres"
	IDs          []string      `json:"ids,omitempty"`   // waiters: one session per round
	Dues         []time.Time   `json:"dues,omitempty"`  // waiters: when each is due
	Impl         string        `json:"impl"`            // "oauthx" or "x-oauth2"
	Dir          string        `json:"dir"`
	SessionID    string        `json:"session_id"`
	ServerURL    string        `json:"server_url"`
	ClientID     string        `json:"client_id"`
	ClientSecret string        `json:"client_secret"`
	Goroutines   int           `json:"goroutines"`
	Early        time.Duration `json:"early"`
	Start        time.Time     `json:"start"`
	Duration     time.Duration `json:"duration"`
}

type shape struct{ procs, goroutines int }

func main() {
	if raw := os.Getenv(envChild); raw != "" {
		if err := child(raw); err != nil {
			fmt.Println("ERROR", strings.ReplaceAll(err.Error(), "\n", " "))
		}
		return
	}
	shapes := flag.String("shapes", "1x64,8x64", "comma-separated PROCESSESxGOROUTINES (empty: skip the storm)")
	lifetime := flag.Duration("lifetime", 2*time.Second, "access token lifetime (whole seconds)")
	expiries := flag.Int("expiries", 4, "expiries each run goes through")
	waiters := flag.String("waiters", "file,redis,postgres", "stores whose refresh-waiter latency is measured (empty: skip)")
	waiterShapes := flag.String("waiter-shapes", "1x512,8x64", "comma-separated PROCESSESxGOROUTINES for the waiter latency")
	waiterRounds := flag.Int("waiter-rounds", 5, "expiries per waiter-latency run")
	flag.Parse()
	list := parseShapes(*shapes)
	failed := storm(list, *lifetime, *expiries)
	if *waiters != "" {
		failed = waiterTable(strings.Split(*waiters, ","), parseShapes(*waiterShapes), *waiterRounds) || failed
	}
	if failed {
		os.Exit(1)
	}
}

func parseShapes(v string) []shape {
	var list []shape
	for _, s := range strings.Split(v, ",") {
		if strings.TrimSpace(s) == "" {
			continue
		}
		p, g, ok := strings.Cut(strings.TrimSpace(s), "x")
		pn, err1 := strconv.Atoi(p)
		gn, err2 := strconv.Atoi(g)
		if !ok || err1 != nil || err2 != nil || pn < 1 || gn < 1 {
			fmt.Fprintf(os.Stderr, "storm: bad shape %q\n", s)
			os.Exit(2)
		}
		list = append(list, shape{pn, gn})
	}
	return list
}

// waiterTable prints the refresh-waiter latency of each store and shape
// beside its floor. It reports whether a run failed outright (a lost
// token, more than one refresh per expiry).
func waiterTable(stores []string, shapes []shape, rounds int) bool {
	fmt.Println()
	fmt.Printf("refresh-waiter latency: every goroutine calls Token() at the instant its cached session is due; %d expiries per run\n", rounds)
	fmt.Println("floor = one refresh round trip + one compare-and-set save, alone; last = the last goroutine to hold the new token (median over expiries; worst in brackets);")
	fmt.Println("wake = the last goroutine of the same burst when nothing is due (the harness and scheduler alone, median)")
	fmt.Printf("%-9s %-8s %9s %9s %9s %9s %20s %11s %9s\n", "store", "procs×g", "floor", "wake", "p50", "p99", "last [worst]", "last/floor", "refresh/expiry")
	failed := false
	for _, kind := range stores {
		kind = strings.TrimSpace(kind)
		for _, sh := range shapes {
			ws, err := newWaiterStore(context.Background(), kind)
			if err != nil {
				fmt.Printf("%-9s %-8s skipped: %v\n", kind, fmt.Sprintf("%d×%d", sh.procs, sh.goroutines), err)
				continue
			}
			r, err := runWaiters(ws, sh, rounds)
			ws.cleanup()
			if err != nil {
				fmt.Printf("%-9s %-8s failed: %v\n", kind, fmt.Sprintf("%d×%d", sh.procs, sh.goroutines), err)
				failed = true
				continue
			}
			ms := func(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/1e6) }
			fmt.Printf("%-9s %-8s %9s %9s %9s %9s %20s %10.2fx %9.2f\n", kind, fmt.Sprintf("%d×%d", sh.procs, sh.goroutines),
				ms(r.floor), ms(r.wake), ms(r.p50), ms(r.p99), ms(r.last)+" ["+ms(r.worst)+"]", float64(r.last)/float64(r.floor),
				float64(r.refreshes)/float64(r.rounds))
			if r.failed > 0 || r.refreshes != r.rounds {
				failed = true
			}
		}
	}
	return failed
}

// storm prints the storm table; it reports whether oauthx failed.
func storm(list []shape, lifetime time.Duration, expiries int) bool {
	if len(list) == 0 {
		return false
	}
	fmt.Printf("refresh storm: single-use rotating refresh tokens, access tokens live %v, refreshed %v early, %d expiries per run\n",
		lifetime, lifetime/2, expiries)
	fmt.Printf("%-9s %-7s %9s %12s %14s %15s %14s\n", "client", "procs×g", "expiries", "refresh reqs", "reqs/expiry", "reused refresh", "procs failed")
	failed := false
	for _, sh := range list {
		for _, impl := range []string{"oauthx", "x-oauth2"} {
			r, err := run(impl, sh, lifetime, expiries)
			if err != nil {
				fmt.Fprintln(os.Stderr, "storm:", err)
				os.Exit(1)
			}
			fmt.Printf("%-9s %-7s %9d %12d %14.2f %15d %14s\n", impl, fmt.Sprintf("%d×%d", sh.procs, sh.goroutines),
				r.expiries, r.requests, float64(r.requests)/float64(r.expiries), r.reused, fmt.Sprintf("%d/%d", r.failedProcs, sh.procs))
			if impl == "oauthx" && (r.reused != 0 || r.requests != r.expiries && r.requests != r.expiries+1 || r.failedProcs != 0) {
				failed = true
			}
		}
	}
	if failed {
		fmt.Println("FAIL: oauthx made more than one refresh per expiry, reused a refresh token or lost a session")
	}
	return failed
}

type result struct {
	expiries, requests, reused, failedProcs int
}

func run(impl string, sh shape, lifetime time.Duration, expiries int) (result, error) {
	g := providertest.NewGeneric(providertest.WithTokenLifetime(lifetime))
	defer g.Close()
	c, err := client.New(client.Config{Provider: providers.Generic(g.URL), ClientID: g.ClientID, ClientSecret: g.ClientSecret})
	if err != nil {
		return result{}, err
	}
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "oauthx-storm-")
	if err != nil {
		return result{}, err
	}
	defer os.RemoveAll(dir)
	st, err := tokenstore.NewFile(filepath.Join(dir, "sessions"))
	if err != nil {
		return result{}, err
	}
	const id = "storm"
	first, err := c.ExchangeCode(ctx, g.IssueCode(""), client.WithSessionID(id))
	if err != nil {
		return result{}, err
	}
	if err := st.Save(ctx, first); err != nil {
		return result{}, err
	}
	early := lifetime / 2
	interval := lifetime - early
	start := time.Now().Add(time.Second)
	// The first token is due at first.Expiry-early; run through `expiries`
	// due points after that one, and stop half an interval before the next.
	firstDue := first.Expiry.Add(-early)
	end := firstDue.Add(time.Duration(expiries-1)*interval + interval/2)
	cfg := childConfig{Impl: impl, Dir: st.Dir(), SessionID: id, ServerURL: g.URL, ClientID: g.ClientID,
		ClientSecret: g.ClientSecret, Goroutines: sh.goroutines, Early: early, Start: start, Duration: end.Sub(start)}
	raw, err := json.Marshal(cfg)
	if err != nil {
		return result{}, err
	}
	self, err := os.Executable()
	if err != nil {
		return result{}, err
	}
	before := g.Stats().Requests
	outs := make([]strings.Builder, sh.procs)
	errs := make([]error, sh.procs)
	var wg sync.WaitGroup
	for i := range sh.procs {
		cmd := exec.Command(self)
		cmd.Env = append(os.Environ(), envChild+"="+string(raw))
		cmd.Stdout, cmd.Stderr = &outs[i], os.Stderr
		if err := cmd.Start(); err != nil {
			return result{}, err
		}
		wg.Go(func() { errs[i] = cmd.Wait() })
	}
	wg.Wait()
	var r result
	for i := range sh.procs {
		if errs[i] != nil {
			return result{}, fmt.Errorf("child %d: %v", i, errs[i])
		}
		if strings.Contains(outs[i].String(), "ERROR") {
			r.failedProcs++
		}
	}
	stats := g.Stats()
	r.requests = stats.Requests - before
	r.reused = stats.ReusedRefreshTokens
	r.expiries = expiries
	return r, nil
}

func child(raw string) error {
	var cfg childConfig
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		return err
	}
	if cfg.Mode == "waiters" {
		return waitersChild(cfg)
	}
	ctx := context.Background()
	st, err := tokenstore.NewFile(cfg.Dir)
	if err != nil {
		return err
	}
	var ts oauth2.TokenSource
	switch cfg.Impl {
	case "oauthx":
		c, err := client.New(client.Config{Provider: providers.Generic(cfg.ServerURL), ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret})
		if err != nil {
			return err
		}
		ts = tokenstore.NewTokenSource(st, c, cfg.SessionID, tokenstore.WithEarlyExpiry(cfg.Early))
	case "x-oauth2":
		// What an x/oauth2 user does: load the stored token once, wrap the
		// Config's refreshing source in a ReuseTokenSource with the same
		// early-expiry margin.
		s, err := st.Load(ctx, cfg.SessionID)
		if err != nil {
			return err
		}
		oc := &oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
			Endpoint: oauth2.Endpoint{TokenURL: cfg.ServerURL + "/oauth2/token", AuthStyle: oauth2.AuthStyleInParams}}
		tok := s.Token()
		ts = oauth2.ReuseTokenSourceWithExpiry(tok, oc.TokenSource(ctx, tok), cfg.Early)
	default:
		return fmt.Errorf("unknown client %q", cfg.Impl)
	}
	time.Sleep(time.Until(cfg.Start))
	end := cfg.Start.Add(cfg.Duration)
	var firstErr atomic.Pointer[error]
	var wg sync.WaitGroup
	for range cfg.Goroutines {
		wg.Go(func() {
			for time.Now().Before(end) && firstErr.Load() == nil {
				tok, err := ts.Token()
				if err == nil && !tok.Expiry.After(time.Now()) {
					err = errors.New("handed an expired token")
				}
				if err != nil {
					firstErr.CompareAndSwap(nil, &err)
					return
				}
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
	wg.Wait()
	if p := firstErr.Load(); p != nil {
		return *p
	}
	return nil
}

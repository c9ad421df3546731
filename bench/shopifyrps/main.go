// Command shopifyrps measures the requests per second of an embedded
// app's backend with the shopify middleware (tokenstore.Memory, the
// refresh protocol, the session cache) beside the same server without it,
// on loopback, the load coming from a second process: wrk when it is
// installed, else this program re-executed as a load generator.
//
//	go run ./bench/shopifyrps                    # 3 rounds of 3 s per server
//	go run ./bench/shopifyrps -rounds 5 -duration 5s -connections 32
//
// Both servers answer GET /api/products with the same small body; the
// middleware's requests carry a valid session token in Authorization,
// verified on every request. The session is exchanged once before the
// runs; the clocks are fixed so nothing expires during them.
// scripts/bench.sh runs it after the refresh storm.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oauthx/oauthx/providertest"
	"github.com/oauthx/oauthx/shopify"
	"github.com/oauthx/oauthx/tokenstore"
)

const shop = "bench-shop.myshopify.com"

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "shopifyrps:", err)
		os.Exit(1)
	}
}

func run() error {
	rounds := flag.Int("rounds", 3, "rounds; each runs the load against both servers, alternating")
	duration := flag.Duration("duration", 3*time.Second, "load duration per server and round")
	conns := flag.Int("connections", 32, "concurrent connections")
	load := flag.String("load", "", "internal: act as the load generator against this URL")
	header := flag.String("header", "", "internal: a header for the load generator's requests")
	flag.Parse()
	if *load != "" {
		return generate(*load, *header, *conns, *duration)
	}
	if *rounds < 1 || *duration <= 0 || *conns < 1 {
		return errors.New("need -rounds >= 1, -duration > 0, -connections >= 1")
	}

	now := time.Unix(1_800_000_000, 0)
	clock := func() time.Time { return now }
	fake := providertest.NewShopify(providertest.WithClock(clock))
	defer fake.Close()
	app, err := shopify.New(shopify.Config{APIKey: fake.APIKey, APISecret: fake.APISecret, Now: clock, InsecureShopBaseURL: fake.URL})
	if err != nil {
		return err
	}
	store := tokenstore.NewMemory()
	ref, err := tokenstore.NewRefresher(store, app.Renew, tokenstore.WithFreshness(app.Fresh), tokenstore.WithRefresherClock(clock))
	if err != nil {
		return err
	}
	mw, err := app.Middleware(shopify.MiddlewareConfig{Storage: store, Refresher: ref})
	if err != nil {
		return err
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"products":[]}`)
	})
	bare, err := serve(handler)
	if err != nil {
		return err
	}
	defer bare.Close()
	withMW, err := serve(mw(handler))
	if err != nil {
		return err
	}
	defer withMW.Close()

	auth := "Authorization: Bearer " + fake.SessionToken(shop, 1)
	if err := warm(withMW.url+"/api/products", auth); err != nil {
		return err
	}
	tool := "wrk"
	if _, err := exec.LookPath("wrk"); err != nil {
		tool = "go load generator (wrk not installed)"
	}
	var bareRPS, mwRPS []float64
	for range *rounds {
		b, err := measure(bare.url+"/api/products", auth, *conns, *duration)
		if err != nil {
			return err
		}
		m, err := measure(withMW.url+"/api/products", auth, *conns, *duration)
		if err != nil {
			return err
		}
		bareRPS, mwRPS = append(bareRPS, b), append(mwRPS, m)
	}
	st := fake.Stats()
	b, m := median(bareRPS), median(mwRPS)
	fmt.Printf("shopify middleware (tokenstore.Memory) vs bare server, %s, %d connections, %d × %s, medians:\n", tool, *conns, *rounds, *duration)
	fmt.Printf("  bare %.0f req/s, middleware %.0f req/s: %.2fx (target >= 0.75x); token requests during the runs: %d\n",
		b, m, m/b, st.Requests-1)
	return nil
}

type server struct {
	url string
	srv *http.Server
}

// Close shuts the server down.
func (s *server) Close() { _ = s.srv.Close() }

func serve(h http.Handler) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return &server{url: "http://" + ln.Addr().String(), srv: srv}, nil
}

// warm sends one request through the middleware (the token exchange).
func warm(u, header string) error {
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	k, v, _ := strings.Cut(header, ": ")
	req.Header.Set(k, v)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("warm-up request answered %d", resp.StatusCode)
	}
	return nil
}

var wrkRPS = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)

// measure runs the load from a second process and returns requests/s.
func measure(u, header string, conns int, d time.Duration) (float64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d+30*time.Second)
	defer cancel()
	var cmd *exec.Cmd
	if _, err := exec.LookPath("wrk"); err == nil {
		cmd = exec.CommandContext(ctx, "wrk", "-t", "2", "-c", strconv.Itoa(conns),
			"-d", strconv.Itoa(max(1, int(d/time.Second)))+"s", "-H", header, u)
	} else {
		self, err := os.Executable()
		if err != nil {
			return 0, err
		}
		cmd = exec.CommandContext(ctx, self, "-load", u, "-header", header,
			"-connections", strconv.Itoa(conns), "-duration", d.String())
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("%s: %w: %s", cmd.Path, err, out)
	}
	if bytesContains(out, "Non-2xx") {
		return 0, fmt.Errorf("load run saw non-2xx answers: %s", out)
	}
	m := wrkRPS.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("no Requests/sec in: %s", out)
	}
	return strconv.ParseFloat(string(m[1]), 64)
}

func bytesContains(b []byte, s string) bool { return strings.Contains(string(b), s) }

// generate is the fallback load generator: conns keep-alive connections
// sending GETs for d; it prints wrk's "Requests/sec:" line.
func generate(u, header string, conns int, d time.Duration) error {
	tr := &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}
	hc := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	k, v, _ := strings.Cut(header, ": ")
	var done, bad atomic.Int64
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				req, _ := http.NewRequest(http.MethodGet, u, nil)
				req.Header.Set(k, v)
				resp, err := hc.Do(req)
				if err != nil {
					bad.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					bad.Add(1)
					continue
				}
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	w := bufio.NewWriter(os.Stdout)
	if bad.Load() > 0 {
		fmt.Fprintf(w, "Non-2xx or failed: %d\n", bad.Load())
	}
	fmt.Fprintf(w, "Requests/sec: %.2f\n", float64(done.Load())/d.Seconds())
	return w.Flush()
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/oauthx/oauthx/providertest"
)

// fakeShopUser is the staff member the Shopify fake's session token names
// (the account owner, who also approves per-user installs).
const fakeShopUser = 1

// fakeInfo is what oauthx fake prints: everything a client needs to use
// the fake. The credentials are the fake's own test values.
type fakeInfo struct {
	Provider     string `json:"provider"`
	BaseURL      string `json:"base_url"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`

	// generic
	AuthorizeURL string `json:"authorize_url,omitempty"`
	TokenURL     string `json:"token_url,omitempty"`
	ConsentPage  *bool  `json:"consent_page,omitempty"`
	// finch
	ConnectURL string `json:"connect_url,omitempty"`
	// shopify
	Shop                  string     `json:"shop,omitempty"`
	SessionToken          string     `json:"session_token,omitempty"`
	SessionTokenExpiresAt *time.Time `json:"session_token_expires_at,omitempty"`
	UserID                int64      `json:"user_id,omitempty"`
}

// cmdFake runs one of the providertest fakes as a process on a loopback
// port until SIGINT or SIGTERM, printing what a client needs to use it
// (Shopify: again, with a fresh session token, on each SIGHUP).
// The fakes are only started here: no other command pays for them.
func cmdFake(c *cli, args []string) error {
	fs := c.flagSet("fake", "<generic|shopify|finch|passport> [--addr HOST:PORT] [flags]", useJSON)
	addr := fs.String("addr", "127.0.0.1:0", "loopback `HOST:PORT` to serve on (port 0: one the system picks)")
	auto := fs.Bool("auto-approve", false, "generic: approve at the authorize endpoint at once instead of showing the consent page (the other fakes always do)")
	shop := fs.String("shop", "oauthx-fake.myshopify.com", "shopify: the shop the session token is for")
	pos, err := c.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("usage: oauthx fake <generic|shopify|finch|passport> [flags]")
	}
	prov := pos[0]
	switch prov {
	case provGeneric, provShopify, provFinch, provPassport:
	default:
		return usagef("unknown provider %q (fake takes generic, shopify, finch or passport)", prov)
	}
	if err := checkLoopbackAddr(*addr); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		// A configuration problem (a port in use, say), not a transient one.
		return usagef("--addr %s: %v", *addr, err)
	}
	if a, ok := ln.Addr().(*net.TCPAddr); !ok || !a.IP.IsLoopback() {
		_ = ln.Close()
		return usagef("--addr %s is not a loopback address", *addr)
	}

	var info fakeInfo
	var freshToken func(*fakeInfo) // shopify: a new session token into info
	var fake interface {
		Close()
		Err() error
	}
	switch prov {
	case provGeneric:
		var opts []providertest.GenericOption
		if !*auto {
			opts = append(opts, providertest.WithConsentPage())
		}
		f := providertest.NewGeneric(append(opts, providertest.WithListener(ln))...)
		consent := !*auto
		fake, info = f, fakeInfo{BaseURL: f.URL, ClientID: f.ClientID, ClientSecret: f.ClientSecret,
			AuthorizeURL: f.URL + "/oauth2/authorize", TokenURL: f.URL + "/oauth2/token", ConsentPage: &consent}
	case provShopify:
		f := providertest.NewShopify(providertest.WithListener(ln))
		freshToken = func(info *fakeInfo) {
			exp := time.Now().Add(providertest.ShopifySessionTokenLifetime).UTC().Truncate(time.Second)
			info.SessionToken, info.SessionTokenExpiresAt = f.SessionToken(*shop, fakeShopUser), &exp
		}
		fake, info = f, fakeInfo{BaseURL: f.URL, ClientID: f.APIKey, ClientSecret: f.APISecret, Shop: *shop, UserID: fakeShopUser}
		freshToken(&info)
	case provFinch:
		f := providertest.NewFinch(providertest.WithListener(ln))
		fake, info = f, fakeInfo{BaseURL: f.URL, ClientID: f.ClientID, ClientSecret: f.ClientSecret, ConnectURL: f.ConnectURL}
	case provPassport:
		f := providertest.NewPassport(providertest.WithListener(ln))
		fake, info = f, fakeInfo{BaseURL: f.URL, ClientID: f.ClientID, ClientSecret: f.ClientSecret}
	}
	if err := fake.Err(); err != nil {
		fake.Close()
		return err
	}
	info.Provider = prov

	if err := printFake(c, info); err != nil {
		fake.Close()
		return err
	}

	// Shopify's session tokens live a minute: SIGHUP prints everything
	// again with a fresh one.
	hup := make(chan os.Signal, 1)
	if freshToken != nil {
		signal.Notify(hup, syscall.SIGHUP)
		defer signal.Stop(hup)
	}
	for running := true; running; {
		select {
		case <-c.ctx.Done():
			running = false
		case <-hup:
			freshToken(&info)
			if err := printFake(c, info); err != nil {
				fake.Close()
				return err
			}
		}
	}
	// Close waits for the requests in progress; one a client stalls (a
	// body never sent in full) would hold it forever. After fakeStopGrace
	// the process ends anyway, and the system closes what is left.
	closed := make(chan struct{})
	go func() { fake.Close(); close(closed) }()
	note := "stopped"
	select {
	case <-closed:
	case <-time.After(fakeStopGrace):
		note = "stopped; a request still in progress was cut off"
	}
	if !c.json {
		fmt.Fprintf(c.stderr, "oauthx fake %s: %s\n", prov, note)
	}
	return nil
}

// fakeStopGrace is how long oauthx fake waits, once told to stop, for the
// requests in progress to end.
const fakeStopGrace = 2 * time.Second

// printFake prints info: as one JSON line with --json (so a script can
// read it with `read` as well as with a JSON decoder; stdout is
// unbuffered, so it is out at once), else as text.
func printFake(c *cli, info fakeInfo) error {
	if !c.json {
		printFakeInfo(c, info)
		return nil
	}
	b, err := json.Marshal(info)
	if err == nil {
		_, err = c.stdout.Write(append(b, '\n'))
	}
	return err
}

// checkLoopbackAddr refuses an --addr that is not HOST:PORT with a
// loopback IP or localhost as HOST: the fake's credentials are public.
func checkLoopbackAddr(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return usagef("--addr: %v", err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return usagef("--addr %s: the fake serves on loopback only (127.0.0.1, ::1 or localhost)", addr)
	}
	return nil
}

// printFakeInfo prints info as text, with commands to try it.
func printFakeInfo(c *cli, info fakeInfo) {
	w := c.stdout
	fmt.Fprintf(w, "oauthx fake %s: serving %s until Ctrl-C or SIGTERM\n\n", info.Provider, info.BaseURL)
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(w, "  %-26s %s\n", k, v)
		}
	}
	row("base URL (--base-url)", info.BaseURL)
	row("client id (--client-id)", info.ClientID)
	row("client secret", info.ClientSecret)
	row("authorize URL", info.AuthorizeURL)
	row("token URL", info.TokenURL)
	if info.ConsentPage != nil {
		v := "yes: Allow or Deny in the browser"
		if !*info.ConsentPage {
			v = "no: approved at once (--auto-approve)"
		}
		row("consent page", v)
	}
	row("Connect URL", info.ConnectURL)
	row("shop (--shop)", info.Shop)
	if info.SessionToken != "" {
		row("session token", info.SessionToken)
		row("session token expires", info.SessionTokenExpiresAt.Format(time.RFC3339)+" (a minute: kill -HUP "+strconv.Itoa(os.Getpid())+" prints a fresh one)")
	}

	fmt.Fprintf(w, "\nTry it from another terminal:\n\n  export %s=%s %s=%s\n", envClientID, info.ClientID, envClientSecret, info.ClientSecret)
	base := "--base-url " + info.BaseURL
	var try []string
	switch info.Provider {
	case provGeneric:
		try = []string{"oauthx login generic " + base + " --open=false", "oauthx token generic"}
	case provFinch:
		try = []string{"oauthx login finch " + base + " --customer-id my-customer --customer-name \"My Employer\" --open=false", "oauthx token finch"}
	case provPassport:
		try = []string{"oauthx login passport " + base + " --open=false", "oauthx token passport"}
	case provShopify:
		try = []string{"oauthx shopify-exchange " + base + " --shop " + info.Shop + " --session-token -  # paste the session token",
			"oauthx token offline_" + info.Shop}
	}
	fmt.Fprintf(w, "  %s\n\n", strings.Join(try, "\n  "))
}

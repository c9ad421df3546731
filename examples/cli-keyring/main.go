// Command cli-keyring is a tiny command-line tool that keeps its OAuth
// session in the OS keyring through tokenstore — falling back to a file in
// the user's config directory when there is no keyring, as
// tokenstore.OpenDefault does — and calls an API with an access token that
// a tokenstore.TokenSource keeps fresh (refreshing it, under a lock, when
// it nears expiry).
//
//	go run ./examples/cli-keyring -fake      # offline, against providertest.Generic
//	CLIENT_ID=… CLIENT_SECRET=… go run ./examples/cli-keyring -base-url https://auth.example.com -code CODE
//	CLIENT_ID=… CLIENT_SECRET=… go run ./examples/cli-keyring -base-url https://auth.example.com   # later runs
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"

	"golang.org/x/oauth2"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providers"
	"github.com/oauthx/oauthx/providertest"
	"github.com/oauthx/oauthx/tokenstore"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "cli-keyring:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out, notice io.Writer) error {
	fs := flag.NewFlagSet("cli-keyring", flag.ContinueOnError)
	fs.SetOutput(notice)
	fake := fs.Bool("fake", false, "run against an in-process fake provider (no credentials; the session is deleted at exit)")
	service := fs.String("service", "oauthx-example-cli", "keyring service name")
	dir := fs.String("dir", "", "keep the session in files in this directory instead of the keyring")
	baseURL := fs.String("base-url", "", "the provider's base URL (token endpoint BASE/oauth2/token)")
	code := fs.String("code", "", "an authorization code to exchange (first run)")
	if err := fs.Parse(args); err != nil {
		return err
	}

	// The store: the OS keyring, else files (or -dir).
	var st tokenstore.Store
	var err error
	if *dir != "" {
		st, err = tokenstore.NewFile(*dir)
		fmt.Fprintf(notice, "cli-keyring: storing the session in %s\n", *dir)
	} else {
		st, err = tokenstore.OpenDefault(ctx, *service, notice)
	}
	if err != nil {
		return err
	}

	id, secret := "example-cli", os.Getenv("CLIENT_SECRET")
	cfg := client.Config{ClientID: os.Getenv("CLIENT_ID")}
	if *fake {
		f := providertest.NewGeneric()
		defer f.Close()
		id, *baseURL, *code = "example-cli-fake", f.URL, f.IssueCode("")
		cfg.ClientID, secret = f.ClientID, f.ClientSecret
	}
	if *baseURL == "" || cfg.ClientID == "" {
		return errors.New("set CLIENT_ID and CLIENT_SECRET and give -base-url, or use -fake")
	}
	cfg.Provider, cfg.ClientSecret = providers.Generic(*baseURL), secret // the secret comes from the environment, never a flag
	c, err := client.New(cfg)
	if err != nil {
		return err
	}

	// First run: exchange the code and save the session.
	if *code != "" {
		s, err := c.ExchangeCode(ctx, *code, client.WithSessionID(id))
		if err != nil {
			return err
		}
		if err := st.Save(ctx, s); err != nil {
			return err
		}
		fmt.Fprintf(out, "saved %v\n", s) // a Session prints with its tokens redacted
	}
	if *fake {
		defer func() { _ = st.Delete(context.Background(), id) }() // the fake's tokens die with it
	}

	// Every run: a token source over the store, used by an oauth2 client.
	ts := tokenstore.NewTokenSource(st, c, id)
	hc := oauth2.NewClient(ctx, ts)
	resp, err := hc.Get(strings.TrimRight(*baseURL, "/") + "/userinfo")
	if errors.Is(err, tokenstore.ErrNotFound) || errors.Is(err, client.ErrReauthorize) {
		return fmt.Errorf("no usable session: run again with -code (%w)", err)
	}
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	fmt.Fprintf(out, "GET /userinfo -> %d %s", resp.StatusCode, body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("userinfo answered %d", resp.StatusCode)
	}
	return nil
}

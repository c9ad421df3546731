// Command terminal-login logs a user in from a terminal (a loopback
// redirect, RFC 8252), keeps the session in the OS keyring (a file when
// there is none) and calls an API through oauth2.NewClient; later runs
// reuse the saved session, refreshing it when it nears expiry.
//
//	BASE_URL=https://auth.example.com CLIENT_ID=… CLIENT_SECRET=… go run ./examples/terminal-login
package main

import (
	"context"
	"io"
	"log"
	"os"

	"golang.org/x/oauth2"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providers"
	"github.com/oauthx/oauthx/tokenstore"
)

func main() {
	ctx, base := context.Background(), os.Getenv("BASE_URL")
	c, err := client.New(client.Config{Provider: providers.Generic(base), ClientID: os.Getenv("CLIENT_ID"), ClientSecret: os.Getenv("CLIENT_SECRET")})
	check(err)
	st, err := tokenstore.OpenDefault(ctx, "oauthx-terminal-login", os.Stderr)
	check(err)
	if _, err := st.Load(ctx, "me"); err != nil { // none saved yet (or unreadable): log in
		_, err = client.LoopbackLogin(ctx, client.LoopbackConfig{Client: c, SessionID: "me", Save: st.Save, OpenBrowser: true, Out: os.Stderr})
		check(err)
	}
	resp, err := oauth2.NewClient(ctx, tokenstore.NewTokenSource(st, c, "me")).Get(base + "/userinfo")
	check(err)
	_, _ = io.Copy(os.Stdout, resp.Body) // the body is freed as the program exits
}

func check(err error) {
	if err != nil {
		log.Fatal("terminal-login: ", err)
	}
}

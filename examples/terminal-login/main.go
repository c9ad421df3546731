// Command terminal-login logs a user in, keeps the session in the keyring and calls an API.
package main

import (
	"context"
	"io"
	"log"
	"os"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providers"
	"github.com/oauthx/oauthx/tokenstore"
	"golang.org/x/oauth2"
)

func main() {
	ctx, base := context.Background(), os.Getenv("BASE_URL")
	c := must(client.New(client.Config{Provider: providers.Generic(base), ClientID: os.Getenv("CLIENT_ID"), ClientSecret: os.Getenv("CLIENT_SECRET")}))
	st := must(tokenstore.OpenDefault(ctx, "oauthx-terminal-login", os.Stderr))
	ts := must(tokenstore.Login(ctx, st, "me", client.LoopbackConfig{Client: c, OpenBrowser: true, Out: os.Stderr}))
	resp := must(oauth2.NewClient(ctx, ts).Get(base + "/userinfo"))
	must(io.Copy(os.Stdout, resp.Body))
}

func must[T any](v T, err error) T {
	if err != nil {
		log.Fatal("terminal-login: ", err)
	}
	return v
}

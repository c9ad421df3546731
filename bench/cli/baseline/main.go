// Command baseline is the minimal golang.org/x/oauth2 program that
// `oauthx token NAME` is measured against: it reads a token from a JSON
// file and prints its access token through an oauth2.TokenSource (which
// would refresh it if it had expired).
//
//	baseline TOKEN.json
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"golang.org/x/oauth2"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: baseline TOKEN.json")
		os.Exit(2)
	}
	b, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var tok oauth2.Token
	if err := json.Unmarshal(b, &tok); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cfg := &oauth2.Config{ClientID: "id", Endpoint: oauth2.Endpoint{TokenURL: "https://auth.example.com/oauth2/token"}}
	t, err := cfg.TokenSource(context.Background(), &tok).Token()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(t.AccessToken)
}

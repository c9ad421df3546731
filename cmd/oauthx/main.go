// Command oauthx logs in to OAuth providers, keeps their sessions in the OS
// keyring (or a file, Redis or PostgreSQL store) and hands out fresh access
// tokens to scripts. `oauthx demo` walks every flow offline against the
// built-in fake providers.
//
//	oauthx demo
//	oauthx login generic --base-url https://auth.example.com --client-id ID
//	curl -H "Authorization: Bearer $(oauthx token generic)" https://api.example.com/
//
// Client secrets are read from the OAUTHX_CLIENT_SECRET environment variable
// or, with --client-secret-stdin, from standard input: never from a flag,
// which every user of the machine could read in the process list.
//
// Exit codes: 0 success, 1 other failure, 2 usage or configuration error,
// 3 re-authorization needed (no stored session, or the grant is dead),
// 4 network trouble, a transient provider failure or rate limiting.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

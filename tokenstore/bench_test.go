package tokenstore_test

import (
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauthx/oauthx/tokenstore"
)

// Cached Token(): tokenstore.TokenSource (…/oauthx) against
// oauth2.ReuseTokenSource (…/x-oauth2), both holding a token valid for an
// hour, serial and under RunParallel. scripts/bench.sh pairs them.
//
//	go test -run '^$' -bench 'CachedToken' -benchmem ./tokenstore/
func BenchmarkCachedToken(b *testing.B) {
	f := setup(b, tokenstore.NewMemory())
	ts := tokenstore.NewTokenSource(f.st, f.c, "s")
	if _, err := ts.Token(); err != nil {
		b.Fatal(err)
	}
	reuse := oauth2.ReuseTokenSource(nil, oauth2.StaticTokenSource(&oauth2.Token{
		AccessToken: "at", TokenType: "Bearer", Expiry: time.Now().Add(time.Hour),
	}))
	for _, src := range []struct {
		name string
		ts   oauth2.TokenSource
	}{
		{"oauthx", ts},
		{"x-oauth2", reuse},
	} {
		b.Run("Serial/"+src.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := src.ts.Token(); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("Parallel/"+src.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := src.ts.Token(); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

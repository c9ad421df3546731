package client_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/oauthx/oauthx/client"
)

// BenchmarkBrowserState is one login's state work: Begin (sign, set the
// cookie) and Verify (check the MAC, the state and the expiry), for the
// signed default and a MemoryStates.
func BenchmarkBrowserState(b *testing.B) {
	for _, mode := range []string{"signed", "memory store"} {
		b.Run(mode, func(b *testing.B) {
			bs, err := client.NewBrowserState(stateModes[mode](nil))
			if err != nil {
				b.Fatal(err)
			}
			data := client.AuthState{Verifier: client.GenerateVerifier(), ReturnTo: "/settings"}
			beginReq := httptest.NewRequest(http.MethodGet, "http://127.0.0.1/login", nil)
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				state, err := bs.Begin(w, beginReq, data)
				if err != nil {
					b.Fatal(err)
				}
				r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1/callback", nil)
				r.Header.Set("Cookie", w.Header().Get("Set-Cookie"))
				if _, err := bs.Verify(httptest.NewRecorder(), r, state); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

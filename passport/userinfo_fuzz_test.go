package passport_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/passport"
)

// FuzzUserinfo serves any status and body (where "{at}" stands for the
// access token) to Userinfo: it must never panic, fail only with a
// *client.Error that does not hold the token, and accept only an answer
// naming the session's subject.
func FuzzUserinfo(f *testing.F) {
	f.Add(200, `{"sub":"urn:rollupid:account/0x1","name":"N","email":"e@example.com","picture":"https://x/p.png"}`)
	f.Add(200, `{"sub":"urn:rollupid:account/0x2"}`)
	f.Add(200, `{"sub":5,"name":["x"]}`)
	f.Add(401, `{"code":"UNAUTHORIZED","message":"invalid token {at}","name":"RollupError"}`)
	f.Add(429, `{"code":"TOO_MANY_REQUESTS","message":"{at}"}`)
	f.Add(502, `<html>{at}</html>`)
	f.Add(200, `{"sub":"urn:rollupid:account/0x1"} {}`)
	var mu sync.Mutex
	var status int
	var body string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		st, b := status, body
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(st)
		_, _ = w.Write([]byte(b))
	}))
	f.Cleanup(srv.Close)
	c, err := passport.New(passport.Config{BaseURL: srv.URL, ClientID: "id"},
		client.WithRetryMax(0))
	if err != nil {
		f.Fatal(err)
	}
	const token = "passport-at-SENTINEL-4f0a9b"
	s := &client.Session{ID: "passport:x", Provider: "passport", Subject: "urn:rollupid:account/0x1",
		AccessToken: token, Expiry: time.Now().Add(24 * time.Hour)}
	f.Fuzz(func(t *testing.T, st int, b string) {
		if st < 200 || st > 599 {
			return
		}
		mu.Lock()
		status, body = st, strings.ReplaceAll(b, "{at}", token)
		mu.Unlock()
		u, err := c.Userinfo(context.Background(), s)
		if err != nil {
			var e *client.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not *client.Error: %v", err, err)
			}
			if strings.Contains(err.Error(), token) {
				t.Fatalf("error holds the access token: %v", err)
			}
			return
		}
		if st != http.StatusOK || u.Subject != s.Subject {
			t.Fatalf("status %d with sub %q accepted", st, u.Subject)
		}
	})
}

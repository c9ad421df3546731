package finch_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/finch"
)

// FuzzIntrospect serves any status and body (where "{at}" stands for the
// access token, so echoes are exercised) to Introspect: it must never
// panic, fail only with a *client.Error, and never put the token in the
// error.
func FuzzIntrospect(f *testing.F) {
	f.Add(200, `{"client_id":"c","client_type":"sandbox","connection_type":"provider","company_id":"co","products":["company"],"username":"u","payroll_provider_id":"gusto","manual":false,"authentication_methods":[{"type":"credential","connection_status":{"status":"connected"}}]}`)
	f.Add(200, `{"products":"company","authentication_methods":{}}`)
	f.Add(200, `{"connection_status":{"status":"reauth","message":"token {at} expired"}}`)
	f.Add(401, `{"code":401,"name":"authentication_error","finch_code":"reauthenticate_user","message":"bad token {at}"}`)
	f.Add(429, `{"code":429,"name":"rate_limit_exceeded_error","message":"{at}"}`)
	f.Add(500, `<html>{at}</html>`)
	f.Add(200, ``)
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
	c, err := finch.New(finch.Config{ClientID: "id", BaseURL: srv.URL}, client.WithRetryMax(0))
	if err != nil {
		f.Fatal(err)
	}
	const token = "finch-at-SENTINEL-8c1d2e"
	s := &client.Session{ID: "finch:c", Provider: "finch", AccessToken: token}
	f.Fuzz(func(t *testing.T, st int, b string) {
		if st < 200 || st > 599 {
			return
		}
		mu.Lock()
		status, body = st, strings.ReplaceAll(b, "{at}", token)
		mu.Unlock()
		in, err := c.Introspect(context.Background(), s)
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
		if in == nil || st != http.StatusOK {
			t.Fatalf("status %d accepted: %v", st, in)
		}
	})
}

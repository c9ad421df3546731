package client_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providers"
)

// staticTokenServer answers every token request with the same JSON, so the
// benchmarks measure the clients, not a fake's bookkeeping.
func staticTokenServer(b *testing.B) *httptest.Server {
	b.Helper()
	body := []byte(`{"access_token":"at_benchmark_token_value_0123456789","token_type":"bearer","expires_in":3600,"refresh_token":"rt_benchmark_token_value_0123456789","scope":"read write"}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	b.Cleanup(srv.Close)
	return srv
}

func benchClient(b *testing.B, base string) *client.Client {
	b.Helper()
	c, err := client.New(client.Config{
		Provider: providers.Generic(base), ClientID: "id", ClientSecret: "secret",
		RedirectURL: "http://127.0.0.1/cb",
	}, client.WithHTTPClient(&http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}))
	if err != nil {
		b.Fatal(err)
	}
	return c
}

func benchOAuth2Config(base string) (*oauth2.Config, context.Context) {
	cfg := &oauth2.Config{
		ClientID: "id", ClientSecret: "secret", RedirectURL: "http://127.0.0.1/cb",
		Endpoint: oauth2.Endpoint{TokenURL: base + "/oauth2/token", AuthStyle: oauth2.AuthStyleInParams},
	}
	hc := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	return cfg, context.WithValue(context.Background(), oauth2.HTTPClient, hc)
}

// BenchmarkExchangeCode/oauthx vs /x-oauth2: one code exchange against a
// loopback server.
func BenchmarkExchangeCode(b *testing.B) {
	srv := staticTokenServer(b)
	b.Run("oauthx", func(b *testing.B) {
		c := benchClient(b, srv.URL)
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.ExchangeCode(ctx, "code123"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("x-oauth2", func(b *testing.B) {
		cfg, ctx := benchOAuth2Config(srv.URL)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := cfg.Exchange(ctx, "code123"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkRefresh/oauthx vs /x-oauth2: one refresh against a loopback
// server (x/oauth2 through its token source with an expired token).
func BenchmarkRefresh(b *testing.B) {
	srv := staticTokenServer(b)
	b.Run("oauthx", func(b *testing.B) {
		c := benchClient(b, srv.URL)
		ctx := context.Background()
		s := &client.Session{ID: "s", AccessToken: "old", RefreshToken: "rt_old", Expiry: time.Now().Add(-time.Hour)}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Refresh(ctx, s); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("x-oauth2", func(b *testing.B) {
		cfg, ctx := benchOAuth2Config(srv.URL)
		tok := &oauth2.Token{AccessToken: "old", RefreshToken: "rt_old", Expiry: time.Now().Add(-time.Hour)}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := cfg.TokenSource(ctx, tok).Token(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkCallAPI: one authenticated GET whose JSON answer is decoded
// into a struct, against a loopback server.
func BenchmarkCallAPI(b *testing.B) {
	body := []byte(`{"id":"conn_0123456789","company_id":"co_0123456789","products":["company","directory","individual"],"active":true,"count":42}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	b.Cleanup(srv.Close)
	c := benchClient(b, srv.URL)
	ctx := context.Background()
	r := client.APIRequest{Method: http.MethodGet, URL: srv.URL + "/introspect", AccessToken: "at_benchmark_token_value_0123456789",
		Secrets: []string{"extra_secret_0123456789"}}
	var out struct {
		ID        string   `json:"id"`
		CompanyID string   `json:"company_id"`
		Products  []string `json:"products"`
		Active    bool     `json:"active"`
		Count     int      `json:"count"`
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.CallAPI(ctx, r, &out); err != nil {
			b.Fatal(err)
		}
	}
}

package providers_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providers"
)

// FuzzParseTokenResponse: any status and body gives either a Session with
// an access token or an *client.Error matching one sentinel; never a panic.
func FuzzParseTokenResponse(f *testing.F) {
	seeds := []struct {
		status int
		ctype  string
		body   string
	}{
		{200, "application/json", `{"access_token":"a","token_type":"bearer","expires_in":3600,"refresh_token":"r","scope":"a b"}`},
		{200, "application/json", `{"access_token":"a","expires_in":"3600"}`},
		{200, "application/json", `{"access_token":"a","expires_in":-1e309}`},
		{200, "application/json", `{"access_token":"a","scope":["x",1]}`},
		{400, "application/json", `{"error":"invalid_grant","error_description":"x"}`},
		{400, "application/json", `{"message":"invalid_token","description":"x"}`},
		{429, "application/json", `{}`},
		{502, "text/html", `<html>`},
		{200, "application/json", `{"error":"x"}`},
		{200, "application/json", `{"access_token":"a"} trailing`},
		{200, "", ``},
		{201, "application/json; charset=utf-8", `{"access_token":"e30.eyJleHAiOjE4MDAwMDAwMDB9.x"}`},
	}
	for _, s := range seeds {
		f.Add(s.status, s.ctype, []byte(s.body))
	}
	p, err := providers.New(providers.Spec{Name: "fuzz", TokenURL: "https://a.example.com/token",
		Expiry: providers.JWTExpiry, DefaultLifetime: time.Hour})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, status int, ctype string, body []byte) {
		req := &client.TokenRequest{Grant: client.GrantAuthorizationCode, Now: time.Unix(1_700_000_000, 0)}
		s, err := p.ParseTokenResponse(req, &client.Response{StatusCode: status, Header: http.Header{"Content-Type": {ctype}}, Body: body})
		if err == nil {
			if s == nil || s.AccessToken == "" {
				t.Fatalf("no error and no access token: %v", s)
			}
			if s.Expiry.Before(req.Now) && !s.Expiry.Equal(req.Now) && !s.NeverExpires() {
				if _, ok := providers.JWTExpiryOf(s.AccessToken); !ok {
					t.Fatalf("expiry %v before issue time", s.Expiry)
				}
			}
			return
		}
		if client.KindOf(err) == nil {
			t.Fatalf("not a *client.Error of a known kind: %T: %v", err, err)
		}
	})
}

// FuzzGenericParseTokenResponse: the Generic provider's decoding (both
// error shapes, the 14-day default lifetime) of any answer to a code or
// refresh grant: a Session with an access token, a bearer type and an
// expiry no earlier than the issue time, or an *client.Error matching one
// sentinel; never a panic.
func FuzzGenericParseTokenResponse(f *testing.F) {
	for _, s := range []struct {
		refresh bool
		status  int
		body    string
	}{
		{false, 200, `{"access_token":"a","token_type":"bearer","expires_in":3600,"refresh_token":"r","scope":"a b"}`},
		{true, 200, `{"access_token":"a","token_type":"Bearer"}`},
		{true, 200, `{"access_token":"a","token_type":"mac","expires_in":1}`},
		{false, 200, `{"access_token":"a","expires_in":1e300}`},
		{false, 200, `{"access_token":"a","expires_in":"12.5"}`},
		{true, 400, `{"error":"invalid_token","error_description":"refresh token reused"}`},
		{false, 400, `{"message":"invalid_code","description":"x"}`},
		{false, 401, `{"error":"invalid_client"}`},
		{false, 503, `{"error":"temporarily_unavailable"}`},
		{false, 200, `{"access_token":""}`},
	} {
		f.Add(s.refresh, s.status, []byte(s.body))
	}
	p := providers.Generic("https://idp.example.com")
	now := time.Unix(1_700_000_000, 0)
	f.Fuzz(func(t *testing.T, refresh bool, status int, body []byte) {
		req := &client.TokenRequest{Grant: client.GrantAuthorizationCode, Code: "c", Now: now}
		if refresh {
			req = &client.TokenRequest{Grant: client.GrantRefreshToken, RefreshToken: "r", Now: now}
		}
		s, err := p.ParseTokenResponse(req, &client.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}}, Body: body})
		if err == nil {
			if s == nil || s.AccessToken == "" || s.TokenType != "Bearer" {
				t.Fatalf("bad session: %v", s)
			}
			if s.Expiry.IsZero() || s.Expiry.Before(now) {
				t.Fatalf("expiry %v for a session issued %v", s.Expiry, now)
			}
			return
		}
		if client.KindOf(err) == nil {
			t.Fatalf("not a *client.Error of a known kind: %T: %v", err, err)
		}
	})
}

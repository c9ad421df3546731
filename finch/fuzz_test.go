package finch_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/finch"
)

// Any answer parses to a Session with an access token or to a
// *client.Error, never a panic, and never a never-refreshable session that
// claims to expire.
func FuzzParseTokenResponse(f *testing.F) {
	f.Add(200, `{"access_token":"a","token_type":"bearer","connection_id":"c","products":["company"]}`)
	f.Add(200, `{"access_token":"a","token_type":"bearer","expires_in":10,"refresh_token":"r"}`)
	f.Add(400, `{"code":400,"name":"invalid_grant_error","message":"bad"}`)
	f.Add(401, `{"code":401,"name":"authentication_error","finch_code":"reauthenticate_user","message":"x"}`)
	f.Add(429, `{"code":429,"name":"rate_limit_exceeded_error"}`)
	f.Add(200, `<html>`)
	f.Add(200, `{"access_token":123}`)
	f.Add(500, ``)
	p := finch.Provider()
	f.Fuzz(func(t *testing.T, status int, body string) {
		if status < 100 || status > 599 {
			return
		}
		r := &client.TokenRequest{Grant: client.GrantAuthorizationCode, Code: "c", Now: time.Unix(1e9, 0)}
		resp := &client.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(body)}
		s, err := p.ParseTokenResponse(r, resp)
		if err != nil {
			var e *client.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not *client.Error", err)
			}
			return
		}
		if s.AccessToken == "" || !s.Expiry.IsZero() || s.RefreshToken != "" {
			t.Fatalf("bad session from %q: %v", body, s)
		}
		if strings.ContainsAny(s.TokenType, "\r\n") {
			t.Fatal("token type with a newline")
		}
	})
}

package passport_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/passport"
)

// Any answer parses to a Session with an access token and an expiry, or
// to a *client.Error; never a panic.
func FuzzParseTokenResponse(f *testing.F) {
	f.Add(201, `{"token_type":"Bearer","access_token":"eyJhbGciOiJFUzI1NiJ9.eyJleHAiOjk5OTk5OTk5OTksInN1YiI6InMifQ.sig","id_token":"a.b.c"}`)
	f.Add(200, `{"token_type":"Bearer","access_token":"opaque"}`)
	f.Add(200, `{"token_type":"Bearer","access_token":"a.!!!.c","id_token":"x.e30.y"}`)
	f.Add(401, `{"code":"UNAUTHORIZED","message":"expired code","name":"RollupError"}`)
	f.Add(400, `{"code":"BAD_REQUEST","message":"invalid client credentials","name":"RollupError"}`)
	f.Add(400, `{"code":5,"message":["x"]}`)
	f.Add(201, `[]`)
	p := passport.Provider()
	now := time.Unix(1.7e9, 0)
	f.Fuzz(func(t *testing.T, status int, body string) {
		if status < 100 || status > 599 {
			return
		}
		r := &client.TokenRequest{Grant: client.GrantAuthorizationCode, Code: "c", Now: now}
		resp := &client.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(body)}
		s, err := p.ParseTokenResponse(r, resp)
		if err != nil {
			var e *client.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not *client.Error", err)
			}
			return
		}
		if s.AccessToken == "" || s.Expiry.IsZero() {
			t.Fatalf("bad session from %q: %v", body, s)
		}
	})
}

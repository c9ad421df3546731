package shopify_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/shopify"
)

// FuzzParseTokenResponse: any answer to any of Shopify's grants parses to
// a Session with an access token, Shopify's ID for the shop and an expiry
// (unless it is a non-expiring offline token), or to a *client.Error
// matching exactly one sentinel; never a panic.
func FuzzParseTokenResponse(f *testing.F) {
	seeds := []struct {
		grant  uint8
		status int
		body   string
	}{
		{0, 200, `{"access_token":"shpat_x","scope":"read_products,write_orders"}`},
		{1, 200, `{"access_token":"shpat_x","scope":"read_products","expires_in":3600,"refresh_token":"shprt_y","refresh_token_expires_in":7776000}`},
		{2, 200, `{"access_token":"shpua_x","scope":"read_products","expires_in":86399,"associated_user_scope":"read_products","associated_user":{"id":902541635,"first_name":"J","email":"j@example.com","account_owner":true}}`},
		{2, 200, `{"access_token":"shpua_x","associated_user":{"id":"902541635"}}`},
		{2, 200, `{"access_token":"shpua_x","associated_user":{"id":1e400}}`},
		{3, 200, `{"access_token":"shpat_x"}`},
		{3, 400, `{"error":"invalid_grant","error_description":"x"}`},
		{1, 400, `{"error":"invalid_subject_token","error_description":"bad"}`},
		{0, 401, `{"errors":"[API] Invalid API key or access token"}`},
		{0, 400, `{"errors":{"code":["bad"]}}`},
		{0, 429, `{"errors":"Exceeded 2 calls per second"}`},
		{0, 200, `{"access_token":"a","expires_in":"3600"}`},
		{0, 200, `{"access_token":"a","expires_in":-5}`},
		{0, 502, `<html>`},
		{0, 200, `{"error":"x","access_token":"a"}`},
	}
	for _, s := range seeds {
		f.Add(s.grant, s.status, []byte(s.body))
	}
	c, err := shopify.New(shopify.Config{APIKey: testAPIKey, APISecret: testAPISecret, Now: fixedClock})
	if err != nil {
		f.Fatal(err)
	}
	p := c.TokenClient().Provider()
	f.Fuzz(func(t *testing.T, grant uint8, status int, body []byte) {
		r := &client.TokenRequest{ClientID: testAPIKey, ClientSecret: testAPISecret, Tenant: testShop, Now: fixedNow}
		switch grant % 4 {
		case 0: // code grant, non-expiring
			r.Grant, r.Code, r.Params = client.GrantAuthorizationCode, "code", url.Values{"expiring": {"0"}}
		case 1: // offline token exchange, expiring
			r.Grant, r.Params = client.GrantTokenExchange, url.Values{"expiring": {"1"}}
			r.Exchange = &client.TokenExchangeRequest{SubjectToken: "st", SubjectTokenType: shopify.TokenTypeIDToken,
				RequestedTokenType: shopify.TokenTypeOfflineAccessToken}
		case 2: // online token exchange
			r.Grant = client.GrantTokenExchange
			r.Exchange = &client.TokenExchangeRequest{SubjectToken: "st", SubjectTokenType: shopify.TokenTypeIDToken,
				RequestedTokenType: shopify.TokenTypeOnlineAccessToken}
		case 3: // refresh
			r.Grant, r.RefreshToken = client.GrantRefreshToken, "shprt_old"
		}
		s, err := p.ParseTokenResponse(r, &client.Response{StatusCode: status,
			Header: http.Header{"Content-Type": {"application/json"}}, Body: body})
		if err != nil {
			if client.KindOf(err) == nil {
				t.Fatalf("not a *client.Error of a known kind: %T: %v", err, err)
			}
			return
		}
		if s == nil || s.AccessToken == "" {
			t.Fatalf("no error and no access token: %v", s)
		}
		if s.Subject != testShop {
			t.Fatalf("subject %q, want the shop", s.Subject)
		}
		if s.ID != shopify.OfflineSessionID(testShop) && !shopify.IsOnline(s) {
			t.Fatalf("session ID %q is neither offline nor online", s.ID)
		}
		if s.Expiry.IsZero() && (grant%4 != 0 || s.RefreshToken != "") {
			t.Fatalf("an expiring grant's session never expires: %q", body)
		}
		if !s.Expiry.IsZero() && s.Expiry.Before(fixedNow) {
			// A negative expires_in is "already expired" (Expiry == issue
			// time, refreshed at once), never earlier.
			t.Fatalf("session expired before it was issued (%v): %q", s.Expiry, body)
		}
	})
}

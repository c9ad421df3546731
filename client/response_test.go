package client_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providertest"
)

// Every malformed answer is a typed error, never a panic or a zero Session.
func TestMalformedResponses(t *testing.T) {
	t.Parallel()
	big := `{"access_token":"` + strings.Repeat("a", client.MaxResponseBytes) + `"}`
	tests := []struct {
		name   string
		fault  providertest.Fault
		want   error
		status int
		ctype  string
		// consumed is Error.MaybeConsumed: the provider read the request
		// and may have acted on it (2xx, 3xx, 408, 500, 502, 504).
		consumed bool
	}{
		{"HTML page on 200", providertest.HTMLPage(200), client.ErrBadResponse, 200, "text/html; charset=utf-8", true},
		{"HTML page on 400", providertest.HTMLPage(400), client.ErrBadResponse, 400, "text/html; charset=utf-8", false},
		{"HTML page on 502", providertest.HTMLPage(502), client.ErrTransient, 502, "text/html; charset=utf-8", true},
		{"plain text", providertest.Raw(200, "text/plain", "ok"), client.ErrBadResponse, 200, "text/plain", true},
		{"empty body", providertest.Raw(200, "application/json", ""), client.ErrBadResponse, 200, "application/json", true},
		{"truncated JSON", providertest.Raw(200, "application/json", `{"access_token":"abc","tok`), client.ErrBadResponse, 200, "application/json", true},
		{"JSON array", providertest.Raw(200, "application/json", `[{"access_token":"abc"}]`), client.ErrBadResponse, 200, "application/json", true},
		{"trailing data", providertest.Raw(200, "application/json", `{"access_token":"abc"}{}`), client.ErrBadResponse, 200, "application/json", true},
		{"body over 1 MiB", providertest.Raw(200, "application/json", big), client.ErrBadResponse, 200, "application/json", true},
		{"2xx carrying error", providertest.Raw(200, "application/json", `{"error":"invalid_grant","access_token":"abc"}`), client.ErrBadResponse, 200, "", true},
		{"missing access_token", providertest.Raw(200, "application/json", `{"token_type":"bearer"}`), client.ErrBadResponse, 200, "", true},
		{"empty access_token", providertest.Raw(200, "application/json", `{"access_token":""}`), client.ErrBadResponse, 200, "", true},
		{"numeric access_token", providertest.Raw(200, "application/json", `{"access_token":12}`), client.ErrBadResponse, 200, "", true},
		{"mac token type", providertest.Raw(200, "application/json", `{"access_token":"a","token_type":"mac"}`), client.ErrBadResponse, 200, "", true},
		{"error status, empty body", providertest.Raw(400, "application/json", ""), client.ErrBadResponse, 400, "application/json", false},
		{"error status, unknown JSON", providertest.Raw(400, "application/json", `{"oops":1}`), client.ErrInvalidRequest, 400, "", false},
		{"401 without a code", providertest.Raw(401, "application/json", `{}`), client.ErrInvalidClient, 401, "", false},
		{"unknown error code on 403", providertest.Raw(403, "application/json", `{"error":"forbidden_by_policy"}`), client.ErrInvalidRequest, 403, "", false},
		{"408 after reading", providertest.Raw(408, "application/json", `{"error":"request_timeout"}`), client.ErrTransient, 408, "", true},
		{"3xx redirect page", providertest.Raw(302, "text/html", "<a>moved</a>"), client.ErrBadResponse, 302, "text/html", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake, c := setup(t, nil, nil)
			fake.Fail(tt.fault)
			s, err := c.ExchangeCode(context.Background(), fake.IssueCode(redirect))
			require.Nil(t, s)
			require.ErrorIs(t, err, tt.want)
			var e *client.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tt.status, e.StatusCode)
			assert.Equal(t, tt.ctype, e.ContentType)
			assert.Equal(t, tt.consumed, e.MaybeConsumed, "MaybeConsumed")
			assert.Equal(t, 1, fake.Stats().Requests, "a code is never sent twice")
			assert.Less(t, len(err.Error()), 1000, "error text stays short")
		})
	}
}

// expires_in is read as a number or a numeric string; nonsense never makes
// a session look everlasting and never loses the tokens.
func TestExpiresInForms(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		field   string
		want    time.Duration
		noValue bool // falls back to the 14-day default
	}{
		{"integer", `3600`, time.Hour, false},
		{"string", `"3600"`, time.Hour, false},
		{"float", `3600.5`, time.Hour + 500*time.Millisecond, false},
		{"negative means expired", `-5`, 0, false},
		{"huge is capped", `1e30`, 100 * 365 * 24 * time.Hour, false},
		{"zero falls back", `0`, 0, true},
		{"garbage string falls back", `"soon"`, 0, true},
		{"null falls back", `null`, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake, c := setup(t, nil, nil)
			fake.Fail(providertest.Raw(200, "application/json", `{"access_token":"a","refresh_token":"r","expires_in":`+tt.field+`}`))
			before := time.Now()
			s, err := c.ExchangeCode(context.Background(), fake.IssueCode(redirect))
			require.NoError(t, err)
			require.False(t, s.NeverExpires())
			want := tt.want
			if tt.noValue {
				want = 14 * 24 * time.Hour
			}
			assert.WithinDuration(t, before.Add(want), s.Expiry, 5*time.Second)
			assert.Equal(t, "r", s.RefreshToken)
		})
	}
}

func TestUnknownFieldsLandInExtra(t *testing.T) {
	t.Parallel()
	fake, c := setup(t, nil, nil)
	fake.Fail(providertest.Raw(200, "application/json; charset=utf-8",
		`{"access_token":"a","token_type":"BEARER","scope":"x  y","user":{"id":12345678901234567},"flag":true}`))
	s, err := c.ExchangeCode(context.Background(), fake.IssueCode(redirect))
	require.NoError(t, err)
	assert.Equal(t, "Bearer", s.TokenType)
	assert.Equal(t, []string{"x", "y"}, s.Scopes)
	assert.Equal(t, true, s.Extra["flag"])
	assert.Equal(t, "12345678901234567", s.Extra["user"].(map[string]any)["id"].(interface{ String() string }).String())
	assert.NotContains(t, s.Extra, "access_token")
}

package finch_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/finch"
	"github.com/oauthx/oauthx/providertest"
)

const sessionReply = `{"session_id":"sess_1","connect_url":"https://connect.tryfinch.com/authorize?session=sess_1"}`

// captureClient is a finch.Client whose API is a capture server.
func captureClient(t *testing.T, cp *capture) *finch.Client {
	t.Helper()
	srv := cp.server(t)
	c, err := finch.New(finch.Config{ClientID: "cid", ClientSecret: "csecret", BaseURL: srv.URL})
	require.NoError(t, err)
	return c
}

func TestConnectSessionRequestBody(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		params finch.ConnectSessionParams
		want   map[string]any
	}{
		{"required only",
			finch.ConnectSessionParams{CustomerID: "cust-1", CustomerName: "Acme", Products: []string{"company", "directory"}},
			map[string]any{"customer_id": "cust-1", "customer_name": "Acme", "products": []any{"company", "directory"}}},
		{"every field",
			finch.ConnectSessionParams{CustomerID: "cust-2", CustomerName: "Ünïcode Co", CustomerEmail: "hr@acme.example",
				Products: []string{"individual"}, RedirectURI: "https://app.example/callback", MinutesToExpire: 60,
				Sandbox: finch.SandboxFinch, Manual: true,
				Integration: &finch.Integration{Provider: "gusto", AuthMethod: finch.AuthMethodOAuth}},
			map[string]any{"customer_id": "cust-2", "customer_name": "Ünïcode Co", "customer_email": "hr@acme.example",
				"products": []any{"individual"}, "redirect_uri": "https://app.example/callback", "minutes_to_expire": float64(60),
				"sandbox": "finch", "manual": true, "integration": map[string]any{"provider": "gusto", "auth_method": "oauth"}}},
		{"integration without auth method",
			finch.ConnectSessionParams{CustomerID: "c", CustomerName: "N", Products: []string{"ssn"}, Integration: &finch.Integration{Provider: "adp_run"}},
			map[string]any{"customer_id": "c", "customer_name": "N", "products": []any{"ssn"}, "integration": map[string]any{"provider": "adp_run"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cp := &capture{reply: sessionReply}
			c := captureClient(t, cp)
			cs, err := c.NewConnectSession(context.Background(), tt.params)
			require.NoError(t, err)
			assert.Equal(t, &finch.ConnectSession{SessionID: "sess_1", ConnectURL: "https://connect.tryfinch.com/authorize?session=sess_1"}, cs)
			assertSessionRequest(t, cp, "/connect/sessions", tt.want)
		})
	}
}

func TestReauthenticateRequestBody(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		params finch.ReauthenticateParams
		want   map[string]any
	}{
		{"connection only", finch.ReauthenticateParams{ConnectionID: "conn_1"}, map[string]any{"connection_id": "conn_1"}},
		{"every field",
			finch.ReauthenticateParams{ConnectionID: "conn_2", Products: []string{"payment", "pay_statement"},
				RedirectURI: "http://127.0.0.1:9/cb", MinutesToExpire: finch.MaxReauthMinutes},
			map[string]any{"connection_id": "conn_2", "products": []any{"payment", "pay_statement"},
				"redirect_uri": "http://127.0.0.1:9/cb", "minutes_to_expire": float64(43200)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cp := &capture{reply: sessionReply}
			c := captureClient(t, cp)
			_, err := c.ReauthenticateConnectSession(context.Background(), tt.params)
			require.NoError(t, err)
			assertSessionRequest(t, cp, "/connect/sessions/reauthenticate", tt.want)
		})
	}
}

// assertSessionRequest checks a Connect Session request: Basic auth, JSON,
// API version, and a body equal to want field for field.
func assertSessionRequest(t *testing.T, cp *capture, path string, want map[string]any) {
	t.Helper()
	cp.mu.Lock()
	defer cp.mu.Unlock()
	assert.Equal(t, http.MethodPost, cp.method)
	assert.Equal(t, path, cp.path)
	assert.Equal(t, "Basic "+base64.StdEncoding.EncodeToString([]byte("cid:csecret")), cp.header.Get("Authorization"))
	assert.Equal(t, "application/json", cp.header.Get("Content-Type"))
	assert.Equal(t, "2020-09-17", cp.header.Get("Finch-API-Version"))
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(cp.body), &got))
	assert.Equal(t, want, got)
}

func TestConnectSessionValidation(t *testing.T) {
	t.Parallel()
	ok := finch.ConnectSessionParams{CustomerID: "c", CustomerName: "Acme", Products: []string{"company"}}
	with := func(f func(p *finch.ConnectSessionParams)) finch.ConnectSessionParams {
		p := ok
		f(&p)
		return p
	}
	tests := []struct {
		name   string
		params finch.ConnectSessionParams
		field  string
	}{
		{"empty params", finch.ConnectSessionParams{}, "customer_id"},
		{"no customer id", with(func(p *finch.ConnectSessionParams) { p.CustomerID = " " }), "customer_id"},
		{"no customer name", with(func(p *finch.ConnectSessionParams) { p.CustomerName = "" }), "customer_name"},
		{"customer name 256 chars", with(func(p *finch.ConnectSessionParams) { p.CustomerName = strings.Repeat("é", 256) }), "customer_name"},
		{"customer name with newline", with(func(p *finch.ConnectSessionParams) { p.CustomerName = "a\nb" }), "customer_name"},
		{"bad email", with(func(p *finch.ConnectSessionParams) { p.CustomerEmail = "not-an-email" }), "customer_email"},
		{"no products", with(func(p *finch.ConnectSessionParams) { p.Products = nil }), "products"},
		{"unknown product", with(func(p *finch.ConnectSessionParams) { p.Products = []string{"payroll"} }), "products"},
		{"repeated product", with(func(p *finch.ConnectSessionParams) { p.Products = []string{"company", "company"} }), "products"},
		{"negative minutes", with(func(p *finch.ConnectSessionParams) { p.MinutesToExpire = -1 }), "minutes_to_expire"},
		{"too many minutes", with(func(p *finch.ConnectSessionParams) { p.MinutesToExpire = finch.MaxSessionMinutes + 1 }), "minutes_to_expire"},
		{"plain http redirect", with(func(p *finch.ConnectSessionParams) { p.RedirectURI = "http://app.example/cb" }), "redirect_uri"},
		{"relative redirect", with(func(p *finch.ConnectSessionParams) { p.RedirectURI = "/cb" }), "redirect_uri"},
		{"bad sandbox", with(func(p *finch.ConnectSessionParams) { p.Sandbox = "true" }), "sandbox"},
		{"integration without provider", with(func(p *finch.ConnectSessionParams) { p.Integration = &finch.Integration{} }), "integration.provider"},
		{"bad auth method", with(func(p *finch.ConnectSessionParams) {
			p.Integration = &finch.Integration{Provider: "gusto", AuthMethod: "password"}
		}), "integration.auth_method"},
	}
	cp := &capture{reply: sessionReply}
	c := captureClient(t, cp)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.NewConnectSession(context.Background(), tt.params)
			var pe *finch.ParamError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tt.field, pe.Field)
			assert.ErrorIs(t, err, finch.ErrInvalidParams)
			assert.ErrorIs(t, err, client.ErrInvalidRequest)
		})
	}
	cp.mu.Lock()
	assert.Empty(t, cp.method, "nothing is sent for invalid params")
	cp.mu.Unlock()

	for name, p := range map[string]finch.ReauthenticateParams{
		"no connection":  {},
		"too many mins":  {ConnectionID: "c", MinutesToExpire: finch.MaxReauthMinutes + 1},
		"unknown produc": {ConnectionID: "c", Products: []string{"x"}},
		"http redirect":  {ConnectionID: "c", RedirectURI: "http://example.com/"},
	} {
		_, err := c.ReauthenticateConnectSession(context.Background(), p)
		assert.ErrorIs(t, err, finch.ErrInvalidParams, name)
	}
}

func TestConnectSessionNeedsCredentials(t *testing.T) {
	t.Parallel()
	cp := &capture{reply: sessionReply}
	srv := cp.server(t)
	c, err := finch.New(finch.Config{ClientID: "cid", BaseURL: srv.URL})
	require.NoError(t, err)
	_, err = c.NewConnectSession(context.Background(), finch.ConnectSessionParams{CustomerID: "c", CustomerName: "n", Products: []string{"company"}})
	var pe *finch.ParamError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "client_secret", pe.Field)
	assert.Empty(t, cp.method)
}

func TestConnectSessionBadAnswers(t *testing.T) {
	t.Parallel()
	p := finch.ConnectSessionParams{CustomerID: "c", CustomerName: "n", Products: []string{"company"}}
	for name, reply := range map[string]string{
		"no session id":      `{"connect_url":"https://connect.tryfinch.com/authorize?session=x"}`,
		"no connect url":     `{"session_id":"x"}`,
		"plain http connect": `{"session_id":"x","connect_url":"http://evil.example/authorize"}`,
	} {
		cp := &capture{reply: reply}
		c := captureClient(t, cp)
		_, err := c.NewConnectSession(context.Background(), p)
		assert.ErrorIs(t, err, client.ErrBadResponse, name)
	}
}

func TestConnectSessionFakeRefusals(t *testing.T) {
	t.Parallel()
	fake := providertest.NewFinch()
	t.Cleanup(fake.Close)
	wrong, err := finch.New(finch.Config{ClientID: fake.ClientID, ClientSecret: "wrong", BaseURL: fake.URL})
	require.NoError(t, err)
	_, err = wrong.NewConnectSession(context.Background(), finch.ConnectSessionParams{CustomerID: "c", CustomerName: "n", Products: []string{"company"}})
	assert.ErrorIs(t, err, client.ErrInvalidClient)
	assert.NotContains(t, err.Error(), "wrong")

	_, c := setup(t)
	_, err = c.ReauthenticateConnectSession(context.Background(), finch.ReauthenticateParams{ConnectionID: "conn_unknown"})
	assert.ErrorIs(t, err, client.ErrInvalidRequest)
}

package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providers"
)

const apiToken = "api-token-SENTINEL-5d1e"

// apiServer answers the queued replies in order (the last one repeats)
// and records what it received.
type apiServer struct {
	mu      sync.Mutex
	replies []apiReply
	got     []*http.Request
	bodies  []string
}

type apiReply struct {
	status int
	header map[string]string
	body   string
}

func (a *apiServer) start(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		a.mu.Lock()
		a.got = append(a.got, r)
		a.bodies = append(a.bodies, string(b))
		rep := a.replies[0]
		if len(a.replies) > 1 {
			a.replies = a.replies[1:]
		}
		a.mu.Unlock()
		for k, v := range rep.header {
			w.Header().Set(k, v)
		}
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(rep.status)
		_, _ = io.WriteString(w, rep.body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func apiClient(t *testing.T) *client.Client {
	c, err := client.New(client.Config{Provider: providers.Generic("https://auth.example.com"),
		ClientID: "api-client", ClientSecret: "api-secret-SENTINEL-77"},
		client.WithRetryWait(time.Millisecond, 10*time.Millisecond))
	require.NoError(t, err)
	return c
}

func TestCallAPIAuthAndBody(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		req   client.APIRequest
		check func(t *testing.T, r *http.Request, body string)
	}{
		{"bearer GET", client.APIRequest{Method: http.MethodGet, AccessToken: apiToken,
			Header: http.Header{"X-Api-Version": {"7"}}},
			func(t *testing.T, r *http.Request, body string) {
				assert.Equal(t, "Bearer "+apiToken, r.Header.Get("Authorization"))
				assert.Equal(t, "7", r.Header.Get("X-Api-Version"))
				assert.Equal(t, "application/json", r.Header.Get("Accept"))
				assert.Empty(t, r.Header.Get("Content-Type"))
				assert.Empty(t, body)
			}},
		{"token header with JSON body", client.APIRequest{Method: http.MethodPost, AccessToken: apiToken,
			TokenHeader: "X-Shopify-Access-Token", Body: map[string]string{"a": "b"}},
			func(t *testing.T, r *http.Request, body string) {
				assert.Empty(t, r.Header.Get("Authorization"))
				assert.Equal(t, apiToken, r.Header.Get("X-Shopify-Access-Token"))
				assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
				assert.JSONEq(t, `{"a":"b"}`, body)
			}},
		{"basic client credentials", client.APIRequest{Method: http.MethodPost, BasicAuth: true},
			func(t *testing.T, r *http.Request, _ string) {
				id, secret, ok := r.BasicAuth()
				assert.True(t, ok)
				assert.Equal(t, "api-client", id)
				assert.Equal(t, "api-secret-SENTINEL-77", secret)
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := &apiServer{replies: []apiReply{{status: 200, body: `{"n":1}`}}}
			tc.req.URL = a.start(t).URL + "/x"
			var out struct{ N int }
			_, err := apiClient(t).CallAPI(context.Background(), tc.req, &out)
			require.NoError(t, err)
			assert.Equal(t, 1, out.N)
			a.mu.Lock()
			defer a.mu.Unlock()
			require.Len(t, a.got, 1)
			tc.check(t, a.got[0], a.bodies[0])
		})
	}
}

func TestCallAPIErrors(t *testing.T) {
	t.Parallel()
	shape := func(_ int, b map[string]any) (client.ErrorFields, bool) {
		code := providers.StringField(b, "name")
		return client.ErrorFields{Code: code, Description: providers.StringField(b, "message")}, code != ""
	}
	cases := []struct {
		name     string
		reply    apiReply
		codes    client.ErrorCodes
		kind     error
		code     string
		reqID    string
		retryAft time.Duration
	}{
		{"401 is a dead token", apiReply{status: 401, body: `{"name":"unauthorized","message":"token ` + apiToken + ` revoked"}`},
			nil, client.ErrReauthorize, "unauthorized", "", 0},
		{"provider code", apiReply{status: 400, body: `{"name":"reconnect","message":"x"}`},
			client.ErrorCodes{"reconnect": client.ErrReauthorize}, client.ErrReauthorize, "reconnect", "", 0},
		{"429 with Retry-After and request id", apiReply{status: 429, header: map[string]string{"Retry-After": "7", "Request-Id": "req-9"}, body: `{}`},
			nil, client.ErrRateLimited, "", "req-9", 7 * time.Second},
		{"HTML error page", apiReply{status: 502, header: map[string]string{"Content-Type": "text/html"}, body: "<html>"},
			nil, client.ErrTransient, "", "", 0},
		{"2xx not JSON", apiReply{status: 200, body: "[1]"}, nil, client.ErrBadResponse, "", "", 0},
		{"2xx wrong shape", apiReply{status: 200, body: `{"n":"one"}`}, nil, client.ErrBadResponse, "", "", 0},
		{"over the body cap", apiReply{status: 200, body: `{"n":"` + strings.Repeat("a", client.MaxResponseBytes) + `"}`},
			nil, client.ErrBadResponse, "", "", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := &apiServer{replies: []apiReply{tc.reply}}
			srv := a.start(t)
			var out struct{ N int }
			c, err := client.New(client.Config{Provider: providers.Generic("https://auth.example.com"), ClientID: "id"},
				client.WithRetryMax(0))
			require.NoError(t, err)
			_, err = c.CallAPI(context.Background(), client.APIRequest{Method: http.MethodGet, URL: srv.URL,
				AccessToken: apiToken, ErrorShapes: []client.ErrorShape{shape}, ErrorCodes: tc.codes}, &out)
			require.ErrorIs(t, err, tc.kind)
			var e *client.Error
			require.True(t, errors.As(err, &e))
			assert.Equal(t, tc.code, e.Code)
			assert.Equal(t, tc.reqID, e.RequestID)
			assert.Equal(t, tc.retryAft, e.RetryAfter)
			assert.Equal(t, "generic", e.Provider)
			assert.NotContains(t, err.Error(), apiToken)
		})
	}
}

// TestCallAPIAnswerDecoding pins what a 2xx answer decodes to and how
// each kind of bad answer is reported (one decoding pass reads the body
// both as "one JSON object" and into out).
func TestCallAPIAnswerDecoding(t *testing.T) {
	t.Parallel()
	type out struct {
		N    int               `json:"n"`
		Tags []string          `json:"tags"`
		Any  map[string]any    `json:"any"`
		Raw  json.RawMessage   `json:"raw"`
		More map[string]string `json:"more"`
	}
	cases := []struct {
		name, ct, body, desc string
		want                 out
	}{
		{"object", "", ` {"n":3,"tags":["a"],"any":{"x":1.5},"raw":[1, 2],"more":{"k":"v"},"unknown":true} `, "",
			out{N: 3, Tags: []string{"a"}, Any: map[string]any{"x": 1.5}, Raw: json.RawMessage(`[1, 2]`), More: map[string]string{"k": "v"}}},
		{"HTML", "text/html", `<html>{"n":1}</html>`, "HTML page instead of a JSON answer", out{}},
		{"empty", "", "  ", "empty body", out{}},
		{"array", "", `[{"n":1}]`, "body is not a JSON object", out{}},
		{"malformed", "", `{"n":1,`, "malformed JSON", out{}},
		{"malformed after a misfit", "", `{"n":"one",`, "malformed JSON", out{}},
		{"trailing data", "", `{"n":1} {"n":2}`, "trailing data after JSON object", out{}},
		{"trailing data after a misfit", "", `{"n":"one"} x`, "trailing data after JSON object", out{}},
		{"misfit", "", `{"n":"one"}`, "answer does not have the documented shape", out{}},
		{"misfit deep", "", `{"more":{"k":1}}`, "answer does not have the documented shape", out{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rep := apiReply{status: 200, body: tc.body}
			if tc.ct != "" {
				rep.header = map[string]string{"Content-Type": tc.ct}
			}
			srv := (&apiServer{replies: []apiReply{rep}}).start(t)
			var got out
			resp, err := apiClient(t).CallAPI(context.Background(), client.APIRequest{Method: http.MethodGet, URL: srv.URL, AccessToken: apiToken}, &got)
			if tc.desc == "" {
				require.NoError(t, err)
				assert.Equal(t, tc.want, got)
				assert.Equal(t, tc.body, string(resp.Body))
				return
			}
			require.ErrorIs(t, err, client.ErrBadResponse)
			var e *client.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tc.desc, e.Description)
			assert.Equal(t, 200, e.StatusCode)
			assert.Equal(t, "generic", e.Provider)
		})
	}
}

// A GET is retried after a 500 (idempotent); a POST is not (the provider
// may have acted), though both are retried after a 503.
func TestCallAPIRetriesOnlyIdempotent(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		method   string
		status   int
		attempts int
	}{
		{http.MethodGet, 500, 2},
		{http.MethodPost, 500, 1},
		{http.MethodPost, 503, 2},
	} {
		t.Run(tc.method+" "+http.StatusText(tc.status), func(t *testing.T) {
			t.Parallel()
			a := &apiServer{replies: []apiReply{{status: tc.status, body: `{}`}, {status: 200, body: `{}`}}}
			srv := a.start(t)
			_, err := apiClient(t).CallAPI(context.Background(), client.APIRequest{Method: tc.method, URL: srv.URL, AccessToken: apiToken}, nil)
			a.mu.Lock()
			defer a.mu.Unlock()
			assert.Len(t, a.got, tc.attempts)
			if tc.attempts == 1 {
				require.ErrorIs(t, err, client.ErrTransient)
			} else {
				require.NoError(t, err)
			}
		})
	}
}

func TestCallAPIMisuse(t *testing.T) {
	t.Parallel()
	c := apiClient(t)
	//lint:ignore SA1012 a nil context is the misuse under test
	_, err := c.CallAPI(nil, client.APIRequest{Method: http.MethodGet, URL: "https://api.example.com", AccessToken: "x"}, nil)
	require.ErrorIs(t, err, client.ErrInvalidRequest)
	_, err = c.CallAPI(context.Background(), client.APIRequest{Method: http.MethodGet, URL: "https://api.example.com"}, nil)
	require.ErrorIs(t, err, client.ErrInvalidRequest)
	_, err = c.CallAPI(context.Background(), client.APIRequest{Method: http.MethodGet, URL: "http://api.example.com", AccessToken: "x"}, nil)
	require.ErrorIs(t, err, client.ErrInvalidRequest)
	_, err = c.CallAPI(context.Background(), client.APIRequest{Method: http.MethodPost, URL: "https://api.example.com",
		AccessToken: "x", Body: json.RawMessage("{bad")}, nil)
	require.ErrorIs(t, err, client.ErrInvalidRequest)
}

package client_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providers"
	"github.com/oauthx/oauthx/providertest"
)

// FuzzCallbackQuery sends any query string (with or without the state and
// login cookie of a login this browser began) to the callback handler: it
// must never panic, never exchange a code without the browser's own
// state, exchange at most once, redirect only after a save, always clear
// the login cookie, and never echo the query into the page.
func FuzzCallbackQuery(f *testing.F) {
	f.Add("code=abc", true)
	f.Add("code=abc&state=forged", false)
	f.Add("error=access_denied&error_description=%3Cscript%3E", true)
	f.Add("error=%00%ff%fe&code=x", true)
	f.Add("state=&state=x&code=", false)
	f.Add("code=abc&code=def", true)
	f.Add("%zz", true)
	fake := providertest.NewGeneric()
	f.Cleanup(fake.Close)
	c, err := client.New(client.Config{Provider: providers.Generic(fake.URL), ClientID: fake.ClientID,
		ClientSecret: fake.ClientSecret, RedirectURL: "http://127.0.0.1:9999/callback"},
		client.WithRetryWait(time.Millisecond, 5*time.Millisecond))
	if err != nil {
		f.Fatal(err)
	}
	bs, err := client.NewBrowserState(client.BrowserStateConfig{Key: testStateKey})
	if err != nil {
		f.Fatal(err)
	}
	var saves atomic.Int64
	h, err := client.NewCallbackHandler(client.CallbackConfig{Client: c, State: bs,
		ID:   func(context.Context, *client.Session) (string, error) { return "fuzz", nil },
		Save: func(context.Context, *client.Session) error { saves.Add(1); return nil }})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, query string, withState bool) {
		req := httptest.NewRequest(http.MethodGet, "/callback", nil)
		begun := ""
		if withState {
			rec := httptest.NewRecorder()
			st, err := h.Begin(rec, httptest.NewRequest(http.MethodGet, "/login", nil), "/back", false)
			if err != nil {
				t.Fatal(err)
			}
			for _, ck := range rec.Result().Cookies() {
				req.AddCookie(ck)
			}
			begun = st.State
			query = "state=" + st.State + "&" + query
		}
		req.URL.RawQuery = query
		reqsBefore, savesBefore := fake.Stats().Requests, saves.Load()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		reqs := fake.Stats().Requests - reqsBefore
		if reqs != 0 && (begun == "" || req.URL.Query().Get("state") != begun) {
			t.Fatalf("exchanged a code without the browser's state: %q", query)
		}
		if reqs > 1 {
			t.Fatalf("sent the code %d times", reqs)
		}
		if rec.Code == http.StatusSeeOther && saves.Load() != savesBefore+1 {
			t.Fatalf("redirected without a save")
		}
		if rec.Code < 300 || rec.Code == http.StatusSeeOther && saves.Load() == savesBefore {
			t.Fatalf("status %d for %q", rec.Code, query)
		}
		cleared := false
		for _, ck := range rec.Result().Cookies() {
			cleared = cleared || strings.HasSuffix(ck.Name, client.DefaultStateCookie) && ck.MaxAge < 0
		}
		if !cleared {
			t.Fatalf("login cookie not cleared for %q", query)
		}
		// The page may name the provider's error code (filtered to
		// [A-Za-z0-9._-], 64 bytes), nothing else of the query.
		body := rec.Body.String()
		if strings.ContainsAny(body, "<>\"'\x00") {
			t.Fatalf("page holds markup or control bytes: %q", body)
		}
		q, _ := url.ParseQuery(query)
		for k, vs := range q {
			for _, v := range vs {
				if k != "error" && len(v) >= 16 && strings.Contains(body, v) {
					t.Fatalf("page echoes %s=%q", k, v)
				}
			}
		}
	})
}

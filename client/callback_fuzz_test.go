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

// FuzzCallbackQuery sends any query string (with or without a state this
// application issued) to the callback handler: it must never panic, never
// exchange a code without consuming a valid state, exchange at most once,
// redirect only after a save, and never echo the query into the page.
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
		ClientSecret: fake.ClientSecret, RedirectURL: callbackRedirect},
		client.WithRetryWait(time.Millisecond, 5*time.Millisecond))
	if err != nil {
		f.Fatal(err)
	}
	states := client.NewMemoryStates(0, nil)
	var saves atomic.Int64
	h, err := client.NewCallbackHandler(client.CallbackConfig{Client: c, States: states,
		Save: func(context.Context, *client.Session) error { saves.Add(1); return nil }})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, query string, withState bool) {
		if withState {
			st, err := states.Begin("/back", false)
			if err != nil {
				t.Fatal(err)
			}
			query = "state=" + st.State + "&" + query
		}
		statesBefore, reqsBefore, savesBefore := states.Len(), fake.Stats().Requests, saves.Load()
		req := httptest.NewRequest(http.MethodGet, "/callback", nil)
		req.URL.RawQuery = query
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		consumed := statesBefore - states.Len()
		reqs := fake.Stats().Requests - reqsBefore
		if consumed == 0 && reqs != 0 {
			t.Fatalf("exchanged a code without a valid state: %q", query)
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

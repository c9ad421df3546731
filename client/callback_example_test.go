package client_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providers"
	"github.com/oauthx/oauthx/providertest"
)

// A /callback endpoint: the state is checked and spent, the code exchanged
// (with the PKCE verifier the state carried), the Session saved, and the
// user redirected.
func ExampleCallbackHandler() {
	fake := providertest.NewGeneric()
	defer fake.Close()
	c, err := client.New(client.Config{
		Provider:     providers.Generic(fake.URL),
		ClientID:     fake.ClientID,
		ClientSecret: fake.ClientSecret,
		RedirectURL:  "http://127.0.0.1:8080/callback",
	})
	if err != nil {
		panic(err)
	}
	states := client.NewMemoryStates(0, nil)
	h, err := client.NewCallbackHandler(client.CallbackConfig{
		Client: c,
		States: states,
		Save: func(_ context.Context, s *client.Session) error {
			fmt.Println("saved a", s.Provider, "session with scopes", s.Scopes)
			return nil // e.g. store.Save(ctx, s)
		},
	})
	if err != nil {
		panic(err)
	}

	// /login: remember a state (and PKCE verifier), send the user away.
	st, err := states.Begin("/dashboard", true)
	if err != nil {
		panic(err)
	}
	_, _ = c.AuthCodeURL(st.State, client.WithPKCE(st.Verifier))

	// The provider sends the user back with a code and the state.
	code := fake.IssueCodeWithPKCE("http://127.0.0.1:8080/callback", st.Verifier, "read")
	q := url.Values{"code": {code}, "state": {st.State}}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/callback?"+q.Encode(), nil))
	fmt.Println(rec.Code, rec.Header().Get("Location"))

	// The same callback again: the state is spent.
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/callback?"+q.Encode(), nil))
	fmt.Print(rec.Code, " ", rec.Body.String())
	// Output:
	// saved a generic session with scopes [read]
	// 303 /dashboard
	// 400 Bad Request: invalid or expired state; start the sign-in again
}

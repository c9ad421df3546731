package client_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providers"
	"github.com/oauthx/oauthx/providertest"
)

// A sign-in: GET /login sets the login cookie and sends the browser to the
// provider; GET /callback checks the state against that cookie, exchanges
// the code (with the PKCE verifier), saves the session under the signed-in
// user's ID and redirects. The same callback link opened in another
// browser is refused.
func ExampleCallbackHandler() {
	fake := providertest.NewGeneric() // the provider
	defer fake.Close()
	mux := http.NewServeMux()
	// The application knows its signed-in user (here from a cookie) and
	// keeps it in the request's context.
	type userKey struct{}
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ck, err := r.Cookie("user"); err == nil {
			r = r.WithContext(context.WithValue(r.Context(), userKey{}, ck.Value))
		}
		mux.ServeHTTP(w, r)
	}))
	defer app.Close()

	c, err := client.New(client.Config{
		Provider:     providers.Generic(fake.URL),
		ClientID:     fake.ClientID,
		ClientSecret: fake.ClientSecret,
		RedirectURL:  app.URL + "/callback",
	})
	if err != nil {
		panic(err)
	}
	// 32 random bytes or more, the same on every replica (a secret).
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	state, err := client.NewBrowserState(client.BrowserStateConfig{Key: key})
	if err != nil {
		panic(err)
	}
	h, err := client.NewCallbackHandler(client.CallbackConfig{
		Client: c,
		State:  state,
		// A generic session does not say whose it is: name it after the
		// application's user.
		ID: func(ctx context.Context, s *client.Session) (string, error) {
			user, _ := ctx.Value(userKey{}).(string)
			if user == "" {
				return "", errors.New("nobody is signed in")
			}
			return "generic:" + user, nil
		},
		Save: func(_ context.Context, s *client.Session) error {
			fmt.Println("saved session", s.ID)
			return nil // e.g. store.Save(ctx, s)
		},
	})
	if err != nil {
		panic(err)
	}
	mux.Handle("GET /login", h.LoginHandler())
	mux.Handle("GET /callback", h)
	mux.HandleFunc("GET /dashboard", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "dashboard")
	})

	// Alice's browser: a cookie jar, following the redirects
	// /login → provider → /callback → /dashboard.
	jar, _ := cookiejar.New(nil)
	alice := &http.Client{Jar: jar}
	appURL, _ := url.Parse(app.URL)
	jar.SetCookies(appURL, []*http.Cookie{{Name: "user", Value: "alice"}}) // alice is signed in
	var callback string
	alice.CheckRedirect = func(req *http.Request, _ []*http.Request) error {
		if req.URL.Path == "/callback" {
			callback = req.URL.String()
		}
		return nil
	}
	resp, err := alice.Get(app.URL + "/login?return_to=/dashboard")
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	fmt.Println(resp.StatusCode, string(body))

	// The callback link in another browser (no login cookie).
	resp, err = http.Get(callback)
	if err != nil {
		panic(err)
	}
	body, _ = io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	fmt.Print(resp.StatusCode, " ", string(body))
	// Output:
	// saved session generic:alice
	// 200 dashboard
	// 400 Bad Request: invalid or expired state; start the sign-in again
}

// BrowserState serves any redirect flow, e.g. an app install that must
// come back to the browser that started it with the shop it was for.
func ExampleBrowserState() {
	key := make([]byte, 32) // 32 random bytes or more, kept secret
	_, _ = rand.Read(key)
	bs, err := client.NewBrowserState(client.BrowserStateConfig{Key: key})
	if err != nil {
		panic(err)
	}

	// GET /install?shop=…: begin, then redirect with state in the URL.
	w := httptest.NewRecorder()
	begin := httptest.NewRequest(http.MethodGet, "https://app.example.com/install?shop=shop-1", nil)
	state, err := bs.Begin(w, begin, client.AuthState{Extra: "shop-1", ReturnTo: "/admin"})
	if err != nil {
		panic(err)
	}
	cookie := w.Result().Cookies()[0]
	fmt.Println(cookie.Name, cookie.HttpOnly, cookie.Secure, cookie.SameSite == http.SameSiteLaxMode)

	// GET /callback?state=…: the same browser comes back with its cookie.
	back := httptest.NewRequest(http.MethodGet, "https://app.example.com/callback?state="+state, nil)
	back.AddCookie(cookie)
	st, err := bs.Verify(httptest.NewRecorder(), back, back.URL.Query().Get("state"))
	if err != nil {
		panic(err)
	}
	fmt.Println(st.Extra, st.ReturnTo)

	// The same link from a browser without the cookie.
	other := httptest.NewRequest(http.MethodGet, "https://app.example.com/callback?state="+state, nil)
	_, err = bs.Verify(httptest.NewRecorder(), other, state)
	fmt.Println(errors.Is(err, client.ErrInvalidState), errors.Is(err, client.ErrStateCookieMissing))
	// Output:
	// __Host-oauthx_login true true true
	// shop-1 /admin
	// true true
}

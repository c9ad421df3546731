package client_test

import (
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/oauthx/oauthx/client"
)

// FuzzBrowserStateVerify gives Verify any cookie value and state: it must
// never panic, always clear the cookie, and accept only the pair Begin
// made (a genuine state with its own cookie).
func FuzzBrowserStateVerify(f *testing.F) {
	// A key of this process only: a pair another fuzzing process made
	// (the seeds below, seen by a worker) is a forgery here.
	key := make([]byte, client.MinStateKeyLen)
	_, _ = rand.Read(key)
	bs, err := client.NewBrowserState(client.BrowserStateConfig{Key: key})
	if err != nil {
		f.Fatal(err)
	}
	w := httptest.NewRecorder()
	state, err := bs.Begin(w, httptest.NewRequest(http.MethodGet, "http://127.0.0.1/login", nil),
		client.AuthState{Verifier: "v", ReturnTo: "/r", Extra: "e"})
	if err != nil {
		f.Fatal(err)
	}
	cookie := w.Result().Cookies()[0].Value
	f.Add(cookie, state)
	f.Add(cookie, state+"x")
	f.Add(cookie[:len(cookie)-1], state)
	f.Add("", state)
	f.Add("AQ", "")
	f.Add("%%%", "state")
	f.Fuzz(func(t *testing.T, value, st string) {
		r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1/callback", nil)
		r.AddCookie(&http.Cookie{Name: client.DefaultStateCookie, Value: value})
		rec := httptest.NewRecorder()
		got, err := bs.Verify(rec, r, st)
		genuine := value == cookie && st == state
		switch {
		case genuine && err != nil:
			t.Fatalf("the genuine pair was refused: %v", err)
		case !genuine && err == nil:
			t.Fatalf("accepted cookie %q with state %q", value, st)
		case err == nil && (got.Verifier != "v" || got.ReturnTo != "/r" || got.Extra != "e"):
			t.Fatalf("data changed: %v", got)
		}
		cleared := false
		for _, c := range rec.Result().Cookies() {
			cleared = cleared || c.Name == client.DefaultStateCookie && c.MaxAge < 0
		}
		if !cleared {
			t.Fatal("the login cookie was not cleared")
		}
	})
}

package providers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providers"
)

// A provider of your own, declared rather than coded: JSON request bodies,
// 201 on success, comma-separated scopes, a lifetime sent as a string, an
// error shape of its own, and the session's ID and subject taken from the
// answer.
func ExampleSpec() {
	// A stand-in for the provider's token endpoint.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]string
		_ = json.NewDecoder(r.Body).Decode(&body)
		w.Header().Set("Content-Type", "application/json")
		if body["code"] != "good-code" {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"status":"fail","reason":"code_expired","detail":"the code has expired"}`))
			return
		}
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"access_token":"at-1","token_type":"bearer","expires_in":"7200","scope":"orders,products","account":"acct_42"}`))
	}))
	defer srv.Close()

	acme, err := providers.New(providers.Spec{
		Name:            "acme",
		TokenURL:        srv.URL + "/token",
		Encoding:        providers.JSON,
		SuccessStatuses: []int{http.StatusCreated},
		ScopeSeparator:  ",",
		ErrorShapes: []providers.ErrorShape{func(_ int, b map[string]any) (providers.ErrorFields, bool) {
			code := providers.StringField(b, "reason")
			return providers.ErrorFields{Code: code, Description: providers.StringField(b, "detail")}, code != ""
		}},
		ErrorCodes: map[string]error{"code_expired": client.ErrReauthorize},
		Finish: func(_ *client.TokenRequest, s *client.Session, raw map[string]any) error {
			s.Subject = providers.StringField(raw, "account")
			s.ID = "acme:" + s.Subject
			return nil
		},
	})
	if err != nil {
		panic(err)
	}
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	c, err := client.New(client.Config{Provider: acme, ClientID: "id", ClientSecret: "secret"},
		client.WithClock(func() time.Time { return now }))
	if err != nil {
		panic(err)
	}

	s, err := c.ExchangeCode(context.Background(), "good-code")
	if err != nil {
		panic(err)
	}
	fmt.Println(s.ID, s.Scopes, s.Expiry.Sub(now))

	_, err = c.ExchangeCode(context.Background(), "old-code")
	fmt.Println(client.KindOf(err) == client.ErrReauthorize, err)
	// Output:
	// acme:acct_42 [orders products] 2h0m0s
	// true oauthx: reauthorization required (acme): HTTP 400: code_expired: the code has expired
}

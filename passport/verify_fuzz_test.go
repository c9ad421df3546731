package passport_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oauthx/oauthx/passport"
	"github.com/oauthx/oauthx/providertest"
)

// FuzzVerify feeds any id_token, and any claims correctly signed with the
// fake's published key, to the Verifier: it must never panic, refuse with
// a *VerifyError matching ErrInvalidIDToken whose text holds no part of
// the token, and accept only this issuer, this audience, unexpired.
func FuzzVerify(f *testing.F) {
	fake := providertest.NewPassport()
	f.Cleanup(fake.Close)
	for _, b := range []providertest.BrokenIDToken{providertest.IDTokenValid, providertest.IDTokenWrongIssuer,
		providertest.IDTokenWrongAudience, providertest.IDTokenExpired, providertest.IDTokenBadSignature,
		providertest.IDTokenOtherKey, providertest.IDTokenAlgHS256, providertest.IDTokenAlgNone} {
		f.Add(fake.MintIDToken("", b), "")
	}
	now := time.Now()
	f.Add("", `{"iss":"`+fake.URL+`","aud":"`+fake.ClientID+`","sub":"s","exp":`+jsonInt(now.Add(time.Hour).Unix())+`}`)
	f.Add("", `{"iss":"`+fake.URL+`","aud":["`+fake.ClientID+`",7],"exp":1e400}`)
	f.Add("", `{"iss":"`+fake.URL+`","aud":"`+fake.ClientID+`","exp":"soon","name":5}`)
	f.Add("a.b.c", "")
	f.Add("eyJhbGciOiJub25lIn0.e30.", "")
	ctx := context.Background()
	c, err := passport.New(passport.Config{BaseURL: fake.URL,
		ClientID: fake.ClientID, ClientSecret: fake.ClientSecret})
	if err != nil {
		f.Fatal(err)
	}
	v, err := c.NewVerifier(ctx)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw, claims string) {
		if claims != "" {
			var m map[string]any
			if json.Unmarshal([]byte(claims), &m) != nil || m == nil {
				return
			}
			raw = fake.SignJWT(m)
		}
		tok, err := v.Verify(ctx, raw)
		if err != nil {
			var ve *passport.VerifyError
			if !errors.As(err, &ve) || !errors.Is(err, passport.ErrInvalidIDToken) {
				t.Fatalf("rejection %T is not a *VerifyError: %v", err, err)
			}
			msg := err.Error()
			for _, part := range strings.Split(raw, ".") {
				if len(part) >= 8 && strings.Contains(msg, part) {
					t.Fatalf("error holds part of the token: %s", msg)
				}
			}
			return
		}
		if tok.Issuer != fake.URL || !slices.Contains(tok.Audience, fake.ClientID) || !tok.Expiry.After(time.Now().Add(-time.Minute)) {
			t.Fatalf("accepted iss %q aud %q exp %v", tok.Issuer, tok.Audience, tok.Expiry)
		}
	})
}

func jsonInt(n int64) string { b, _ := json.Marshal(n); return string(b) }

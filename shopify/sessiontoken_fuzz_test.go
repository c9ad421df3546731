package shopify_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/oauthx/oauthx/providertest"
	"github.com/oauthx/oauthx/shopify"
)

func signRaw(header, payload string) string {
	s := segment(header) + "." + segment(payload)
	mac := hmac.New(sha256.New, []byte(testAPISecret))
	mac.Write([]byte(s))
	return s + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// FuzzDecodeSessionToken feeds arbitrary tokens, and arbitrary payloads
// correctly signed with the app secret, to the verifier: it must never
// panic, every rejection must be a *SessionTokenError with a reason, no
// error text may hold the input, and whatever is accepted must name a
// valid shop in dest and iss, this app in aud, and be unexpired.
func FuzzDecodeSessionToken(f *testing.F) {
	c, err := shopify.New(shopify.Config{APIKey: testAPIKey, APISecret: testAPISecret, Now: fixedClock})
	if err != nil {
		f.Fatal(err)
	}
	valid := validFields()
	f.Add(providertest.MintSessionToken(testAPISecret, valid), "")
	f.Add("", `{"iss":"https://a.myshopify.com/admin","dest":"https://a.myshopify.com","aud":"`+testAPIKey+`","exp":1800000030}`)
	f.Add("", `{"iss":"https://a.myshopify.com/admin","dest":"https://a.myshopify.com","aud":["`+testAPIKey+`"],"exp":1.8e9,"nbf":"x"}`)
	f.Add("", `{"iss":"https://a.myshopify.com/admin","dest":"https://a.myshopify.com:1","aud":"`+testAPIKey+`","exp":1800000030}`)
	f.Add("", `{"iss":"https://A.myshopify.com/admin/","dest":"https://a.myshopify.com/","aud":"`+testAPIKey+`","exp":1800000030}`)
	f.Add("", `{"exp":1e400}`)
	f.Add("", `{"iss":"https://a.myshopify.com/admin","dest":"https://a.myshopify.com","aud":"`+testAPIKey+`","exp":"1800000030"}`)
	f.Add("", `{"iss":"https://a.myshopify.com/admin","dest":"https://a.myshopify.com","aud":"`+testAPIKey+`","exp":1800000030,"exp":1}`)
	f.Add("", `{"iss":"https://a.myshopify.com/admin","dest":"https://a.myshopify.com","aud":"\u0073`+testAPIKey[1:]+`","exp":18e8,"iat":"1"}`)
	f.Add("", `{"iss":"https://a.myshopify.com/admin","dest":"https://a.myshopify.com","aud":"`+testAPIKey+`","exp":1800000030,"x":[{"y":[]}]} `)
	f.Add("eyJhbGciOiJub25lIn0.e30.", "")
	f.Add("a.b.c", "")
	f.Add(strings.Repeat(".", 100), "")
	f.Fuzz(func(t *testing.T, token, payload string) {
		if payload != "" {
			token = signRaw(`{"alg":"HS256","typ":"JWT"}`, payload)
		}
		claims, err := c.DecodeSessionToken(token)
		if err != nil {
			var ste *shopify.SessionTokenError
			if !errors.As(err, &ste) || ste.Reason == nil || !errors.Is(err, shopify.ErrInvalidSessionToken) {
				t.Fatalf("rejection is not a *SessionTokenError: %T %v", err, err)
			}
			if len(token) >= 8 && strings.Contains(err.Error(), token) {
				t.Fatalf("error text holds the token")
			}
			return
		}
		if _, err := shopify.SanitizeShop(claims.Shop); err != nil ||
			strings.TrimSuffix(strings.ToLower(claims.Dest), "/") != "https://"+claims.Shop {
			t.Fatalf("accepted dest %q for shop %q", claims.Dest, claims.Shop)
		}
		if strings.ToLower(claims.Issuer) != "https://"+claims.Shop+"/admin" {
			t.Fatalf("accepted iss %q for shop %q", claims.Issuer, claims.Shop)
		}
		if claims.Audience != testAPIKey {
			t.Fatalf("accepted aud %q", claims.Audience)
		}
		if payload != "" {
			checkAcceptedPayload(t, payload)
		}
		if !fixedNow.Before(claims.ExpiresAt.Add(shopify.DefaultClockTolerance)) {
			t.Fatalf("accepted an expired token")
		}
		if !claims.NotBefore.IsZero() && fixedNow.Add(shopify.DefaultClockTolerance).Before(claims.NotBefore) {
			t.Fatalf("accepted a token not yet valid")
		}
	})
}

// checkAcceptedPayload is encoding/json's opinion of a payload the
// verifier accepted: one JSON object, aud a string, exp a number, nbf and
// iat numbers when present.
func checkAcceptedPayload(t *testing.T, payload string) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader([]byte(payload)))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || dec.More() {
		t.Fatalf("accepted a payload encoding/json refuses: %v", err)
	}
	if _, ok := m["aud"].(string); !ok {
		t.Fatalf("accepted aud of type %T", m["aud"])
	}
	for _, k := range []string{"exp", "nbf", "iat"} {
		if v, present := m[k]; present || k == "exp" {
			if _, ok := v.(json.Number); !ok {
				t.Fatalf("accepted %s of type %T", k, v)
			}
		}
	}
}

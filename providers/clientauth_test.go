package providers_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providers"
	"github.com/oauthx/oauthx/providertest"
)

func newKeys(t *testing.T) map[string]crypto.Signer {
	t.Helper()
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	_, dk, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	return map[string]crypto.Signer{"RS256": rk, "ES256": ek, "EdDSA": dk}
}

// private_key_jwt with each key type, and client_secret_jwt, against the
// fake that verifies the assertions: every grant and endpoint that
// authenticates the client.
func TestJWTClientAuth(t *testing.T) {
	t.Parallel()
	const longSecret = "a-client-secret-of-at-least-32-bytes!"
	type variant struct {
		fakeOpts []providertest.GenericOption
		genOpt   providers.GenericOption
		method   string
	}
	variants := map[string]variant{
		"client_secret_jwt": {[]providertest.GenericOption{providertest.WithClientSecretJWT()}, providers.WithClientSecretJWT(), providers.MethodClientSecretJWT},
	}
	for alg, k := range newKeys(t) {
		variants["private_key_jwt "+alg] = variant{[]providertest.GenericOption{providertest.WithClientKey(k.Public())},
			providers.WithPrivateKeyJWT(k, "key-1"), providers.MethodPrivateKeyJWT}
	}
	for name, v := range variants {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fake := providertest.NewGeneric(append(v.fakeOpts, providertest.WithClientCredentials("jwt-client", longSecret))...)
			t.Cleanup(fake.Close)
			p := providers.Generic(fake.URL, v.genOpt, providers.WithRevocationURL(fake.RevocationURL()),
				providers.WithIntrospectionURL(fake.IntrospectionURL()), providers.WithDeviceAuthURL(fake.DeviceAuthURL()))
			secret := ""
			if v.method == providers.MethodClientSecretJWT {
				secret = longSecret
			}
			c, err := client.New(client.Config{Provider: p, ClientID: "jwt-client", ClientSecret: secret})
			require.NoError(t, err)
			ctx := context.Background()
			s, err := c.ExchangeCode(ctx, fake.IssueCode(""))
			require.NoError(t, err)
			s, err = c.Refresh(ctx, s)
			require.NoError(t, err)
			_, err = c.ClientCredentials(ctx)
			require.NoError(t, err)
			in, err := c.Introspect(ctx, s.AccessToken, "")
			require.NoError(t, err)
			assert.True(t, in.Active)
			require.NoError(t, c.Revoke(ctx, s.RefreshToken, client.HintRefreshToken))
			_, err = c.StartDeviceAuth(ctx)
			require.NoError(t, err)
			assert.Equal(t, 6, fake.Stats().Assertions, "a fresh assertion on every request")
			assert.Equal(t, 0, fake.Stats().ReplayedAssertions)
			assert.Equal(t, v.method, p.(interface{ ClientAuthMethod() string }).ClientAuthMethod())
		})
	}
}

// The request fields and the assertion's claims, exactly (RFC 7523 §2.2,
// §3).
func TestJWTClientAuthRequest(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var forms []url.Values
	var basic []bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		_, _, b := r.BasicAuth()
		mu.Lock()
		forms, basic = append(forms, r.PostForm), append(basic, b)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"a","token_type":"Bearer","expires_in":60}`))
	}))
	t.Cleanup(srv.Close)
	keys := newKeys(t)
	now := time.Unix(1_800_000_000, 0)
	c, err := client.New(client.Config{Provider: providers.Generic(srv.URL, providers.WithPrivateKeyJWT(keys["ES256"], "kid-7")),
		ClientID: "cid", ClientSecret: "never-sent"}, client.WithClock(func() time.Time { return now }))
	require.NoError(t, err)
	for range 2 {
		_, err = c.ClientCredentials(context.Background())
		require.NoError(t, err)
	}
	require.Len(t, forms, 2)
	var jtis []string
	for i, f := range forms {
		assert.False(t, basic[i])
		assertion := f.Get("client_assertion")
		f.Del("client_assertion")
		assert.Equal(t, url.Values{"grant_type": {"client_credentials"}, "client_id": {"cid"},
			"client_assertion_type": {client.ClientAssertionType}}, f, "no client_secret")
		tok, err := jwt.ParseSigned(assertion, []jose.SignatureAlgorithm{jose.ES256})
		require.NoError(t, err)
		assert.Equal(t, "kid-7", tok.Headers[0].KeyID)
		assert.Equal(t, "JWT", tok.Headers[0].ExtraHeaders["typ"])
		var claims jwt.Claims
		require.NoError(t, tok.Claims(keys["ES256"].Public(), &claims))
		assert.Equal(t, "cid", claims.Issuer)
		assert.Equal(t, "cid", claims.Subject)
		assert.Equal(t, jwt.Audience{srv.URL + "/oauth2/token"}, claims.Audience)
		assert.Equal(t, now, claims.IssuedAt.Time())
		assert.Equal(t, now.Add(client.AssertionLifetime), claims.Expiry.Time())
		assert.NotEmpty(t, claims.ID)
		jtis = append(jtis, claims.ID)
	}
	assert.NotEqual(t, jtis[0], jtis[1], "unique jti")
}

func TestJWTClientAuthRefused(t *testing.T) {
	t.Parallel()
	keys := newKeys(t)
	other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	fake := providertest.NewGeneric(providertest.WithClientKey(keys["ES256"].Public()))
	t.Cleanup(fake.Close)
	ctx := context.Background()

	t.Run("wrong key", func(t *testing.T) {
		c, err := client.New(client.Config{Provider: providers.Generic(fake.URL, providers.WithPrivateKeyJWT(other, "")), ClientID: fake.ClientID})
		require.NoError(t, err)
		_, err = c.ClientCredentials(ctx)
		require.ErrorIs(t, err, client.ErrInvalidClient)
	})
	t.Run("a replayed assertion", func(t *testing.T) {
		signer, err := client.NewAssertionSigner(keys["ES256"], "")
		require.NoError(t, err)
		a, err := signer.Assertion(fake.ClientID, fake.TokenURL(), time.Now())
		require.NoError(t, err)
		form := url.Values{"grant_type": {"client_credentials"}, "client_assertion_type": {client.ClientAssertionType}, "client_assertion": {a}}
		for i, want := range []int{200, 401} {
			resp, err := http.PostForm(fake.TokenURL(), form)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, want, resp.StatusCode, "attempt %d", i+1)
		}
		assert.Equal(t, 1, fake.Stats().ReplayedAssertions)
	})
	t.Run("wrong audience, long life, secret beside it", func(t *testing.T) {
		for name, form := range map[string]func() url.Values{
			"audience": func() url.Values {
				s, _ := client.NewAssertionSigner(keys["ES256"], "")
				a, _ := s.Assertion(fake.ClientID, "https://elsewhere.example.com/token", time.Now())
				return url.Values{"client_assertion_type": {client.ClientAssertionType}, "client_assertion": {a}}
			},
			"secret too": func() url.Values {
				s, _ := client.NewAssertionSigner(keys["ES256"], "")
				a, _ := s.Assertion(fake.ClientID, fake.TokenURL(), time.Now())
				return url.Values{"client_assertion_type": {client.ClientAssertionType}, "client_assertion": {a}, "client_secret": {fake.ClientSecret}}
			},
			"an hour of life": func() url.Values {
				sig, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: keys["ES256"]}, nil)
				now := time.Now()
				a, _ := jwt.Signed(sig).Claims(jwt.Claims{Issuer: fake.ClientID, Subject: fake.ClientID, Audience: jwt.Audience{fake.TokenURL()},
					IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(time.Hour)), ID: "j-long"}).Serialize()
				return url.Values{"client_assertion_type": {client.ClientAssertionType}, "client_assertion": {a}}
			},
			"wrong type": func() url.Values {
				s, _ := client.NewAssertionSigner(keys["ES256"], "")
				a, _ := s.Assertion(fake.ClientID, fake.TokenURL(), time.Now())
				return url.Values{"client_assertion_type": {"urn:x"}, "client_assertion": {a}}
			},
		} {
			f := form()
			f.Set("grant_type", "client_credentials")
			resp, err := http.PostForm(fake.TokenURL(), f)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, 401, resp.StatusCode, name)
		}
	})
	t.Run("echoed assertion is scrubbed", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_ = r.ParseForm()
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(400)
			b, _ := json.Marshal(map[string]string{"error": "invalid_client", "error_description": "bad assertion " + r.PostForm.Get("client_assertion")})
			_, _ = w.Write(b)
		}))
		t.Cleanup(srv.Close)
		c, err := client.New(client.Config{Provider: providers.Generic(srv.URL, providers.WithPrivateKeyJWT(keys["RS256"], "k")), ClientID: "id"})
		require.NoError(t, err)
		_, err = c.ClientCredentials(ctx)
		require.ErrorIs(t, err, client.ErrInvalidClient)
		assert.NotContains(t, err.Error(), "eyJ", "no part of the JWS")
	})
	t.Run("bad keys and secrets", func(t *testing.T) {
		small, err := rsa.GenerateKey(rand.Reader, 1024)
		require.NoError(t, err)
		p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
		require.NoError(t, err)
		for name, key := range map[string]any{"nil": nil, "RSA 1024": small, "P-384": p384, "string": "k", "short secret": []byte("short")} {
			_, err := client.New(client.Config{Provider: providers.Generic(fake.URL, providers.WithPrivateKeyJWT(key, "")), ClientID: "id"})
			require.Error(t, err, name)
		}
		c, err := client.New(client.Config{Provider: providers.Generic(fake.URL, providers.WithClientSecretJWT()), ClientID: "id", ClientSecret: "short"})
		require.NoError(t, err)
		_, err = c.ClientCredentials(ctx)
		require.ErrorIs(t, err, client.ErrInvalidRequest, "client_secret_jwt needs 32 bytes")
		assert.NotContains(t, err.Error(), "short\"")
		_, err = providers.New(providers.Spec{Name: "x", TokenURL: "https://a.example.com/t", ClientAuth: providers.AuthPrivateKeyJWT})
		require.Error(t, err)
	})
	t.Run("signer prints no key", func(t *testing.T) {
		rk := keys["RS256"].(*rsa.PrivateKey)
		s, err := client.NewAssertionSigner(rk, "k1")
		require.NoError(t, err)
		assert.Equal(t, "RS256", s.Algorithm())
		out := fmt.Sprintf("%v %+v %#v %s %q", s, s, s, s, s)
		assert.Contains(t, out, "k1")
		assert.NotContains(t, out, rk.D.String()[:24])
		assert.NotContains(t, out, fmt.Sprint(rk.D.Bits()[0]))
	})
}

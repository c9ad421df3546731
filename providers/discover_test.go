package providers_test

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providers"
	"github.com/oauthx/oauthx/providertest"
)

func TestDiscover(t *testing.T) {
	t.Parallel()
	for name, opts := range map[string][]providertest.GenericOption{
		"RFC 8414 document":       nil,
		"OpenID Connect only":     {providertest.WithOIDCDiscoveryOnly()},
		"client_secret_post only": {providertest.WithMetadataEdit(func(d map[string]any) { d["token_endpoint_auth_methods_supported"] = []string{"client_secret_post"} })},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fake := providertest.NewGeneric(opts...)
			t.Cleanup(fake.Close)
			ctx := context.Background()
			p, err := providers.Discover(ctx, fake.Issuer())
			require.NoError(t, err)
			pp := p.(*providers.Provider)
			assert.Equal(t, "generic", p.Name())
			assert.Equal(t, fake.TokenURL(), pp.TokenURL())
			assert.Equal(t, fake.URL+"/oauth2/authorize", pp.AuthURL())
			assert.Equal(t, fake.RevocationURL(), pp.RevocationURL())
			assert.Equal(t, fake.IntrospectionURL(), pp.IntrospectionURL())
			assert.Equal(t, fake.DeviceAuthURL(), pp.DeviceAuthURL())
			require.NotNil(t, pp.Metadata())
			assert.Equal(t, []string{"S256"}, pp.Metadata().CodeChallengeMethodsSupported)

			// The discovered provider works end to end: code with PKCE, refresh, revoke.
			c, err := client.New(client.Config{Provider: p, ClientID: fake.ClientID, ClientSecret: fake.ClientSecret})
			require.NoError(t, err)
			v := client.GenerateVerifier()
			s, err := c.ExchangeCode(ctx, fake.IssueCodeWithPKCE("", v), client.WithCodeVerifier(v))
			require.NoError(t, err)
			s, err = c.Refresh(ctx, s)
			require.NoError(t, err)
			require.NoError(t, c.Revoke(ctx, s.RefreshToken, client.HintRefreshToken))
			assert.True(t, fake.Revoked(s.RefreshToken))
		})
	}
}

func TestDiscoverRefuses(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		edit func(d map[string]any)
		want error
	}{
		{"issuer of another server", func(d map[string]any) { d["issuer"] = "https://evil.example.com" }, client.ErrBadResponse},
		{"issuer with a trailing slash", func(d map[string]any) { d["issuer"] = d["issuer"].(string) + "/" }, client.ErrBadResponse},
		{"no issuer", func(d map[string]any) { delete(d, "issuer") }, client.ErrBadResponse},
		{"PKCE plain only", func(d map[string]any) { d["code_challenge_methods_supported"] = []string{"plain"} }, client.ErrBadResponse},
		{"no token endpoint", func(d map[string]any) { delete(d, "token_endpoint") }, client.ErrBadResponse},
		{"plain http token endpoint elsewhere", func(d map[string]any) { d["token_endpoint"] = "http://auth.example.com/token" }, client.ErrBadResponse},
		{"plain http revocation endpoint elsewhere", func(d map[string]any) { d["revocation_endpoint"] = "http://auth.example.com/revoke" }, client.ErrBadResponse},
		{"only tls_client_auth", func(d map[string]any) { d["token_endpoint_auth_methods_supported"] = []string{"tls_client_auth"} }, client.ErrBadResponse},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fake := providertest.NewGeneric(providertest.WithMetadataEdit(tc.edit))
			t.Cleanup(fake.Close)
			_, err := providers.Discover(context.Background(), fake.Issuer())
			require.ErrorIs(t, err, tc.want)
		})
	}
	t.Run("bad issuers", func(t *testing.T) {
		t.Parallel()
		for _, issuer := range []string{"", "http://auth.example.com", "https://auth.example.com?x=1", "https://auth.example.com#f", "ftp://a", "::"} {
			_, err := providers.Discover(context.Background(), issuer)
			require.ErrorIs(t, err, client.ErrInvalidRequest, issuer)
		}
		_, err := providers.Discover(context.Background(), "https://a.example.com", providers.WithDiscoveryHTTPClient(nil))
		require.Error(t, err)
		_, err = providers.Discover(context.Background(), "https://a.example.com", providers.WithDiscoveredName(""))
		require.Error(t, err)
	})
}

// The RFC 8414 §3.1 URL for an issuer with a path, the OIDC fallback, and
// the answers that are not a document.
func TestDiscoverFetching(t *testing.T) {
	t.Parallel()
	var oauthHits, oidcHits atomic.Int32
	var srvURL string
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/oauth-authorization-server/tenant1", func(w http.ResponseWriter, r *http.Request) {
		oauthHits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"issuer":"` + srvURL + `/tenant1","token_endpoint":"` + srvURL + `/tenant1/token"}`))
	})
	mux.HandleFunc("GET /tenant2/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		oidcHits.Add(1)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = w.Write([]byte(`{"issuer":"` + srvURL + `/tenant2","token_endpoint":"` + srvURL + `/tenant2/token","token_endpoint_auth_methods_supported":["none"]}`))
	})
	mux.HandleFunc("GET /.well-known/oauth-authorization-server/down", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "busy", http.StatusServiceUnavailable)
	})
	mux.HandleFunc("GET /.well-known/oauth-authorization-server/html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<html></html>"))
	})
	mux.HandleFunc("GET /.well-known/oauth-authorization-server/moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://evil.example.com/.well-known/oauth-authorization-server", http.StatusFound)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	srvURL = srv.URL
	ctx := context.Background()

	p, err := providers.Discover(ctx, srv.URL+"/tenant1", providers.WithDiscoveredName("acme"),
		providers.WithDiscoveryHTTPClient(&http.Client{Timeout: 5 * time.Second}))
	require.NoError(t, err)
	assert.Equal(t, "acme", p.Name())
	assert.Equal(t, srv.URL+"/tenant1/token", p.(*providers.Provider).TokenURL())
	assert.Equal(t, int32(1), oauthHits.Load())

	p, err = providers.Discover(ctx, srv.URL+"/tenant2", providers.WithSpecOptions(providers.WithRevocationURL(srv.URL+"/tenant2/revoke")))
	require.NoError(t, err)
	assert.Equal(t, int32(1), oidcHits.Load(), "RFC 8414 404, then OpenID Connect")
	assert.Equal(t, srv.URL+"/tenant2/revoke", p.(*providers.Provider).RevocationURL(), "WithSpecOptions overrides")

	for path, want := range map[string]error{"/down": client.ErrTransient, "/html": client.ErrBadResponse, "/moved": client.ErrBadResponse, "/none": client.ErrBadResponse} {
		_, err := providers.Discover(ctx, srv.URL+path)
		require.ErrorIs(t, err, want, path)
	}
	srv2 := httptest.NewServer(http.NotFoundHandler())
	addr := srv2.URL
	srv2.Close()
	_, err = providers.Discover(ctx, addr)
	require.ErrorIs(t, err, client.ErrTransient, "nothing listening")
}

// TestDiscoverTransportErrors: a metadata fetch that gets no complete
// answer is the module's transport error (ErrTransient, causes kept only
// when their text cannot quote the answer), never net/http's raw error,
// whose text quotes a malformed answer and the URL's query.
func TestDiscoverTransportErrors(t *testing.T) {
	t.Parallel()
	const sentinel = "SENTINEL-secret-in-answer"
	raw := func(answer string) string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		t.Cleanup(func() { _ = ln.Close() })
		go func() {
			for range 4 { // the RFC 8414 URL, and the OIDC one after a 4xx
				conn, err := ln.Accept()
				if err != nil {
					return
				}
				_, _ = bufio.NewReader(conn).ReadString('\n')
				_, _ = io.WriteString(conn, answer)
				_ = conn.Close()
			}
		}()
		return "http://" + ln.Addr().String()
	}
	cases := []struct {
		name, issuer string
		desc         string
		cause        error
	}{
		{"malformed status line", raw("HTTP/1.1 2OO " + sentinel + "\r\n\r\n"), "malformed HTTP", nil},
		{"malformed header", raw("HTTP/1.1 200 OK\r\n" + sentinel + "\r\n\r\n"), "malformed header line", nil},
		{"body cut short", raw("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"issuer\":\"" + sentinel), "", io.ErrUnexpectedEOF},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := providers.Discover(context.Background(), tc.issuer)
			require.ErrorIs(t, err, client.ErrTransient)
			var e *client.Error
			require.ErrorAs(t, err, &e)
			assert.Contains(t, e.Description, "GET "+tc.issuer+"/.well-known/")
			assert.Contains(t, e.Description, tc.desc)
			if tc.cause != nil {
				assert.ErrorIs(t, err, tc.cause)
			}
			for _, verb := range []string{"%v", "%+v", "%#v"} {
				assert.NotContains(t, fmt.Sprintf(verb, err), sentinel)
			}
		})
	}
	t.Run("nothing listening", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(http.NotFoundHandler())
		addr := srv.URL
		srv.Close()
		_, err := providers.Discover(context.Background(), addr)
		require.ErrorIs(t, err, client.ErrTransient)
		var op *net.OpError
		assert.ErrorAs(t, err, &op, "the connection's own error is kept")
		var ue *url.Error
		assert.False(t, errors.As(err, &ue), "not net/http's *url.Error, whose text repeats the URL")
	})
}

// A server that takes only private_key_jwt: WithPrivateKeyJWT through
// WithSpecOptions chooses it; given a bad key, Discover reports that
// option's error, not "pass WithPrivateKeyJWT".
func TestDiscoverPrivateKeyJWTOnly(t *testing.T) {
	t.Parallel()
	fake := providertest.NewGeneric(providertest.WithMetadataEdit(func(d map[string]any) {
		d["token_endpoint_auth_methods_supported"] = []string{"private_key_jwt"}
	}))
	t.Cleanup(fake.Close)
	_, err := providers.Discover(context.Background(), fake.Issuer())
	require.Error(t, err, "no method this client can use")

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	p, err := providers.Discover(context.Background(), fake.Issuer(), providers.WithSpecOptions(providers.WithPrivateKeyJWT(key, "k1")))
	require.NoError(t, err)
	require.NotNil(t, p)

	_, err = providers.Discover(context.Background(), fake.Issuer(), providers.WithSpecOptions(providers.WithPrivateKeyJWT("not a key", "k1")))
	var oe *client.OptionError
	require.ErrorAs(t, err, &oe)
	require.Equal(t, "providers.WithPrivateKeyJWT", oe.Option)
}

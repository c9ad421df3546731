package faultsuite

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"math/big"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providers"
	"github.com/oauthx/oauthx/providertest"
)

// echoAll answers every request 400 with the request body and the
// Authorization header in error_description: a server that echoes
// everything it was sent (device codes, client assertions, tokens being
// revoked). seen gets each body.
func echoAll(seen func(body string)) func(body, auth string) string {
	return func(body, auth string) string {
		seen(body)
		b, _ := json.Marshal(map[string]string{"error": "invalid_request", "error_description": "got " + body + " with " + auth})
		return "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: " +
			strconv.Itoa(len(b)) + "\r\nConnection: close\r\n\r\n" + string(b)
	}
}

// TestLeakScanGenericGrants covers the grants and calls of issue 16: the
// device flow (a device_code), JWT client authentication (a client
// assertion and its private key), client credentials, revocation and
// introspection — successes against the strict fake and failures against
// a server echoing every parameter — and fails if a secret shows in an
// error, a printed value or the debug log.
func TestLeakScanGenericGrants(t *testing.T) {
	t.Parallel()
	e := &env{provider: "generic", logs: &syncBuffer{}, secrets: &secretSet{}}
	s := &scan{t: t, e: e}
	e.secrets.add(sentinelClientSecret)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	d, err := key.Bytes()
	require.NoError(t, err)
	e.secrets.add(base64.RawURLEncoding.EncodeToString(d)) // the JWK "d"
	e.secrets.add(new(big.Int).SetBytes(d).String())

	var mu sync.Mutex
	echo := rawServer(t, echoAll(func(body string) {
		q, _ := url.ParseQuery(body)
		mu.Lock()
		defer mu.Unlock()
		for _, k := range []string{"client_assertion", "device_code", "token"} {
			e.secrets.add(q.Get(k))
		}
	}))
	g := providertest.NewGeneric(providertest.WithClientCredentials(sentinelClientID, sentinelClientSecret),
		providertest.WithClientKey(key.Public()), providertest.WithDeviceInterval(10*time.Millisecond))
	t.Cleanup(g.Close)
	logger := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	mk := func(base string, auth providers.GenericOption) *client.Client {
		c, err := client.New(client.Config{Provider: providers.Generic(base, auth,
			providers.WithRevocationURL(base+"/oauth2/revoke"), providers.WithIntrospectionURL(base+"/oauth2/introspect"),
			providers.WithDeviceAuthURL(base+"/oauth2/device_authorization")),
			ClientID: sentinelClientID, ClientSecret: sentinelClientSecret},
			client.WithLogger(logger), client.WithRetryWait(time.Millisecond, 10*time.Millisecond))
		require.NoError(t, err)
		s.vals("client", c, c.Provider())
		return c
	}
	ctx := context.Background()
	for name, auth := range map[string]providers.GenericOption{
		"secret in body":  nil,
		"private_key_jwt": providers.WithPrivateKeyJWT(key, "k1"),
	} {
		live := mk(g.URL, auth)
		// Device flow: a denied one and an approved one.
		da, err := live.StartDeviceAuth(ctx)
		require.NoError(t, err, name)
		e.secrets.add(da.DeviceCode)
		s.vals(name+" device auth", da, *da)
		require.True(t, g.DenyDevice(da.UserCode))
		_, err = live.PollDeviceToken(ctx, da)
		s.err(name+" denied device", err)
		_, err = live.PollDeviceToken(ctx, da)
		s.err(name+" finished device code", err)
		da, err = live.StartDeviceAuth(ctx)
		require.NoError(t, err)
		e.secrets.add(da.DeviceCode)
		require.True(t, g.ApproveDevice(da.UserCode))
		sess, err := live.PollDeviceToken(ctx, da)
		require.NoError(t, err)
		s.session(name+" device session", sess)

		cc, err := live.ClientCredentials(ctx)
		require.NoError(t, err)
		s.session(name+" client credentials", cc)
		in, err := live.Introspect(ctx, sess.AccessToken, client.HintAccessToken)
		require.NoError(t, err)
		s.vals(name+" introspection", in, *in)
		require.NoError(t, live.Revoke(ctx, sess.RefreshToken, client.HintRefreshToken))

		// The same calls against a server echoing what it was sent.
		bad := mk(echo, auth)
		_, err = bad.ClientCredentials(ctx)
		s.err(name+" echoed client credentials", err)
		_, err = bad.StartDeviceAuth(ctx)
		s.err(name+" echoed device start", err)
		_, err = bad.PollDeviceToken(ctx, da)
		s.err(name+" finished device code, echo server", err)
		err = bad.Revoke(ctx, e.secrets.add("SENTINEL-token-to-revoke-91c2"), client.HintAccessToken)
		s.err(name+" echoed revocation", err)
		_, err = bad.Introspect(ctx, e.secrets.add("SENTINEL-token-to-inspect-3d7e"), "")
		s.err(name+" echoed introspection", err)
	}
	require.Positive(t, g.Stats().Assertions)
	scrubbed := 0
	for _, text := range s.texts {
		if strings.Contains(text, "echoed") && strings.Contains(text, "redacted") {
			scrubbed++
		}
	}
	require.Positive(t, scrubbed, "the echo server's answers held the secrets, scrubbed: the scan has something to find")
	s.check()
}

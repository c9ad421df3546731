package client_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providers"
	"github.com/oauthx/oauthx/providertest"
)

// Runs the flows and their failures with sentinel secrets and scans every
// log line, error string and printed value for them.
func TestNoSecretLeaks(t *testing.T) {
	t.Parallel()
	const clientSecret = "SENTINEL-CLIENT-SECRET-5e1f"
	fake := providertest.NewGeneric(providertest.WithClientCredentials("leak-client", clientSecret))
	t.Cleanup(fake.Close)
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := client.New(client.Config{Provider: providers.Generic(fake.URL), ClientID: "leak-client",
		ClientSecret: clientSecret, RedirectURL: redirect}, client.WithLogger(logger))
	require.NoError(t, err)
	ctx := context.Background()

	secrets := []string{clientSecret}
	var printed []string
	record := func(vals ...any) {
		for _, v := range vals {
			if v == nil {
				continue
			}
			printed = append(printed, fmt.Sprintf("%v|%+v|%#v|%s", v, v, v, v))
			if err, ok := v.(error); ok {
				printed = append(printed, err.Error())
			}
		}
	}
	record(c)
	logger.Debug("client", "c", c)

	code := fake.IssueCode(redirect)
	secrets = append(secrets, code)
	s, err := c.ExchangeCode(ctx, code)
	require.NoError(t, err)
	secrets = append(secrets, s.AccessToken, s.RefreshToken)
	record(s, *s)
	logger.Info("session", "s", s)

	_, err = c.ExchangeCode(ctx, code) // reused code
	require.Error(t, err)
	record(err)

	s2, err := c.Refresh(ctx, s)
	require.NoError(t, err)
	secrets = append(secrets, s2.AccessToken, s2.RefreshToken)
	record(s2)
	_, err = c.Refresh(ctx, s) // reused refresh token
	require.Error(t, err)
	record(err)

	// A provider that echoes the secrets back in its error text.
	fake.Fail(providertest.Raw(400, "application/json",
		`{"error":"invalid_grant","error_description":"token `+s2.RefreshToken+` for secret `+clientSecret+` revoked","error_uri":"https://x/`+s2.RefreshToken+`"}`))
	_, err = c.Refresh(ctx, s2)
	require.ErrorIs(t, err, client.ErrReauthorize)
	record(err)

	for _, f := range []providertest.Fault{providertest.HTMLPage(502), providertest.ResetAfterHandling(),
		providertest.RateLimited("3600"), providertest.Raw(200, "application/json", `{"error":"`+clientSecret+`"}`)} {
		fake.Fail(f)
		code := fake.IssueCode(redirect)
		secrets = append(secrets, code)
		_, err := c.ExchangeCode(ctx, code)
		require.Error(t, err)
		record(err)
	}

	all := strings.Join(printed, "\n") + "\n" + logs.String()
	require.Contains(t, logs.String(), "oauthx: request", "the logger was used")
	for _, sec := range secrets {
		require.NotEmpty(t, sec)
		assert.NotContains(t, all, sec)
	}
}

// holder is a user type that keeps a client, as handlers and services do.
type holder struct {
	name string
	c    *client.Client
}

// TestNestedClientPrintsNoSecret: fmt prints a nested pointer's fields
// for verbs like %s and %d without calling its Format; the secret must
// not be among them.
func TestNestedClientPrintsNoSecret(t *testing.T) {
	t.Parallel()
	const secret = "SENTINEL-nested-secret-51f0"
	c, err := client.New(client.Config{Provider: providers.Generic("https://idp.example.com"), ClientID: "id", ClientSecret: secret})
	require.NoError(t, err)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%q"} {
		require.NotContains(t, fmt.Sprintf(verb, holder{"h", c}), secret, verb)
		require.NotContains(t, fmt.Sprintf(verb, &holder{"h", c}), secret, verb)
		require.NotContains(t, fmt.Sprintf(verb, []any{c}), secret, verb)
	}
}

// Values callers build with secrets in them print redacted with every verb
// and through slog.
func TestRequestValuesPrintRedacted(t *testing.T) {
	t.Parallel()
	const secret, code, verifier, refresh, subject, actor = "SENTINEL-CS-1a", "SENTINEL-CODE-2b",
		"SENTINEL-VERIFIER-3c", "SENTINEL-RT-4d", "SENTINEL-SUBJ-5e", "SENTINEL-ACTOR-6f"
	cfg := client.Config{Provider: providers.Generic("https://a.example.com"), ClientID: "id", ClientSecret: secret}
	x := client.TokenExchangeRequest{SubjectToken: subject, SubjectTokenType: client.TokenTypeJWT, ActorToken: actor, ActorTokenType: client.TokenTypeJWT}
	req := client.TokenRequest{Grant: client.GrantAuthorizationCode, ClientID: "id", ClientSecret: secret, Code: code,
		CodeVerifier: verifier, RefreshToken: refresh, Exchange: &x, Params: map[string][]string{"extra": {secret}}}
	var logs syncBuffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("values", "cfg", cfg, "req", req, "x", x, "preq", &req)
	var out strings.Builder
	for _, v := range []any{cfg, &cfg, req, &req, x, &x, struct{ C client.Config }{cfg}, []client.TokenRequest{req}} {
		fmt.Fprintf(&out, "%v %+v %#v %s %q\n", v, v, v, v, v)
	}
	all := out.String() + logs.String()
	for _, s := range []string{secret, code, verifier, refresh, subject, actor} {
		assert.NotContains(t, all, s)
	}
	assert.Contains(t, all, client.Fingerprint(secret))
}

// rawServer answers the first request on each connection with the bytes
// answer makes of its body, then closes the connection.
func rawServer(t *testing.T, answer func(body string) string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				req, err := http.ReadRequest(bufio.NewReader(conn))
				if err != nil {
					return
				}
				b, _ := io.ReadAll(req.Body)
				_, _ = io.WriteString(conn, answer(string(b)))
			}()
		}
	}()
	return "http://" + l.Addr().String()
}

// net/http quotes a malformed answer in its error; none of that text
// reaches an error: not the echoed secret and code, not the new tokens.
func TestProtocolErrorsLeakNothing(t *testing.T) {
	t.Parallel()
	const code = "SENTINEL+code/9z==-44d1"
	const newToken = "at-SENTINEL-new-token-0e9f"
	tests := []struct {
		name   string
		answer func(body string) string
		want   string // the fixed description
	}{
		{"malformed status line", func(b string) string { return "HTTP/1.1_" + b + newToken + "\r\n\r\n" }, "malformed HTTP status line"},
		{"malformed status code", func(b string) string { return "HTTP/1.1 " + b + newToken + " OK\r\n\r\n" }, "malformed HTTP status code"},
		{"malformed version", func(b string) string { return "HTTP/9" + b + newToken + " 200 OK\r\n\r\n" }, "malformed HTTP version"},
		{"malformed header line", func(b string) string {
			return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX Echo " + b + " " + newToken + "\r\n\r\n"
		}, "malformed header line"},
		{"header line without colon", func(b string) string {
			return "HTTP/1.1 200 OK\r\nX-Echo-" + url.QueryEscape(b+newToken) + "\r\n\r\n"
		}, "malformed header line"},
		{"malformed chunked body", func(b string) string {
			return "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz" + b + newToken + "\r\n"
		}, "malformed chunked body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			base := rawServer(t, tt.answer)
			c, err := client.New(client.Config{Provider: providers.Generic(base), ClientID: "leak-id", ClientSecret: scrubSecret, RedirectURL: redirect})
			require.NoError(t, err)
			_, err = c.ExchangeCode(context.Background(), code)
			require.ErrorIs(t, err, client.ErrTransient)
			var e *client.Error
			require.ErrorAs(t, err, &e)
			assert.True(t, e.MaybeConsumed, "the server read the request")
			assert.Contains(t, err.Error(), tt.want)
			var all strings.Builder
			for u := error(e); u != nil; u = errors.Unwrap(u) {
				fmt.Fprintf(&all, "%v|%+v|%#v|%s|%q\n", u, u, u, u, u)
			}
			for _, sec := range []string{scrubSecret, code, newToken} {
				assertNoForm(t, all.String(), sec)
			}
		})
	}
}

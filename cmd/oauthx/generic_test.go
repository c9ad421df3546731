package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/providertest"
)

// --token-url places the token endpoint without --base-url, and the
// session keeps it for refresh.
func TestGenericTokenURL(t *testing.T) {
	t.Parallel()
	g := newGeneric(t)
	e := newEnv(t).set(envClientSecret, g.ClientSecret).set(envClientID, g.ClientID)
	e.ok("exchange", "generic", "--token-url", g.TokenURL(), "--code", g.IssueCode(""), "--name", "tu")
	before := storedToken(t, e, "tu")
	require.True(t, g.AccessTokenValid(before.AccessToken))
	e.ok("refresh", "tu")
	after := storedToken(t, e, "tu")
	assert.NotEqual(t, before.RefreshToken, after.RefreshToken)
	assert.Equal(t, 1, g.Stats().Refreshes)

	e.exit(exitUsage, "exchange", "generic", "--code", "x")
}

// logout revokes the refresh token, then the access token, at the
// provider's revocation endpoint, and the fake sees both revoked.
func TestGenericLogoutRevokes(t *testing.T) {
	t.Parallel()
	g := newGeneric(t)
	e := newEnv(t).set(envClientSecret, g.ClientSecret).set(envClientID, g.ClientID)
	e.ok("exchange", "generic", "--base-url", g.URL, "--revocation-url", g.RevocationURL(), "--code", g.IssueCode("", "read"))
	s := storedToken(t, e, "generic")

	// A provider that keeps failing: the session is kept.
	g.Fail(providertest.Unavailable(""), providertest.Unavailable(""), providertest.Unavailable(""))
	r := e.exit(exitTransient, "logout", "generic")
	assert.Contains(t, r.stderr, "session kept")
	assert.NotContains(t, r.stderr, s.RefreshToken)
	e.ok("show", "generic")
	assert.False(t, g.Revoked(s.RefreshToken))

	r = e.ok("--json", "logout", "generic")
	v := jsonOf[map[string]any](t, r.stdout)
	assert.Equal(t, true, v["revoked"])
	assert.Equal(t, true, v["deleted"])
	assert.True(t, g.Revoked(s.RefreshToken))
	assert.True(t, g.Revoked(s.AccessToken))
	assert.Equal(t, 2, g.Stats().Revocations, "refresh token, then access token")
	e.exit(exitReauth, "show", "generic")

	// --local forgets without calling the provider.
	e.ok("exchange", "generic", "--base-url", g.URL, "--revocation-url", g.RevocationURL(), "--code", g.IssueCode(""), "--name", "g2")
	s2 := storedToken(t, e, "g2")
	r = e.ok("logout", "g2", "--local")
	assert.Contains(t, r.stdout, `logged out "g2"`)
	assert.False(t, g.Revoked(s2.RefreshToken))
	assert.Equal(t, 2, g.Stats().Revocations)

	// Without a revocation endpoint, logout only forgets.
	e.ok("exchange", "generic", "--base-url", g.URL, "--code", g.IssueCode(""), "--name", "g3")
	e.ok("logout", "g3")
	assert.Equal(t, 2, g.Stats().Revocations)
}

// deviceURL waits for the stderr line with the verification URL that
// carries the user code.
func deviceURL(t *testing.T, lines <-chan string, prefix string) string {
	t.Helper()
	return authorizeURL(t, lines, prefix).String()
}

// login --device against the fake found by --issuer: the user opens the
// printed URL on "another device" (an HTTP client here), the CLI polls
// at the advertised interval and saves; refresh and logout then use the
// discovered endpoints saved with the session.
func TestLoginDeviceWithIssuer(t *testing.T) {
	t.Parallel()
	g := newGeneric(t, providertest.WithDeviceInterval(50*time.Millisecond))
	e := newEnv(t).set(envClientSecret, g.ClientSecret).set(envClientID, g.ClientID)
	lines, wait := e.start("login", "generic", "--issuer", g.Issuer(), "--device", "--scopes", "read", "--name", "dev", "--timeout", "60s")
	u := deviceURL(t, lines, g.VerificationURL()+"?user_code=")
	status, page := browser(t, u)
	require.Equal(t, 200, status, page)
	r := wait()
	require.Equal(t, 0, r.code, "stdout: %s\nstderr: %s", r.stdout, r.stderr)
	assert.Contains(t, r.stdout, `logged in; saved "dev"`)
	assert.Contains(t, r.stderr, "and enter the code")

	s := storedToken(t, e, "dev")
	assert.True(t, g.AccessTokenValid(s.AccessToken))
	st := g.Stats()
	assert.Equal(t, 1, st.DeviceAuthorizations)
	assert.GreaterOrEqual(t, st.DevicePolls, 1)
	assert.Equal(t, 0, st.DeviceCodesReused)
	assert.Equal(t, st.DevicePolls-1, st.Rejected, "every poll but the last was authorization_pending, none slow_down")

	// The discovered endpoints are saved: refresh and logout need no --issuer.
	e.ok("refresh", "dev")
	s2 := storedToken(t, e, "dev")
	assert.NotEqual(t, s.RefreshToken, s2.RefreshToken)
	e.ok("logout", "dev")
	assert.True(t, g.Revoked(s2.RefreshToken))
	assert.True(t, g.Revoked(s2.AccessToken))
	assert.Equal(t, 1, g.Stats().MetadataRequests, "discovery once, at login")
}

func TestLoginDeviceDenied(t *testing.T) {
	t.Parallel()
	g := newGeneric(t, providertest.WithDeviceInterval(50*time.Millisecond))
	e := newEnv(t).set(envClientSecret, g.ClientSecret).set(envClientID, g.ClientID)
	lines, wait := e.start("login", "generic", "--base-url", g.URL, "--device-auth-url", g.DeviceAuthURL(), "--device", "--timeout", "60s")
	u := deviceURL(t, lines, g.VerificationURL()+"?user_code=")
	status, _ := browser(t, u+"&deny=1")
	require.Equal(t, 200, status)
	r := wait()
	assert.Equal(t, exitReauth, r.code, "stderr: %s", r.stderr)
	assert.Contains(t, r.stderr, "access_denied")
	e.exit(exitReauth, "show", "generic")
	assert.Equal(t, 0, g.Stats().DeviceCodesReused)

	// Without a device endpoint it is a usage error.
	e.exit(exitUsage, "login", "generic", "--base-url", g.URL, "--device")
}

// login --issuer: the browser flow with the discovered authorization and
// token endpoints.
func TestLoginIssuer(t *testing.T) {
	t.Parallel()
	g := newGeneric(t, providertest.WithOIDCDiscoveryOnly())
	e := newEnv(t).set(envClientSecret, g.ClientSecret).set(envClientID, g.ClientID)
	lines, wait := e.start("login", "generic", "--issuer", g.Issuer(), "--timeout", "60s")
	hc := newBrowser(t)
	u := startLogin(t, hc, authorizeURL(t, lines, "http://127.0.0.1:"))
	assert.Equal(t, g.URL+"/oauth2/authorize", u.Scheme+"://"+u.Host+u.Path)
	assert.Equal(t, "S256", u.Query().Get("code_challenge_method"))
	status, page := browserWith(t, hc, u.String())
	require.Equal(t, 200, status, page)
	r := wait()
	require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
	s := storedToken(t, e, "generic")
	assert.True(t, g.AccessTokenValid(s.AccessToken))

	// A wrong issuer is refused before anything is sent.
	bad := newGeneric(t, providertest.WithMetadataEdit(func(d map[string]any) { d["issuer"] = "https://other.example.com" }))
	r = e.exit(exitFailure, "login", "generic", "--issuer", bad.Issuer(), "--timeout", "5s")
	assert.Contains(t, r.stderr, "not the issuer asked for")
}

// --dpop: login --device and exchange bind the tokens to a DPoP key kept
// with the session (the fake asks for its nonce first and verifies every
// proof); refresh needs no --dpop (it is saved) and signs with the stored
// key; show prints the key's thumbprint, never the key.
func TestGenericDPoP(t *testing.T) {
	t.Parallel()
	g := newGeneric(t, providertest.WithDPoPNonce(), providertest.WithDeviceInterval(50*time.Millisecond))
	e := newEnv(t).set(envClientSecret, g.ClientSecret).set(envClientID, g.ClientID)
	lines, wait := e.start("login", "generic", "--base-url", g.URL, "--device-auth-url", g.DeviceAuthURL(),
		"--device", "--dpop", "--name", "dev", "--timeout", "60s")
	status, page := browser(t, deviceURL(t, lines, g.VerificationURL()+"?user_code="))
	require.Equal(t, 200, status, page)
	r := wait()
	require.Equal(t, 0, r.code, "stdout: %s\nstderr: %s", r.stdout, r.stderr)
	dev := storedToken(t, e, "dev")
	require.Equal(t, "DPoP", dev.TokenType)
	require.NotEmpty(t, dev.DPoPKey)
	require.Equal(t, dev.DPoPKey, g.DPoPBinding(dev.AccessToken))

	e.ok("exchange", "generic", "--base-url", g.URL, "--dpop", "--code", g.IssueCode(""), "--name", "dp")
	before := storedToken(t, e, "dp")
	require.Equal(t, "DPoP", before.TokenType)
	require.Equal(t, before.DPoPKey, g.DPoPBinding(before.AccessToken))
	require.NotEqual(t, dev.DPoPKey, before.DPoPKey, "a key per session")
	e.ok("refresh", "dp")
	after := storedToken(t, e, "dp")
	require.NotEqual(t, before.AccessToken, after.AccessToken)
	require.Equal(t, before.DPoPKey, after.DPoPKey)
	require.Equal(t, before.DPoPKey, g.DPoPBinding(after.AccessToken), "the refresh's proof was signed with the stored key")
	st := g.Stats()
	require.Zero(t, st.DPoPProofsRefused)
	require.Positive(t, st.DPoPNonceChallenges)
	out := e.ok("show", "dp").stdout
	require.Contains(t, out, "dpop key:")
	require.Contains(t, out, before.DPoPKey)

	// With --issuer: the fake's metadata names its DPoP algorithms; --dpop
	// is still what turns DPoP on.
	require.Equal(t, []string{"ES256", "EdDSA", "RS256"}, g.Metadata()["dpop_signing_alg_values_supported"])
	e.ok("exchange", "generic", "--issuer", g.Issuer(), "--dpop", "--code", g.IssueCode(""), "--name", "iss")
	viaIssuer := storedToken(t, e, "iss")
	require.Equal(t, viaIssuer.DPoPKey, g.DPoPBinding(viaIssuer.AccessToken))
}

// --dpop is a global flag: given before the command it still binds the
// tokens to a DPoP key (the command's flag set must not reset it).
func TestGenericDPoPBeforeCommand(t *testing.T) {
	t.Parallel()
	g := newGeneric(t, providertest.WithDPoPNonce())
	e := newEnv(t).set(envClientSecret, g.ClientSecret).set(envClientID, g.ClientID)
	e.ok("--dpop", "exchange", "generic", "--base-url", g.URL, "--code", g.IssueCode(""), "--name", "top")
	tok := storedToken(t, e, "top")
	require.Equal(t, "DPoP", tok.TokenType)
	require.NotEmpty(t, tok.DPoPKey)
	require.Equal(t, tok.DPoPKey, g.DPoPBinding(tok.AccessToken))
}

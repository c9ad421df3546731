package main

import (
	"testing"

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

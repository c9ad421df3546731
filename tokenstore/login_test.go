package tokenstore_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/cookiejar"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providers"
	"github.com/oauthx/oauthx/providertest"
	"github.com/oauthx/oauthx/tokenstore"
)

func loginClient(t *testing.T, f *providertest.Generic) *client.Client {
	t.Helper()
	c, err := client.New(client.Config{Provider: providers.Generic(f.URL), ClientID: f.ClientID, ClientSecret: f.ClientSecret})
	require.NoError(t, err)
	return c
}

// With no stored session Login runs the loopback login (a browser with
// cookies opens the URL), saves the session under the id and hands out
// its token; with one stored it logs no one in.
func TestLogin(t *testing.T) {
	f := providertest.NewGeneric()
	defer f.Close()
	c := loginClient(t, f)
	st := tokenstore.NewMemory()
	ctx := context.Background()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	browser := func(u string) error {
		resp, err := (&http.Client{Jar: jar, Timeout: 30 * time.Second}).Get(u)
		if err == nil {
			err = resp.Body.Close()
		}
		return err
	}
	var out bytes.Buffer
	ts, err := tokenstore.Login(ctx, st, "me", client.LoopbackConfig{Client: c, Browser: browser, Out: &out})
	require.NoError(t, err)
	saved, err := st.Load(ctx, "me")
	require.NoError(t, err)
	tok, err := ts.Token()
	require.NoError(t, err)
	assert.Equal(t, saved.AccessToken, tok.AccessToken)
	assert.Equal(t, 1, f.Stats().CodeExchanges)
	assert.Contains(t, out.String(), "/login")

	out.Reset()
	ts, err = tokenstore.Login(ctx, st, "me", client.LoopbackConfig{Client: c, Browser: browser, Out: &out})
	require.NoError(t, err)
	tok, err = ts.Token()
	require.NoError(t, err)
	assert.Equal(t, saved.AccessToken, tok.AccessToken)
	assert.Equal(t, 1, f.Stats().CodeExchanges, "a stored session needs no login")
	assert.Empty(t, out.String())
}

// failingLoad is a store whose Load fails with something other than "not
// found".
type failingLoad struct{ tokenstore.Store }

var errUnreachable = errors.New("store unreachable")

func (failingLoad) Load(context.Context, string) (*client.Session, error) {
	return nil, errUnreachable
}

func TestLoginErrors(t *testing.T) {
	f := providertest.NewGeneric()
	defer f.Close()
	c := loginClient(t, f)
	ctx := context.Background()
	st := tokenstore.NewMemory()
	save := func(context.Context, *client.Session) error { return nil }
	for name, tc := range map[string]struct {
		st  tokenstore.Store
		id  string
		cfg client.LoopbackConfig
	}{
		"nil store":       {nil, "me", client.LoopbackConfig{Client: c}},
		"empty id":        {st, "", client.LoopbackConfig{Client: c}},
		"nil client":      {st, "me", client.LoopbackConfig{}},
		"SessionID given": {st, "me", client.LoopbackConfig{Client: c, SessionID: "other"}},
		"Save given":      {st, "me", client.LoopbackConfig{Client: c, Save: save}},
	} {
		ts, err := tokenstore.Login(ctx, tc.st, tc.id, tc.cfg)
		assert.ErrorIs(t, err, client.ErrInvalidRequest, name)
		var oe *client.OptionError
		assert.ErrorAs(t, err, &oe, name)
		assert.Nil(t, ts, name)
	}

	// A store that cannot be read is not taken for "no session": no login.
	var out bytes.Buffer
	ts, err := tokenstore.Login(ctx, failingLoad{st}, "me", client.LoopbackConfig{Client: c, Out: &out,
		Browser: func(string) error { t.Error("a login was started"); return nil }})
	assert.ErrorIs(t, err, errUnreachable)
	assert.Nil(t, ts)
	assert.Empty(t, out.String())
	assert.Zero(t, f.Stats().CodeExchanges)
}

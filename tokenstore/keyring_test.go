package tokenstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/tokenstore"
	"github.com/oauthx/oauthx/tokenstore/storetest"
)

// newKeyring returns a Keyring under a fresh service name, cleared when
// the test ends, or skips (fails in CI) without a Secret Service.
func newKeyring(t *testing.T) *tokenstore.Keyring {
	t.Helper()
	requireKeyring(t)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	k, err := tokenstore.NewKeyring("oauthx-test-"+hex.EncodeToString(b), tokenstore.WithLockDir(keyringLockDir(t)))
	require.NoError(t, err)
	t.Cleanup(func() { _ = k.Clear(context.Background()) })
	return k
}

func requireKeyring(t *testing.T) {
	t.Helper()
	if err := tokenstore.KeyringAvailable(context.Background(), "oauthx-test", 5*time.Second); err != nil {
		storetest.ServiceMissing(t, "Secret Service (OS keyring)", err)
	}
}

func keyringLockDir(t *testing.T) string { return t.TempDir() }

func TestKeyringConformance(t *testing.T) {
	t.Parallel()
	requireKeyring(t)
	storetest.Run(t, func(t *testing.T) tokenstore.Store { return newKeyring(t) })
}

func TestKeyringStoresLargeSession(t *testing.T) {
	t.Parallel()
	k := newKeyring(t)
	ctx := context.Background()
	s := storetest.Sample("big")
	s.Extra["blob"] = strings.Repeat("x", 10<<10) // a 10 KB session
	require.NoError(t, k.Save(ctx, s))
	got, err := k.Load(ctx, "big")
	require.NoError(t, err)
	storetest.Equal(t, s, got)

	// Another store value on the same service sees it too.
	k2, err := tokenstore.NewKeyring(k.Service(), tokenstore.WithLockDir(t.TempDir()))
	require.NoError(t, err)
	got, err = k2.Load(ctx, "big")
	require.NoError(t, err)
	storetest.Equal(t, s, got)
	list, err := k2.List(ctx, tokenstore.Filter{Provider: "generic"})
	require.NoError(t, err)
	require.Len(t, list, 1)
}

func TestNewKeyringRejectsBadInput(t *testing.T) {
	t.Parallel()
	_, err := tokenstore.NewKeyring("")
	require.Error(t, err)
	_, err = tokenstore.NewKeyring("svc", tokenstore.WithKeyringTimeout(-time.Second))
	require.ErrorIs(t, err, client.ErrInvalidRequest)
	_, err = tokenstore.NewKeyring("svc", tokenstore.WithKeyringTimeout(0)) // zero: the default
	require.NoError(t, err)
	_, err = tokenstore.NewKeyring("svc", tokenstore.WithLockDir(""))
	require.Error(t, err)
}

package tokenstore_test

import (
	"context"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/tokenstore"
)

// Without an announced session bus the probe answers ErrNoSessionBus
// instead of letting the D-Bus library autolaunch a daemon.
func TestKeyringAvailableWithoutSessionBus(t *testing.T) {
	if runtime.GOOS == "darwin" || runtime.GOOS == "windows" {
		t.Skip("the keyring needs no D-Bus here")
	}
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	err := tokenstore.KeyringAvailable(context.Background(), "oauthx-test-nobus", 0)
	require.ErrorIs(t, err, tokenstore.ErrNoSessionBus)

	// OpenDefault falls back to the file store at once.
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	st, err := tokenstore.OpenDefault(context.Background(), "oauthx-test-nobus", nil)
	require.NoError(t, err)
	require.IsType(t, &tokenstore.File{}, st)
}

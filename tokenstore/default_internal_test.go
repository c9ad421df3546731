package tokenstore

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestOpenDefaultFallsBackToFiles(t *testing.T) {
	t.Parallel()
	cfg := t.TempDir()
	var notice bytes.Buffer
	noKeyring := func(context.Context) error {
		return errors.New("org.freedesktop.DBus.Error.ServiceUnknown:\n The name org.freedesktop.secrets was not provided")
	}
	st, err := openDefault(context.Background(), "oauthx", cfg, &notice, noKeyring)
	require.NoError(t, err)
	f, ok := st.(*File)
	require.True(t, ok, "want a File store, got %T", st)
	require.Equal(t, filepath.Join(cfg, "oauthx", "sessions"), f.Dir())
	line := notice.String()
	require.Equal(t, 1, strings.Count(line, "\n"), "one line: %q", line)
	require.Contains(t, line, "no OS keyring")
	require.Contains(t, line, f.Dir())

	_, err = openDefault(context.Background(), "oauthx", "", nil, noKeyring)
	require.Error(t, err)
}

func TestOpenDefaultPrefersKeyring(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	if err := KeyringAvailable(ctx, "oauthx-test", DefaultProbeTimeout); err != nil {
		requireOrSkip(t, err)
	}
	var notice bytes.Buffer
	st, err := OpenDefault(ctx, "oauthx-test-default", &notice)
	require.NoError(t, err)
	_, ok := st.(*Keyring)
	require.True(t, ok, "want a Keyring store, got %T", st)
	require.Equal(t, "oauthx: storing sessions in the OS keyring (service \"oauthx-test-default\")\n", notice.String())
}

package tokenstore

import (
	"bytes"
	"context"
	"errors"
	"os"
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

// A fallback because no Secret Service answered is remembered: the next
// call uses the file store without probing, until the choice file is
// deleted. A timed-out probe is not remembered.
func TestOpenDefaultRemembersFallback(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cfg := t.TempDir()
	probes := 0
	noBus := func(context.Context) error { probes++; return ErrNoSessionBus }
	var notice bytes.Buffer
	st, err := openDefault(ctx, "oauthx", cfg, &notice, noBus)
	require.NoError(t, err)
	require.IsType(t, &File{}, st)
	require.Equal(t, 1, probes)
	choice := filepath.Join(cfg, "oauthx", DefaultChoiceFile)
	require.Contains(t, notice.String(), "remembered in "+choice)
	fi, err := os.Stat(choice)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	body, err := os.ReadFile(choice)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(body), "file\n"), "%q", body)
	require.Contains(t, string(body), "Delete this file")

	for range 3 {
		notice.Reset()
		st, err = openDefault(ctx, "oauthx", cfg, &notice, noBus)
		require.NoError(t, err)
		require.Equal(t, filepath.Join(cfg, "oauthx", "sessions"), st.(*File).Dir())
		require.Equal(t, 1, probes, "the remembered choice is used without probing")
		require.Contains(t, notice.String(), "delete "+choice+" to try it again")
	}

	require.NoError(t, os.Remove(choice))
	keyringUp := func(context.Context) error { probes++; return nil }
	st, err = openDefault(ctx, "oauthx-remember-test", cfg, nil, keyringUp)
	require.NoError(t, err)
	require.IsType(t, &Keyring{}, st, "deleting the choice file makes the next call probe again")
	require.Equal(t, 2, probes)

	// A timeout falls back for this call only.
	for _, perr := range []error{ErrKeyringTimeout, context.DeadlineExceeded} {
		notice.Reset()
		st, err = openDefault(ctx, "oauthx", cfg, &notice, func(context.Context) error { return perr })
		require.NoError(t, err)
		require.IsType(t, &File{}, st)
		require.NotContains(t, notice.String(), "remembered")
		_, err = os.Stat(choice)
		require.ErrorIs(t, err, os.ErrNotExist)
	}

	// A choice file that says something else is ignored.
	require.NoError(t, os.WriteFile(choice, []byte("keyring\n"), 0o600))
	st, err = openDefault(ctx, "oauthx-remember-test", cfg, nil, keyringUp)
	require.NoError(t, err)
	require.IsType(t, &Keyring{}, st)
	require.Equal(t, 3, probes)
}

// A keyring that answered but could not be opened (a bad service name)
// falls back for this call only: nothing is remembered.
func TestOpenDefaultDoesNotRememberABadService(t *testing.T) {
	t.Parallel()
	cfg := t.TempDir()
	keyringUp := func(context.Context) error { return nil }
	st, err := openDefault(context.Background(), "bad\x00service", cfg, nil, keyringUp)
	require.NoError(t, err)
	require.IsType(t, &File{}, st)
	_, err = os.Stat(filepath.Join(cfg, "oauthx", DefaultChoiceFile))
	require.ErrorIs(t, err, os.ErrNotExist, "a probe that succeeded is never remembered as no keyring")
}

package tokenstore_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/tokenstore"
	"github.com/oauthx/oauthx/tokenstore/storetest"
)

func TestMain(m *testing.M) {
	storetest.Main(openStore)
	os.Exit(m.Run())
}

// openStore opens, in a child process, "file:DIR" or
// "keyring:SERVICE|LOCKDIR".
func openStore(_ context.Context, spec string) (tokenstore.Store, error) {
	kind, arg, _ := strings.Cut(spec, ":")
	switch kind {
	case "file":
		return tokenstore.NewFile(arg)
	case "keyring":
		service, lockDir, _ := strings.Cut(arg, "|")
		return tokenstore.NewKeyring(service, tokenstore.WithLockDir(lockDir))
	}
	return nil, fmt.Errorf("unknown store spec %q", spec)
}

func fileSpec(t *testing.T) (tokenstore.Store, string) {
	dir := filepath.Join(t.TempDir(), "sessions")
	st, err := tokenstore.NewFile(dir)
	require.NoError(t, err)
	return st, "file:" + dir
}

func keyringSpec(t *testing.T) (tokenstore.Store, string) {
	k := newKeyring(t)
	lockDir := t.TempDir()
	k2, err := tokenstore.NewKeyring(k.Service(), tokenstore.WithLockDir(lockDir))
	require.NoError(t, err)
	return k2, "keyring:" + k.Service() + "|" + lockDir
}

func TestCrossProcessRefreshStorm(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns 8 processes")
	}
	for _, tc := range []struct {
		name string
		open func(t *testing.T) (tokenstore.Store, string)
	}{
		{"File", fileSpec},
		{"Keyring", keyringSpec},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, spec := tc.open(t)
			storetest.Storm(t, st, spec, storetest.StormConfig{})
		})
	}
}

func TestCrashDuringSave(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns and kills processes")
	}
	for _, tc := range []struct {
		name string
		open func(t *testing.T) (tokenstore.Store, string)
	}{
		{"File", fileSpec},
		{"Keyring", keyringSpec},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, spec := tc.open(t)
			storetest.Crash(t, st, spec, 25)
		})
	}
}

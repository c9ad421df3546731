package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/tokenstore"
	"github.com/oauthx/oauthx/tokenstore/storetest"
)

func runFake(t *testing.T, args ...string) (string, string) {
	t.Helper()
	var out, notice bytes.Buffer
	err := run(context.Background(), append([]string{"-fake"}, args...), &out, &notice)
	require.NoError(t, err, out.String()+notice.String())
	assert.Contains(t, out.String(), "saved Session{ID: example-cli-fake")
	assert.Contains(t, out.String(), `GET /userinfo -> 200 {"sub":"user-1"}`)
	assert.Contains(t, out.String(), "<redacted sha256:")
	return out.String(), notice.String()
}

// With no keyring (no D-Bus), the session goes to a file under the config
// directory, as tokenstore.OpenDefault does. (Not parallel: it changes the
// environment; it runs first, before any D-Bus connection is cached.)
func TestFallsBackToFiles(t *testing.T) {
	cfg := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", cfg)
	t.Setenv("HOME", cfg)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
	_, notice := runFake(t)
	assert.Contains(t, notice, "no OS keyring")
	assert.Contains(t, notice, filepath.Join(cfg, "oauthx", "sessions"))
	entries, err := os.ReadDir(filepath.Join(cfg, "oauthx", "sessions"))
	require.NoError(t, err)
	for _, e := range entries {
		assert.NotContains(t, e.Name(), ".json", "the fake session is deleted at exit")
	}
}

func TestFileDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sessions") // created 0700
	_, notice := runFake(t, "-dir", dir)
	assert.Contains(t, notice, dir)
	st, err := tokenstore.NewFile(dir)
	require.NoError(t, err)
	_, err = st.Load(context.Background(), "example-cli-fake")
	assert.ErrorIs(t, err, tokenstore.ErrNotFound, "deleted at exit")
}

func TestKeyring(t *testing.T) {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	svc := "oauthx-example-cli-test-" + hex.EncodeToString(b)
	if err := tokenstore.KeyringAvailable(context.Background(), svc, 5*time.Second); err != nil {
		storetest.ServiceMissing(t, "Secret Service (OS keyring)", err)
	}
	t.Cleanup(func() {
		if k, err := tokenstore.NewKeyring(svc); err == nil {
			_ = k.Clear(context.Background())
		}
	})
	_, notice := runFake(t, "-service", svc)
	assert.Contains(t, notice, "OS keyring")
	assert.NotContains(t, notice, "no OS keyring")
}

func TestNeedsCredentials(t *testing.T) {
	t.Setenv("CLIENT_ID", "")
	var out bytes.Buffer
	err := run(context.Background(), []string{"-dir", filepath.Join(t.TempDir(), "s")}, &out, &out)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "-fake")
}

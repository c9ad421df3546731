package main

import (
	"bufio"
	"bytes"
	"context"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/providertest"
	"github.com/oauthx/oauthx/tokenstore"
	"github.com/oauthx/oauthx/tokenstore/storetest"
)

// The program, built and run against the strict fake: the first run
// prints the login URL, which a browser (an HTTP client with cookies
// following the authorize redirect) opens; it then calls /userinfo. The
// second run logs no one in: it uses the saved session. With the OS
// keyring (scripts/with-keyring.sh) the session is in the keyring; with
// no D-Bus session it is in a file under the user's config directory.
func TestTerminalLogin(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "terminal-login")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, string(out))

	t.Run("keyring", func(t *testing.T) {
		ctx := context.Background()
		if err := tokenstore.KeyringAvailable(ctx, "oauthx-terminal-login", 0); err != nil {
			storetest.ServiceMissing(t, "Secret Service (OS keyring)", err)
		}
		k, err := tokenstore.NewKeyring("oauthx-terminal-login")
		require.NoError(t, err)
		_ = k.Delete(ctx, "me") // a session left by an earlier, interrupted run
		t.Cleanup(func() { _ = k.Delete(ctx, "me") })
		dir := t.TempDir()
		logs := runTwice(t, bin, os.Environ(), "XDG_CONFIG_HOME="+filepath.Join(dir, "config"), "HOME="+dir, "DISPLAY=", "WAYLAND_DISPLAY=")
		assert.Contains(t, logs, "OS keyring")
		s, err := k.Load(ctx, "me")
		require.NoError(t, err, "the session is in the keyring")
		assert.NotEmpty(t, s.AccessToken)
		_, err = os.Stat(filepath.Join(dir, "config", "oauthx", "sessions"))
		assert.True(t, os.IsNotExist(err), "no file store was used")
	})

	t.Run("file without a keyring", func(t *testing.T) {
		dir := t.TempDir()
		runTwice(t, bin, os.Environ(), "XDG_CONFIG_HOME="+filepath.Join(dir, "config"), "HOME="+dir,
			"DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent/bus", "XDG_RUNTIME_DIR="+dir, "DISPLAY=", "WAYLAND_DISPLAY=")
		f, err := tokenstore.NewFile(filepath.Join(dir, "config", "oauthx", "sessions"))
		require.NoError(t, err)
		s, err := f.Load(context.Background(), "me")
		require.NoError(t, err, "the session is in the file store")
		assert.NotEmpty(t, s.AccessToken)
	})
}

// runTwice runs bin against a fresh fake: a login through its printed URL,
// then a run that reuses the saved session. It returns the first run's
// standard error.
func runTwice(t *testing.T, bin string, env []string, extra ...string) string {
	t.Helper()
	f := providertest.NewGeneric()
	defer f.Close()
	env = append(env, append([]string{"BASE_URL=" + f.URL, "CLIENT_ID=" + f.ClientID, "CLIENT_SECRET=" + f.ClientSecret}, extra...)...)

	cmd := exec.Command(bin)
	cmd.Env = env
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	var logs strings.Builder
	sc := bufio.NewScanner(stderr)
	login := ""
	for login == "" && sc.Scan() {
		logs.WriteString(sc.Text() + "\n")
		if l := strings.TrimSpace(sc.Text()); strings.HasPrefix(l, "http://127.0.0.1:") && strings.HasSuffix(l, "/login") {
			login = l
		}
	}
	if login == "" {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("no login URL printed:\n%s", logs.String())
	}
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	resp, err := (&http.Client{Jar: jar, Timeout: 30 * time.Second}).Get(login)
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	for sc.Scan() {
		logs.WriteString(sc.Text() + "\n")
	}
	require.NoError(t, cmd.Wait(), logs.String())
	assert.Equal(t, "{\"sub\":\"user-1\"}\n", stdout.String())
	assert.Equal(t, 1, f.Stats().CodeExchanges)

	again := exec.Command(bin)
	again.Env = env
	out, err := again.Output()
	require.NoError(t, err)
	assert.Equal(t, "{\"sub\":\"user-1\"}\n", string(out))
	assert.Equal(t, 1, f.Stats().CodeExchanges, "the second run reuses the saved session")
	return logs.String()
}

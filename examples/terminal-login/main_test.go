package main

import (
	"bufio"
	"bytes"
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
)

// The program, built and run against the strict fake with no keyring (so
// the session goes to a file): the first run prints the login URL, which a
// browser (an HTTP client with cookies following the authorize redirect)
// opens; it then calls /userinfo. The second run logs no one in: it uses
// the saved session.
func TestTerminalLogin(t *testing.T) {
	f := providertest.NewGeneric()
	defer f.Close()
	dir := t.TempDir()
	bin := filepath.Join(dir, "terminal-login")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, string(out))
	env := append(os.Environ(), "BASE_URL="+f.URL, "CLIENT_ID="+f.ClientID, "CLIENT_SECRET="+f.ClientSecret,
		"XDG_CONFIG_HOME="+filepath.Join(dir, "config"), "HOME="+dir,
		"DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent/bus", "DISPLAY=", "WAYLAND_DISPLAY=")

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
	require.NotEmpty(t, login, logs.String())
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
	out, err = again.Output()
	require.NoError(t, err)
	assert.Equal(t, "{\"sub\":\"user-1\"}\n", string(out))
	assert.Equal(t, 1, f.Stats().CodeExchanges, "the second run reuses the saved session")
}

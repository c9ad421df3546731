package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeProcess is a running `oauthx fake`.
type fakeProcess struct {
	cmd    *exec.Cmd
	lines  <-chan string // its stdout, closed at EOF
	stderr *bytes.Buffer // read only after the process ended
	done   chan struct{} // closed once it has been waited for
	code   int
}

// startFake starts `oauthx fake ARGS` (the built binary) and returns it
// with the first line it printed on stdout. A test that does not stop it
// has it killed at cleanup.
func startFake(t *testing.T, e *env, args ...string) (*fakeProcess, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	cmd := e.command(ctx, append([]string{"fake"}, args...)...)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	p := &fakeProcess{cmd: cmd, stderr: &bytes.Buffer{}, done: make(chan struct{})}
	cmd.Stderr = p.stderr
	require.NoError(t, cmd.Start())
	lines := make(chan string, 64)
	p.lines = lines
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
		}
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = cmd.Process.Kill()
			p.wait(t)
		}
		cancel()
	})
	select {
	case l, ok := <-p.lines:
		if !ok {
			t.Fatalf("oauthx fake ended without printing anything: %s", p.wait(t))
		}
		return p, l
	case <-ctx.Done():
		t.Fatal("oauthx fake printed nothing")
	}
	return nil, ""
}

// startFakeJSON is startFake with --json; it decodes the line.
func startFakeJSON(t *testing.T, e *env, args ...string) (*fakeProcess, fakeInfo) {
	t.Helper()
	p, line := startFake(t, e, append([]string{"--json"}, args...)...)
	var info fakeInfo
	require.NoError(t, json.Unmarshal([]byte(line), &info), line)
	u, err := url.Parse(info.BaseURL)
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1", u.Hostname(), info.BaseURL)
	return p, info
}

// wait reaps the process (after its stdout is drained) and returns its
// stderr.
func (p *fakeProcess) wait(t *testing.T) string {
	t.Helper()
	for range p.lines {
	}
	err := p.cmd.Wait()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		p.code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	close(p.done)
	return p.stderr.String()
}

// stop sends sig, waits for the end and checks that it exited 0 and that
// nothing listens on the fake's address any more.
func (p *fakeProcess) stop(t *testing.T, sig os.Signal, baseURL string) string {
	t.Helper()
	require.NoError(t, p.cmd.Process.Signal(sig))
	stderr := p.wait(t)
	assert.Equal(t, exitOK, p.code, "oauthx fake after %v: %s", sig, stderr)
	u, err := url.Parse(baseURL)
	require.NoError(t, err)
	c, err := net.DialTimeout("tcp", u.Host, 2*time.Second)
	if err == nil {
		c.Close()
	}
	assert.Error(t, err, "the fake's port %s still answers after it exited", u.Host)
	return stderr
}

var fakeConsentID = regexp.MustCompile(`name="consent" value="([^"]+)"`)

// The fake of each provider, run as its own process, is enough to use the
// CLI against: a browser login (generic through its consent page), a
// Shopify session-token exchange, and a token afterwards; SIGTERM and
// SIGINT stop it with exit 0 and its port closed.
func TestFakeProcess(t *testing.T) {
	t.Parallel()
	for _, prov := range []string{provGeneric, provFinch, provPassport} {
		t.Run(prov, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			fp, info := startFakeJSON(t, e, prov)
			assert.Equal(t, prov, info.Provider)
			require.NotEmpty(t, info.ClientID)
			e.set(envClientSecret, info.ClientSecret)

			args := []string{"login", prov, "--base-url", info.BaseURL, "--client-id", info.ClientID, "--open=false", "--timeout", "60s"}
			if prov == provFinch { // a Connect Session is for a customer
				args = append(args, "--customer-id", "cust-fake", "--customer-name", "Fake Employer")
			}
			lines, wait := e.start(args...)
			hc := newBrowser(t)
			u := startLogin(t, hc, authorizeURL(t, lines, "http://127.0.0.1:"))
			require.True(t, strings.HasPrefix(u.String(), info.BaseURL+"/"), "%s is not the fake's", u)
			status, page := browserWith(t, hc, u.String())
			require.Equal(t, http.StatusOK, status, page)
			if prov == provGeneric {
				// The consent page, answered Allow.
				require.NotNil(t, info.ConsentPage)
				assert.True(t, *info.ConsentPage)
				assert.Contains(t, page, `id="allow"`)
				m := fakeConsentID.FindStringSubmatch(page)
				require.NotNil(t, m, page)
				resp, err := hc.PostForm(info.BaseURL+"/oauth2/consent", url.Values{"consent": {m[1]}, "decision": {"allow"}})
				require.NoError(t, err)
				b, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				require.NoError(t, err)
				status, page = resp.StatusCode, string(b)
				require.Equal(t, http.StatusOK, status, page)
			}
			assert.Contains(t, page, "Logged in")
			r := wait()
			require.Equal(t, exitOK, r.code, r.stderr)
			assert.NotEmpty(t, strings.TrimSpace(e.ok("token", prov).stdout))

			sig := syscall.SIGTERM
			if prov == provFinch {
				sig = syscall.SIGINT
			}
			fp.stop(t, sig, info.BaseURL)
		})
	}
	t.Run("shopify", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		fp, info := startFakeJSON(t, e, "shopify", "--shop", "fake-cli.myshopify.com")
		assert.Equal(t, "fake-cli.myshopify.com", info.Shop)
		require.NotEmpty(t, info.SessionToken)
		require.NotNil(t, info.SessionTokenExpiresAt)
		assert.WithinDuration(t, time.Now().Add(time.Minute), *info.SessionTokenExpiresAt, 30*time.Second)
		e.set(envClientSecret, info.ClientSecret)
		r := e.run(info.SessionToken+"\n", "shopify-exchange", "--base-url", info.BaseURL, "--client-id", info.ClientID,
			"--shop", info.Shop, "--session-token", "-")
		require.Equal(t, exitOK, r.code, r.stderr)
		assert.NotEmpty(t, strings.TrimSpace(e.ok("token", "offline_"+info.Shop).stdout))

		// SIGHUP: the same object again, with a fresh session token, which
		// the fake takes (for the staff member's online token this time).
		require.NoError(t, fp.cmd.Process.Signal(syscall.SIGHUP))
		var again fakeInfo
		select {
		case line, ok := <-fp.lines:
			require.True(t, ok, "oauthx fake ended on SIGHUP")
			require.NoError(t, json.Unmarshal([]byte(line), &again), line)
		case <-time.After(30 * time.Second):
			t.Fatal("no line after SIGHUP")
		}
		assert.NotEqual(t, info.SessionToken, again.SessionToken)
		assert.Equal(t, info.BaseURL, again.BaseURL)
		r = e.run(again.SessionToken+"\n", "shopify-exchange", "--base-url", info.BaseURL, "--client-id", info.ClientID,
			"--shop", info.Shop, "--session-token", "-", "--online")
		require.Equal(t, exitOK, r.code, r.stderr)
		fp.stop(t, syscall.SIGTERM, info.BaseURL)
	})
}

// --addr serves on the address given; the text output names the URL and
// the credentials; SIGTERM prints a note and exits 0.
func TestFakeProcessText(t *testing.T) {
	t.Parallel()
	// A port free a moment ago: a fixed one would collide when two runs
	// of this test share a machine.
	free, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := free.Addr().String()
	require.NoError(t, free.Close())
	e := newEnv(t)
	fp, first := startFake(t, e, "generic", "--addr", addr, "--auto-approve")
	assert.Contains(t, first, "serving http://"+addr)
	var text []string
	for l := range fp.lines {
		text = append(text, l)
		if strings.Contains(l, "oauthx token generic") {
			break
		}
	}
	all := strings.Join(text, "\n")
	for _, want := range []string{"client secret              test-secret", "no: approved at once (--auto-approve)",
		"oauthx login generic --base-url http://" + addr} {
		assert.Contains(t, all, want)
	}
	// Approved at once: the authorize endpoint redirects with a code.
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get("http://" + addr + "/oauth2/authorize?" + url.Values{"response_type": {"code"}, "client_id": {"test-client"},
		"state": {"s"}, "redirect_uri": {"http://127.0.0.1:1/cb"}}.Encode())
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusFound, resp.StatusCode)
	assert.Contains(t, resp.Header.Get("Location"), "code=")

	assert.Contains(t, fp.stop(t, syscall.SIGTERM, "http://"+addr), "oauthx fake generic: stopped")
}

// A client that stalls in the middle of a request does not keep the fake
// from stopping: it cuts the request off, exits 0 and its port is closed.
func TestFakeProcessStopsWithStalledRequest(t *testing.T) {
	t.Parallel()
	fp, first := startFake(t, newEnv(t), "generic")
	base := regexp.MustCompile(`http://127\.0\.0\.1:[0-9]+`).FindString(first)
	require.NotEmpty(t, base, first)
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	require.NoError(t, err)
	defer conn.Close()
	// With Expect: 100-continue the server says "100 Continue" when the
	// handler starts reading the body: from then on the request is in
	// progress, and the body never comes.
	_, err = conn.Write([]byte("POST /oauth2/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n" +
		"Content-Length: 100\r\nExpect: 100-continue\r\n\r\n"))
	require.NoError(t, err)
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(30*time.Second)))
	line, err := bufio.NewReader(conn).ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "HTTP/1.1 100 Continue\r\n", line)

	assert.Contains(t, fp.stop(t, syscall.SIGTERM, base), "oauthx fake generic: stopped; a request still in progress was cut off")
}

// Bad arguments, and a port in use, are usage errors.
func TestFakeProcessRefuses(t *testing.T) {
	t.Parallel()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { busy.Close() })
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"fake"}, exitUsage, "usage: oauthx fake"},
		{[]string{"fake", "github"}, exitUsage, `unknown provider "github"`},
		{[]string{"fake", "generic", "--addr", "0.0.0.0:0"}, exitUsage, "loopback only"},
		{[]string{"fake", "generic", "--addr", ":0"}, exitUsage, "loopback only"},
		{[]string{"fake", "generic", "--addr", "nonsense"}, exitUsage, "--addr"},
		{[]string{"fake", "generic", "--addr", busy.Addr().String()}, exitUsage, "address already in use"},
	} {
		r := newEnv(t).exit(tc.code, tc.args...)
		assert.Contains(t, r.stderr, tc.want, tc.args)
		assert.Empty(t, r.stdout, tc.args)
	}
}

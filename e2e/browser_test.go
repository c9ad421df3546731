package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/providertest"
	"github.com/oauthx/oauthx/tokenstore"
)

// chromiumPath is the browser: $OAUTHX_CHROMIUM, else Debian's Chromium,
// which scripts/test.sh installs.
func chromiumPath() string {
	if p := os.Getenv("OAUTHX_CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

// TestBrowserLogin logs in through a real browser: `oauthx fake generic`
// (the built binary) serves its consent page, `oauthx login generic` (the
// built binary, told not to open a browser) prints its loopback URL, and
// headless Chromium opens it, clicks Allow or Deny on the fake's page and
// lands on the CLI's loopback callback. The page it ends on, the login's
// exit code and the store are checked; a screenshot of each end page is
// kept; no Chromium process outlives its browser.
func TestBrowserLogin(t *testing.T) {
	if _, err := os.Stat(chromiumPath()); err != nil {
		if os.Getenv("OAUTHX_REQUIRE_SERVICES") == "1" {
			t.Fatalf("Chromium is required (OAUTHX_REQUIRE_SERVICES=1): %v", err)
		}
		t.Skipf("no Chromium at %s (apt-get install chromium; OAUTHX_REQUIRE_SERVICES=1 makes this a failure)", chromiumPath())
	}
	bin := filepath.Join(t.TempDir(), "oauthx")
	build := exec.Command("go", "build", "-o", bin, "./cmd/oauthx")
	build.Dir = ".." // in the library's module, with its go.sum
	out, err := build.CombinedOutput()
	require.NoError(t, err, "building oauthx: %s", out)
	shots := artifactDir(t)

	t.Run("allow", func(t *testing.T) {
		l := startLogin(t, bin)
		end := l.browse(t, "allow", shots)
		assert.Equal(t, "Logged in", end.title)
		assert.Equal(t, "You are signed in. You can close this window and go back to the terminal.", end.message)
		assert.Equal(t, "rgb(26, 127, 55)", end.titleColor, "the success page's style")
		assert.Empty(t, end.detail)

		code, stderr := l.login.wait(t)
		require.Equal(t, 0, code, "oauthx login: %s", stderr)
		assert.Contains(t, l.login.stdoutText(), `logged in; saved "generic"`)

		// The session is in the store, and its access token is live at
		// the fake.
		s, err := l.store.Load(context.Background(), "generic")
		require.NoError(t, err)
		require.NotEmpty(t, s.AccessToken)
		assert.NotEmpty(t, s.RefreshToken)
		req, err := http.NewRequest(http.MethodGet, l.fake.BaseURL+"/userinfo", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+s.AccessToken)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode, "the saved access token at the fake's userinfo")
		l.stopFake(t)
	})

	t.Run("deny", func(t *testing.T) {
		l := startLogin(t, bin)
		end := l.browse(t, "deny", shots)
		assert.Equal(t, "Login failed", end.title)
		assert.Equal(t, "rgb(207, 34, 46)", end.titleColor, "the failure page's style")
		// The provider's error and its error_description, shown as text:
		// the markup in the description is escaped, not parsed.
		assert.Equal(t, "access_denied: "+providertest.ConsentDeniedDescription(l.fake.ClientID), end.detail)
		assert.Contains(t, end.detailHTML, "&lt;"+l.fake.ClientID+"&gt;")
		assert.Equal(t, 0, end.detailElements, "elements parsed from the provider's description")

		code, stderr := l.login.wait(t)
		assert.Equal(t, 3, code, "oauthx login after Deny exits 3 (log in again): %s", stderr)
		assert.Contains(t, stderr, "access_denied")
		_, err := l.store.Load(context.Background(), "generic")
		assert.ErrorIs(t, err, tokenstore.ErrNotFound, "a denied login saved a session")
		l.stopFake(t)
	})
}

// fakeInfo is the part of `oauthx fake --json` this test reads.
type fakeInfo struct {
	BaseURL      string `json:"base_url"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	ConsentPage  bool   `json:"consent_page"`
}

// loginRun is one `oauthx fake generic` and one `oauthx login generic`
// waiting for the browser.
type loginRun struct {
	fakeProc *process
	fake     fakeInfo
	login    *process
	loginURL string
	store    *tokenstore.File
}

var loginURLPattern = regexp.MustCompile(`http://127\.0\.0\.1:[0-9]+/login`)

// startLogin starts the fake and the login against it, with a file store
// in a temporary directory, and waits for the URL the login prints.
func startLogin(t *testing.T, bin string) *loginRun {
	t.Helper()
	home := t.TempDir()
	env := []string{"HOME=" + home, "XDG_CONFIG_HOME=" + filepath.Join(home, ".config"), "PATH=" + os.Getenv("PATH")}
	l := &loginRun{}
	l.fakeProc = start(t, bin, env, "--json", "fake", "generic")
	line := l.fakeProc.nextLine(t, l.fakeProc.stdout, func(string) bool { return true })
	require.NoError(t, json.Unmarshal([]byte(line), &l.fake), line)
	require.True(t, l.fake.ConsentPage, "the generic fake shows its consent page by default")

	dir := filepath.Join(t.TempDir(), "sessions")
	var err error
	l.store, err = tokenstore.NewFile(dir)
	require.NoError(t, err)
	l.login = start(t, bin, append(env, "OAUTHX_CLIENT_SECRET="+l.fake.ClientSecret),
		"--store", "file:"+dir, "login", "generic", "--base-url", l.fake.BaseURL, "--client-id", l.fake.ClientID,
		"--open=false", "--timeout", "90s")
	line = l.login.nextLine(t, l.login.stderr, loginURLPattern.MatchString)
	l.loginURL = loginURLPattern.FindString(line)
	return l
}

// stopFake ends the fake with SIGTERM: it exits 0.
func (l *loginRun) stopFake(t *testing.T) {
	t.Helper()
	require.NoError(t, l.fakeProc.cmd.Process.Signal(syscall.SIGTERM))
	code, stderr := l.fakeProc.wait(t)
	assert.Equal(t, 0, code, "oauthx fake after SIGTERM: %s", stderr)
}

// endPage is what the browser shows when the login is over.
type endPage struct {
	location, title, message, titleColor string
	detail, detailHTML                   string
	detailElements                       int
}

// browse runs a fresh headless Chromium through the login: the CLI's
// /login, the fake's consent page, a click on button (allow or deny), and
// the CLI's callback page, which it returns. It saves screenshots in shots
// and checks, once the browser is cancelled, that none of its processes
// is left.
func (l *loginRun) browse(t *testing.T, button, shots string) endPage {
	t.Helper()
	profile := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromiumPath()),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(profile),
	)
	bctx, cancelBrowser := chromedp.NewContext(allocCtx)
	var procs map[int]string
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancelBrowser()
		cancelAlloc() // kills the browser and waits for it
		checkGone(t, procs, profile)
	}
	defer stop()

	// The CLI's /login sets its cookie and sends the browser to the
	// fake's consent page.
	require.NoError(t, chromedp.Do(bctx, chromedp.Navigate(l.loginURL), chromedp.WaitVisible(chromedp.ID("allow"))))
	proc := chromedp.FromContext(bctx).Browser.Process()
	require.NotNil(t, proc, "the exec allocator's browser process")
	procs = browserProcesses(t, proc.Pid, profile)
	require.NotEmpty(t, procs)
	client, err := chromedp.Run(bctx, chromedp.Text(chromedp.ID("client")))
	require.NoError(t, err)
	assert.Equal(t, l.fake.ClientID, client)
	require.NoError(t, chromedp.Do(bctx, chromedp.WaitVisible(chromedp.ID("deny"))))
	if button == "allow" {
		saveShot(t, bctx, filepath.Join(shots, "consent.png"))
	}

	// Allow or Deny: the fake redirects to the CLI's callback, which
	// answers the end page.
	require.NoError(t, chromedp.Do(bctx, chromedp.Click(chromedp.ID(button)), chromedp.WaitVisible(chromedp.ID("result"))))
	var end endPage
	for _, f := range []struct {
		dst *string
		act chromedp.Action[string]
	}{
		{&end.location, chromedp.Location()},
		{&end.title, chromedp.Text(chromedp.CSS("#result h1"))},
		{&end.message, chromedp.Text(chromedp.CSS("#result p"))},
		{&end.titleColor, chromedp.Evaluate[string](`getComputedStyle(document.querySelector("#result h1")).color`)},
		{&end.detail, chromedp.Evaluate[string](`(document.getElementById("provider-error") || {}).textContent || ""`)},
		{&end.detailHTML, chromedp.Evaluate[string](`(document.getElementById("provider-error") || {}).innerHTML || ""`)},
	} {
		*f.dst, err = chromedp.Run(bctx, f.act)
		require.NoError(t, err)
	}
	end.detailElements, err = chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll("#provider-error *").length`))
	require.NoError(t, err)
	saveShot(t, bctx, filepath.Join(shots, "login-"+button+".png"))

	// The page is the CLI's loopback callback, not the fake's.
	lu, err := url.Parse(l.loginURL)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(end.location, "http://"+lu.Host+"/callback?"), "the browser ended on %s", end.location)
	stop()
	return end
}

// saveShot saves a PNG screenshot of the whole page at path.
func saveShot(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(png), "\x89PNG\r\n\x1a\n"), "not a PNG")
	require.NoError(t, os.WriteFile(path, png, 0o644))
	t.Logf("screenshot: %s", path)
}

// artifactDir is where the screenshots go: $OAUTHX_ARTIFACTS/browser, or
// artifacts/browser at the repository's root.
func artifactDir(t *testing.T) string {
	t.Helper()
	base := os.Getenv("OAUTHX_ARTIFACTS")
	if base == "" {
		base = filepath.Join("..", "artifacts")
	}
	dir, err := filepath.Abs(filepath.Join(base, "browser"))
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(dir, 0o755))
	return dir
}

// process is a running oauthx binary with its output read line by line.
type process struct {
	cmd            *exec.Cmd
	stdout, stderr <-chan string
	mu             sync.Mutex
	text           [2]strings.Builder // stdout, stderr so far
	readers        sync.WaitGroup
	done           bool
	code           int
}

// start starts the binary with env and args; the test's cleanup kills it
// if it is still running then.
func start(t *testing.T, bin string, env []string, args ...string) *process {
	t.Helper()
	p := &process{cmd: exec.Command(bin, args...)}
	p.cmd.Env = env
	outPipe, err := p.cmd.StdoutPipe()
	require.NoError(t, err)
	errPipe, err := p.cmd.StderrPipe()
	require.NoError(t, err)
	outs := make([]chan string, 2)
	for i, r := range []io.Reader{outPipe, errPipe} {
		outs[i] = make(chan string, 256)
		p.readers.Add(1)
		go func() {
			defer p.readers.Done()
			defer close(outs[i])
			sc := bufio.NewScanner(r)
			for sc.Scan() {
				p.mu.Lock()
				p.text[i].WriteString(sc.Text() + "\n")
				p.mu.Unlock()
				select {
				case outs[i] <- sc.Text():
				default:
				}
			}
		}()
	}
	p.stdout, p.stderr = outs[0], outs[1]
	require.NoError(t, p.cmd.Start())
	t.Cleanup(func() {
		if !p.done {
			_ = p.cmd.Process.Kill()
			p.wait(t)
		}
	})
	return p
}

// nextLine returns the first line from lines that match accepts, waiting
// at most 30 seconds.
func (p *process) nextLine(t *testing.T, lines <-chan string, match func(string) bool) string {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				code, stderr := p.wait(t)
				t.Fatalf("%v ended (exit %d) before printing the line expected: %s", p.cmd.Args, code, stderr)
			}
			if match(l) {
				return l
			}
		case <-deadline:
			t.Fatalf("%v printed no line expected within 30s", p.cmd.Args)
		}
	}
}

// wait reaps the process and returns its exit code and its stderr.
func (p *process) wait(t *testing.T) (int, string) {
	t.Helper()
	if !p.done {
		p.readers.Wait()
		err := p.cmd.Wait()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			p.code = ee.ExitCode()
		} else {
			require.NoError(t, err)
		}
		p.done = true
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.code, p.text[1].String()
}

// stdoutText is everything the process printed on stdout so far.
func (p *process) stdoutText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.text[0].String()
}

// procStat reads a process's parent and start time from /proc; ok is
// false when there is no such process or it is a zombie.
func procStat(pid int) (ppid int, started string, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, "", false
	}
	// The command name is in parentheses and may hold spaces: the fields
	// after it are state (3), ppid (4) … starttime (22).
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 20 || f[0] == "Z" {
		return 0, "", false
	}
	ppid, _ = strconv.Atoi(f[1])
	return ppid, f[19], true
}

// browserProcesses returns the browser's process and its descendants, and
// every process whose command line names the profile directory, each with
// its start time (so a reused PID is not taken for it).
func browserProcesses(t *testing.T, root int, profile string) map[int]string {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	require.NoError(t, err)
	children := map[int][]int{}
	found := map[int]string{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		ppid, started, ok := procStat(pid)
		if !ok {
			continue
		}
		children[ppid] = append(children[ppid], pid)
		if cmdline, err := os.ReadFile("/proc/" + e.Name() + "/cmdline"); err == nil && strings.Contains(string(cmdline), profile) {
			found[pid] = started
		}
	}
	for queue := []int{root}; len(queue) > 0; queue = queue[1:] {
		if _, started, ok := procStat(queue[0]); ok {
			found[queue[0]] = started
		}
		queue = append(queue, children[queue[0]]...)
	}
	return found
}

// checkGone waits (at most ten seconds) until none of procs runs and no
// process names the profile directory; it kills, by PID, any that are
// left, and fails the test for them.
func checkGone(t *testing.T, procs map[int]string, profile string) {
	t.Helper()
	left := func() []int {
		running := browserProcesses(t, -1, profile)
		for pid, started := range procs {
			if _, s, ok := procStat(pid); ok && s == started {
				running[pid] = s
			}
		}
		return slices.Sorted(maps.Keys(running))
	}
	for range 100 {
		if len(left()) == 0 {
			t.Logf("all %d Chromium processes are gone", len(procs))
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	pids := left()
	for _, pid := range pids {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	t.Errorf("Chromium processes left after the browser was cancelled (killed now): %v", pids)
}

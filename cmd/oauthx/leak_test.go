package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// envMark is set, with a value unique to one test, in the environment of
// every process a leak test starts; the processes those start inherit it.
const envMark = "OAUTHX_LEAK_TEST_MARK"

// markedProcesses returns the PIDs of the live processes (zombies aside)
// whose environment holds envMark=mark, with their command lines.
func markedProcesses(t *testing.T, mark string) map[int]string {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	require.NoError(t, err)
	want := []byte(envMark + "=" + mark + "\x00")
	found := map[int]string{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err != nil || !bytes.Contains(append(env, 0), want) {
			continue // gone, or not ours to read, or not marked
		}
		if stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat")); err == nil {
			if _, rest, ok := strings.Cut(string(stat), ") "); ok && strings.HasPrefix(rest, "Z") {
				continue // a zombie runs nothing
			}
		}
		cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		found[pid] = strings.TrimSpace(strings.ReplaceAll(string(cmdline), "\x00", " "))
	}
	return found
}

// killAll ends the processes found (the test's own leaks) by PID.
func killAll(procs map[int]string) {
	for pid := range procs {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
}

// noSessionBusEnv is an environment without a D-Bus session: no
// DBUS_SESSION_BUS_ADDRESS, an empty XDG_RUNTIME_DIR, a fresh HOME.
func noSessionBusEnv(t *testing.T, mark string) *env {
	t.Helper()
	e := newEnv(t).set("XDG_RUNTIME_DIR", t.TempDir()).set(envMark, mark)
	_, has := e.vars["DBUS_SESSION_BUS_ADDRESS"]
	require.False(t, has)
	return e
}

// The detector finds what a leaking command leaves behind: a background
// process, and (where dbus-launch is installed) the dbus-daemon that
// D-Bus autolaunch starts, which is what `oauthx token` used to leave.
func TestLeakDetectorFindsLeaks(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	mark := "control-" + randomSuffix()
	e := noSessionBusEnv(t, mark)
	leak := exec.Command("sh", "-c", "sleep 60 </dev/null >/dev/null 2>&1 &")
	leak.Env = e.environ()
	require.NoError(t, leak.Run())
	found := markedProcesses(t, mark)
	t.Cleanup(func() { killAll(markedProcesses(t, mark)) })
	require.Len(t, found, 1, "the backgrounded sleep: %v", found)
	for _, cmd := range found {
		assert.Contains(t, cmd, "sleep 60")
	}
	killAll(found)

	if _, err := exec.LookPath("dbus-launch"); err != nil {
		t.Log("dbus-launch not installed: the autolaunch control is skipped")
		return
	}
	launch := exec.Command("dbus-launch", "--sh-syntax")
	launch.Env = e.environ()
	out, err := launch.Output()
	require.NoError(t, err, "%s", out)
	found = markedProcesses(t, mark)
	daemons := 0
	for _, cmd := range found {
		if strings.Contains(cmd, "dbus-daemon") {
			daemons++
		}
	}
	assert.Equal(t, 1, daemons, "the autolaunched dbus-daemon: %v", found)
}

// `oauthx token` run 50 times with the default store on a machine without
// a D-Bus session: each run prints the token, falls back to the file store
// (remembered after the first), and no process any run started is alive
// afterwards — no dbus-daemon, no gnome-keyring-daemon, nothing.
func TestTokenLoopWithoutSessionBusLeavesNoProcess(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	t.Parallel()
	mark := "token-loop-" + randomSuffix()
	t.Cleanup(func() { killAll(markedProcesses(t, mark)) })
	g := newGeneric(t)
	e := noSessionBusEnv(t, mark).set(envClientSecret, g.ClientSecret).set(envClientID, g.ClientID)

	r := e.ok("--store=", "exchange", "generic", "--base-url", g.URL, "--code", g.IssueCode(""))
	assert.Contains(t, r.stderr, "no OS keyring")
	choice := filepath.Join(e.vars["XDG_CONFIG_HOME"], "oauthx", "default-store")
	assert.Contains(t, r.stderr, "remembered in "+choice)
	_, err := os.Stat(choice)
	require.NoError(t, err, "the fallback is remembered")

	want := storedTokenIn(t, e, filepath.Join(e.vars["XDG_CONFIG_HOME"], "oauthx", "sessions"))
	start := time.Now()
	for i := range 50 {
		r := e.ok("--store=", "token", "generic")
		require.Equal(t, want+"\n", r.stdout, "run %d", i)
		require.Contains(t, r.stderr, "no OS keyring answered before", "run %d uses the remembered choice", i)
	}
	t.Logf("50 runs of oauthx token: %v", time.Since(start))
	assert.Empty(t, markedProcesses(t, mark), "processes left behind by oauthx")
}

// storedTokenIn is the access token of the "generic" session in the file
// store dir.
func storedTokenIn(t *testing.T, e *env, dir string) string {
	t.Helper()
	v := jsonOf[sessionView](t, e.ok("--store", "file:"+dir, "--json", "show", "generic", "--reveal").stdout)
	require.NotEmpty(t, v.AccessToken)
	return v.AccessToken
}

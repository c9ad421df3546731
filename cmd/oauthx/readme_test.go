package main

import (
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readmeTryHeading heads the README's section that tries every command
// against oauthx fake.
const readmeTryHeading = "## Try every command against `oauthx fake`"

// TestReadmeTriesEveryCommand runs that section's shell block as written,
// with bash under `set -euo pipefail`, from the repository's root: it
// builds oauthx, starts each fake, and runs every command against them.
func TestReadmeTriesEveryCommand(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"bash", "curl", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("OAUTHX_REQUIRE_SERVICES") == "1" {
				t.Fatalf("%s is required (OAUTHX_REQUIRE_SERVICES=1): %v", tool, err)
			}
			t.Skipf("the README block needs %s: %v", tool, err)
		}
	}
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	require.NoError(t, err)
	_, section, ok := strings.Cut(string(readme), readmeTryHeading)
	require.True(t, ok, "README has no section %q", readmeTryHeading)
	_, block, ok := strings.Cut(section, "```sh\n")
	require.True(t, ok, "no sh block in the README section")
	block, _, ok = strings.Cut(block, "\n```")
	require.True(t, ok, "the README section's sh block does not end")

	// The user's environment, minus what would reach their own stores,
	// keyring or desktop; the Go caches stay where they are.
	goEnv, err := exec.Command("go", "env", "GOCACHE", "GOPATH", "GOMODCACHE").Output()
	require.NoError(t, err)
	caches := strings.Fields(string(goEnv))
	require.Len(t, caches, 3)
	home := t.TempDir()
	env := []string{"HOME=" + home, "XDG_CONFIG_HOME=" + filepath.Join(home, ".config"), "TMPDIR=" + t.TempDir(),
		"GOCACHE=" + caches[0], "GOPATH=" + caches[1], "GOMODCACHE=" + caches[2]}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case k == "HOME", k == "TMPDIR", k == "DISPLAY", k == "WAYLAND_DISPLAY", k == "DBUS_SESSION_BUS_ADDRESS",
			strings.HasPrefix(k, "XDG_"), strings.HasPrefix(k, "OAUTHX_"), k == "GOCACHE", k == "GOPATH", k == "GOMODCACHE":
		default:
			env = append(env, kv)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", "set -euo pipefail\n"+block)
	cmd.Dir = filepath.Join("..", "..")
	cmd.Env = env
	// Its own process group, ended as a whole: a block that fails half
	// way leaves the fakes it started in the background behind.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	// A file, not a pipe: a child left behind cannot hold Wait up.
	log, err := os.Create(filepath.Join(t.TempDir(), "readme-block.log"))
	require.NoError(t, err)
	defer log.Close()
	cmd.Stdout, cmd.Stderr = log, log
	runErr := cmd.Run()
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // whatever the block left (nothing, when it passes)
	out, err := os.ReadFile(log.Name())
	require.NoError(t, err)
	require.NoError(t, runErr, "the README block failed:\n%s", out)
	for _, want := range []string{
		`Logged in`, `logged in; saved "generic"`, `refreshed; saved "generic"`, `logged in; saved "dev"`, `logged out "dev"`,
		`exchanged; saved "exchanged"`, `logged out "finch" (disconnected at Finch)`, `logged in; saved "passport"`,
		`exchanged; saved "offline_oauthx-fake.myshopify.com"`, `would migrate 0`,
	} {
		assert.Contains(t, string(out), want)
	}
}

// The README's paragraph of global flags names every generic global flag.
func TestReadmeNamesEveryGenericFlag(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	require.NoError(t, err)
	text := strings.Join(strings.Fields(string(readme)), " ") // lines rewrap
	_, para, ok := strings.Cut(text, "for the generic provider (")
	require.True(t, ok, "README has no paragraph of the generic global flags")
	para, _, ok = strings.Cut(para, "saved with the session.")
	require.True(t, ok, "the README's paragraph of the generic global flags does not end")
	fs := flag.NewFlagSet("oauthx", flag.ContinueOnError)
	(&cli{}).globalFlags(fs, useGeneric)
	n := 0
	fs.VisitAll(func(f *flag.Flag) {
		n++
		assert.Contains(t, para, "`--"+f.Name+"`", "README does not name --%s with the generic global flags", f.Name)
	})
	require.Positive(t, n)
}

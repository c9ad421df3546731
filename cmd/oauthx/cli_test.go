package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/tokenstore/storeurl"
)

func TestHelpAndUsage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.ok("--help")
	for _, want := range []string{"login", "shopify-exchange", "token", "logout", "demo", envClientSecret,
		"--client-secret-stdin", "never accepted as a flag", "Exit codes", "3  re-authorization needed", metaKey} {
		assert.Contains(t, r.stdout, want)
	}
	r = e.ok("help")
	assert.Contains(t, r.stdout, "commands:")
	r = e.ok("login", "--help")
	assert.Contains(t, r.stdout, "usage: oauthx login")
	assert.Contains(t, r.stdout, "never accepted as a flag")

	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no command", nil, "no command given"},
		{"unknown command", []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"unknown flag", []string{"list", "--bogus"}, "flag provided but not defined"},
		{"missing name", []string{"token"}, "usage: oauthx token <name>"},
		{"two names", []string{"show", "a", "b"}, "usage: oauthx show <name>"},
		{"bad store", []string{"--store", "ftp://x", "list"}, "unknown scheme"},
		{"bad store lists every form", []string{"--store", "ftp://x", "list"}, "want " + storeurl.Forms},
		{"bad store path lists every form", []string{"--store", "/some/dir", "list"}, "want " + storeurl.Forms},
		{"login unknown provider", []string{"login", "github"}, `unknown provider "github"`},
		{"login shopify", []string{"login", "shopify"}, "shopify-exchange"},
		{"exchange without code", []string{"exchange", "generic"}, "needs --code"},
		{"shopify-exchange without shop", []string{"shopify-exchange", "--session-token", "x"}, "needs --shop"},
		{"online and expiring", []string{"shopify-exchange", "--shop", "a.myshopify.com", "--session-token", "x", "--online", "--expiring"}, "offline tokens only"},
		{"login without secret", []string{"login", "generic", "--base-url", "http://127.0.0.1:1", "--client-id", "x"}, envClientSecret},
		{"generic without base url", []string{"exchange", "generic", "--code", "c", "--client-id", "x"}, "--base-url"},
		{"without client id", []string{"exchange", "finch", "--code", "c"}, "client id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			if strings.HasPrefix(tc.name, "generic") || strings.HasPrefix(tc.name, "without") {
				e.set(envClientSecret, secretMark+"usage")
			}
			r := e.exit(exitUsage, tc.args...)
			assert.Contains(t, r.stderr, tc.want)
			assert.Empty(t, r.stdout)
		})
	}
}

// A bad --store names every form it takes, keyring: and file: included,
// and is a usage error.
func TestBadStoreListsEveryForm(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"ftp://x", "/some/dir", "keyring:", "file:", "redis:///nohost"} {
		r := newEnv(t).exit(exitUsage, "--store", bad, "list")
		for _, form := range []string{"default", "memory", "keyring,", "keyring:SERVICE", "file:DIR", "redis://", "rediss://", "postgres://", "postgresql://"} {
			assert.Contains(t, r.stderr, form, "--store %q", bad)
		}
		assert.Equal(t, 1, strings.Count(r.stderr, "oauthx:"), r.stderr)
	}
}

// A --client-secret flag is refused, in any spelling and position, and its
// value is not echoed.
func TestClientSecretFlagRefused(t *testing.T) {
	t.Parallel()
	const value = "argv-secret-value-7f3a"
	for _, args := range [][]string{
		{"--client-secret", value, "login", "generic"},
		{"--client-secret=" + value, "list"},
		{"-client-secret", value, "list"},
		{"exchange", "generic", "--code", "c", "--client-secret", value},
		{"token", "x", "--secret=" + value},
	} {
		r := newEnv(t).exit(exitUsage, args...)
		assert.Contains(t, r.stderr, "never taken from flags")
		assert.Contains(t, r.stderr, envClientSecret)
		assert.NotContains(t, r.stderr+r.stdout, value)
	}
}

// The secret can come from stdin; an empty stdin is a usage error.
func TestClientSecretStdin(t *testing.T) {
	t.Parallel()
	g := newGeneric(t)
	e := newEnv(t).set(envClientID, g.ClientID)
	code := g.IssueCode("")
	r := e.run(g.ClientSecret+"\n", "exchange", "generic", "--base-url", g.URL, "--code", code, "--client-secret-stdin")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, `exchanged; saved "generic"`)

	r = e.run("", "exchange", "generic", "--base-url", g.URL, "--code", g.IssueCode(""), "--client-secret-stdin")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "standard input held no secret")
}

// --json errors are one JSON object on stderr with the exit code.
func TestJSONErrors(t *testing.T) {
	t.Parallel()
	r := newEnv(t).exit(exitReauth, "--json", "token", "nosuch")
	v := jsonOf[map[string]any](t, r.stderr)
	assert.Equal(t, float64(exitReauth), v["exit_code"])
	assert.Equal(t, "reauthorize", v["kind"])
	assert.Contains(t, v["error"], "not found")
	assert.Empty(t, r.stdout)
}

// "--code -" reads the single-use code from stdin (after the secret's line
// with --client-secret-stdin), so it never shows in the process list.
func TestCodeFromStdin(t *testing.T) {
	t.Parallel()
	g := newGeneric(t)
	e := newEnv(t).set(envClientID, g.ClientID)
	code := g.IssueCode("")
	r := e.run(g.ClientSecret+"\n"+code+"\n", "exchange", "generic", "--base-url", g.URL, "--code", "-", "--client-secret-stdin", "--name", "a")
	require.Equal(t, exitOK, r.code, r.stderr)

	e.set(envClientSecret, g.ClientSecret)
	code = g.IssueCode("")
	r = e.run(code, "exchange", "generic", "--base-url", g.URL, "--code", "-", "--name", "b")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Equal(t, 2, g.Stats().CodeExchanges)

	r = e.run("", "exchange", "generic", "--base-url", g.URL, "--code", "-", "--name", "c")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "--code -: standard input held no value")
}

// Each command's --help lists its own flags, then only the global flags
// it takes, under their own heading; a global flag a command does not
// take is refused before the command as after it.
func TestCommandHelpListsOnlyItsFlags(t *testing.T) {
	t.Parallel()
	const globalHeading = "global flags (before or after the command):"
	client := []string{"-base-url", "-client-id", "-client-secret-stdin"}
	generic := []string{"-issuer", "-token-url", "-revocation-url", "-device-auth-url"}
	tests := []struct {
		args         []string
		own          []string // the command's own flags
		global, not  []string
		secretsNoted bool
	}{
		{[]string{"list"}, []string{"-provider"}, []string{"-store", "-json"}, append(client, generic...), false},
		{[]string{"show"}, []string{"-reveal"}, []string{"-store", "-json"}, append(client, generic...), false},
		{[]string{"demo"}, []string{"-keep"}, []string{"-json"}, append([]string{"-store"}, append(client, generic...)...), false},
		{[]string{"fake"}, []string{"-addr"}, []string{"-json"}, append([]string{"-store"}, append(client, generic...)...), false},
		{[]string{"token"}, nil, append([]string{"-store", "-json"}, append(client, generic...)...), nil, true},
		{[]string{"login"}, []string{"-timeout", "-scopes"}, append([]string{"-store", "-json"}, append(client, generic...)...), nil, true},
		{[]string{"shopify-exchange"}, []string{"-shop", "-online"}, append([]string{"-store", "-json"}, client...), generic, true},
		{[]string{"shopify", "migrate"}, []string{"-dry-run"}, append([]string{"-store", "-json"}, client...), generic, true},
		{[]string{"logout"}, []string{"-local"}, append([]string{"-store", "-json"}, client...), nil, true},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			t.Parallel()
			out := newEnv(t).ok(append(tc.args, "--help")...).stdout
			own, global, found := strings.Cut(out, globalHeading)
			require.True(t, found, "no global heading:\n%s", out)
			flagLine := func(section, f string) bool {
				return strings.Contains(section, "\n  "+f+" ") || strings.Contains(section, "\n  "+f+"\n")
			}
			for _, f := range tc.own {
				assert.True(t, flagLine(own, f), "%s under the command's flags:\n%s", f, out)
			}
			for _, f := range tc.global {
				assert.True(t, flagLine(global, f), "%s under the global flags:\n%s", f, out)
				assert.False(t, flagLine(own, f), "%s not among the command's own flags:\n%s", f, out)
			}
			for _, f := range tc.not {
				assert.False(t, flagLine(out, f), "%s is not a flag of %v:\n%s", f, tc.args, out)
			}
			assert.Equal(t, tc.secretsNoted, strings.Contains(out, "never accepted as a flag"))
		})
	}
	// A global flag the command does not take: refused before the command
	// and after it.
	r := newEnv(t).exit(exitUsage, "--base-url", "http://127.0.0.1:1", "list")
	assert.Contains(t, r.stderr, "oauthx list does not take --base-url")
	r = newEnv(t).exit(exitUsage, "list", "--issuer", "http://127.0.0.1:1")
	assert.Contains(t, r.stderr, "flag provided but not defined: -issuer")
	// Taken before the command by a command that takes it.
	newEnv(t).exit(exitReauth, "--client-id", "x", "token", "nosuch")
}

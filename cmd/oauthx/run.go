package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/internal/errtext"
	"github.com/oauthx/oauthx/tokenstore"
)

// Environment variables the CLI reads.
const (
	envClientSecret = "OAUTHX_CLIENT_SECRET"
	envClientID     = "OAUTHX_CLIENT_ID"
	envStore        = "OAUTHX_STORE"
)

// cli is one invocation: its streams, environment and global flags.
type cli struct {
	ctx            context.Context
	stdin          io.Reader
	in             *bufio.Reader // stdin, read line by line
	stdout, stderr io.Writer
	getenv         func(string) string

	// Global flags (accepted before or after the subcommand).
	store       string
	json        bool
	baseURL     string
	clientID    string
	secretStdin bool
	gen         genericFlags

	secretRead bool
	secret     string

	// topFlags are the flags given before the command, which the
	// command must take too.
	topFlags []string
}

// flagGroup selects the global flags a command takes: flags accepted
// before the command as well as after it.
type flagGroup uint8

const (
	useStore   flagGroup = 1 << iota // --store
	useJSON                          // --json
	useClient                        // --base-url, --client-id, --client-secret-stdin
	useGeneric                       // --issuer, --token-url, --revocation-url, --device-auth-url, --dpop

	// Groups of commands.
	storeCmd   = useStore | useJSON
	clientCmd  = storeCmd | useClient | useGeneric
	shopifyCmd = storeCmd | useClient
	allGlobal  = clientCmd
)

// command is one subcommand.
type command struct {
	name, args, summary string
	run                 func(c *cli, args []string) error
}

func commands() []command {
	return []command{
		{"login", "<generic|finch|passport>", "log in through the browser (loopback redirect, state, PKCE) and save the session", cmdLogin},
		{"exchange", "<provider> --code CODE", "exchange an authorization code and save the session", cmdExchange},
		{"shopify-exchange", "--shop SHOP --session-token JWT", "exchange a Shopify session token (offline/online, expiring or not)", cmdShopifyExchange},
		{"shopify", "migrate [--dry-run] [--concurrency N]", "migrate every stored non-expiring Shopify offline session to an expiring one (Shopify rejects them from 2027-01-01)", cmdShopify},
		{"refresh", "<name>", "refresh a stored session now", cmdRefresh},
		{"token", "<name>", "print a valid access token (refreshed if needed) and nothing else", cmdToken},
		{"list", "", "list stored sessions", cmdList},
		{"show", "<name>", "show a stored session, tokens redacted unless --reveal", cmdShow},
		{"logout", "<name>", "forget a session (Finch: disconnect it first)", cmdLogout},
		{"demo", "", "run every flow offline against built-in fake providers", cmdDemo},
		{"fake", "<generic|shopify|finch|passport>", "run a fake provider on a loopback port until Ctrl-C; prints its URL and test credentials (--json: one line)", cmdFake},
	}
}

// errHelp means help was printed on request: exit 0.
var errHelp = errors.New("help requested")

// run is the whole CLI: main only supplies the process's streams and
// environment. It returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	c := &cli{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv, store: getenv(envStore)}
	err := c.dispatch(args)
	if errors.Is(err, errHelp) {
		return exitOK
	}
	if err != nil {
		c.report(err)
	}
	return exitCode(err)
}

func (c *cli) dispatch(args []string) error {
	if err := refuseSecretFlags(args); err != nil {
		return err
	}
	fs := c.flagSet("oauthx", "[global flags] <command> [flags]", allGlobal)
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		return c.flagError(err, func() { c.topUsage(c.stdout) })
	}
	fs.Visit(func(f *flag.Flag) { c.topFlags = append(c.topFlags, f.Name) })
	rest := fs.Args()
	if len(rest) == 0 {
		c.topUsage(c.stderr)
		return usagef("no command given")
	}
	if rest[0] == "help" {
		c.topUsage(c.stdout)
		return errHelp
	}
	for _, cmd := range commands() {
		if cmd.name == rest[0] {
			return cmd.run(c, rest[1:])
		}
	}
	return usagef("unknown command %q (see oauthx --help)", rest[0])
}

// refuseSecretFlags refuses any --client-secret flag: a secret in argv is
// visible to every user of the machine (ps, /proc/PID/cmdline). The value
// is not repeated.
func refuseSecretFlags(args []string) error {
	for _, a := range args {
		if a == "--" {
			return nil
		}
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if strings.HasPrefix(a, "-") && (name == "client-secret" || name == "secret" || name == "api-secret") {
			return usagef("client secrets are never taken from flags (they would show in the process list): set %s or pass --client-secret-stdin", envClientSecret)
		}
	}
	return nil
}

// flagSet returns a FlagSet for a command with the global flags of
// groups on it. fs.Usage prints the command's help on stdout: its own
// flags (those the caller adds), then the global ones it takes, marked as
// such; the flag package itself never prints anything.
func (c *cli) flagSet(name, args string, groups flagGroup) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c.globalFlags(fs, groups)
	global := map[string]bool{}
	fs.VisitAll(func(f *flag.Flag) { global[f.Name] = true })
	fs.Usage = func() {
		fmt.Fprintf(c.stdout, "usage: oauthx %s %s\n", name, args)
		own := flag.NewFlagSet(name, flag.ContinueOnError)
		glob := flag.NewFlagSet(name, flag.ContinueOnError)
		fs.VisitAll(func(f *flag.Flag) {
			dst := own
			if global[f.Name] {
				dst = glob
			}
			dst.Var(f.Value, f.Name, f.Usage)
			dst.Lookup(f.Name).DefValue = f.DefValue
		})
		for _, part := range []struct {
			title string
			fs    *flag.FlagSet
		}{{"flags", own}, {"global flags (before or after the command)", glob}} {
			n := 0
			part.fs.VisitAll(func(*flag.Flag) { n++ })
			if n == 0 {
				continue
			}
			fmt.Fprintf(c.stdout, "\n%s:\n", part.title)
			part.fs.SetOutput(c.stdout)
			part.fs.PrintDefaults()
		}
		if groups&useClient != 0 {
			fmt.Fprint(c.stdout, secretsHelp)
		}
	}
	return fs
}

// globalFlags defines the global flags of groups on fs: the one place
// they are described (oauthx --help prints them from here too). They are
// Func flags, so the "default" --help shows is never a value given earlier
// on the command line (a store URL may hold a password).
func (c *cli) globalFlags(fs *flag.FlagSet, groups flagGroup) {
	str := func(p *string) func(string) error { return func(v string) error { *p = v; return nil } }
	boolean := func(p *bool) func(string) error {
		return func(v string) error {
			b, err := strconv.ParseBool(v)
			*p = b
			return err
		}
	}
	if groups&useStore != 0 {
		fs.Func("store", "`STORE` where sessions live: keyring[:SERVICE], file:DIR, redis://…[?prefix=P], postgres://…[?table=T], memory (default $"+envStore+", else the OS keyring with a remembered file fallback)", str(&c.store))
	}
	if groups&useJSON != 0 {
		fs.BoolFunc("json", "print JSON", boolean(&c.json))
	}
	if groups&useClient != 0 {
		fs.Func("base-url", "provider base `URL` (sandboxes, tests); saved with the session", str(&c.baseURL))
		fs.Func("client-id", "OAuth client `ID` / Shopify API key (default $"+envClientID+"); saved with the session", str(&c.clientID))
		fs.BoolFunc("client-secret-stdin", "read the client secret from the first line of standard input (default $"+envClientSecret+")", boolean(&c.secretStdin))
	}
	if groups&useGeneric != 0 {
		c.gen.addGenericFlags(fs, str, boolean)
	}
}

// parse parses flags and positional arguments in any order. A flag given
// before the command that the command does not take is a usage error.
func (c *cli) parse(fs *flag.FlagSet, args []string) ([]string, error) {
	for _, name := range c.topFlags {
		if fs.Lookup(name) == nil {
			return nil, usagef("oauthx %s does not take --%s (see oauthx %s --help)", fs.Name(), name, fs.Name())
		}
	}
	usage := fs.Usage
	fs.Usage = func() {} // the flag package calls it on every error
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, c.flagError(err, usage)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func (c *cli) flagError(err error, usage func()) error {
	if errors.Is(err, flag.ErrHelp) {
		usage()
		return errHelp
	}
	return usagef("%v", err)
}

// oneName checks that a command got exactly one positional argument.
func oneName(cmd string, pos []string) (string, error) {
	if len(pos) != 1 || pos[0] == "" {
		return "", usagef("usage: oauthx %s <name>", cmd)
	}
	return pos[0], nil
}

// namedSession parses the arguments of a command that takes one session
// name, opens the store and loads the session. The caller closes the
// store when it returns no error.
func (c *cli) namedSession(fs *flag.FlagSet, cmd string, args []string) (string, tokenstore.Store, *client.Session, func(), error) {
	pos, err := c.parse(fs, args)
	if err != nil {
		return "", nil, nil, nil, err
	}
	name, err := oneName(cmd, pos)
	if err != nil {
		return "", nil, nil, nil, err
	}
	st, closeStore, err := c.openStore()
	if err != nil {
		return "", nil, nil, nil, err
	}
	s, err := st.Load(c.ctx, name)
	if err != nil {
		closeStore()
		return name, nil, nil, nil, err // the name, for a note about a missing session
	}
	return name, st, s, closeStore, nil
}

const secretsHelp = `
Client secrets are read from $` + envClientSecret + `, or from the first line of
standard input with --client-secret-stdin. They are never accepted as a flag
value: a flag would show in the process list (ps) to every user. For the
same reason, give --code or --session-token the value "-" to read it from
the next line of standard input.
`

const exitHelp = `
Exit codes:
  0  success
  1  other failure (bad answer from the provider, store failure, id_token invalid)
  2  usage or configuration error (bad flag, missing client id or secret, bad --store,
     client credentials rejected, nothing to refresh)
  3  re-authorization needed: no stored session, or the provider refused the grant
  4  network trouble, timeout, 5xx or rate limiting: try again later
`

func (c *cli) topUsage(w io.Writer) {
	fmt.Fprint(w, "oauthx keeps OAuth sessions (keyring, file, Redis or PostgreSQL) and hands out fresh access tokens.\n\nusage: oauthx [global flags] <command> [flags]\n\ncommands:\n")
	for _, cmd := range commands() {
		fmt.Fprintf(w, "  %-17s %-34s %s\n", cmd.name, cmd.args, cmd.summary)
	}
	fmt.Fprint(w, "\nglobal flags (before or after the command):\n")
	global := flag.NewFlagSet("oauthx", flag.ContinueOnError)
	c.globalFlags(global, allGlobal) // never parsed: only described
	global.SetOutput(w)
	global.PrintDefaults()
	fmt.Fprint(w, `
A session saved by oauthx records its provider, base URL and client id (never
the secret) in Session.Extra["`+metaKey+`"], so refresh and token can rebuild the
client later. Default session names: the provider ("generic", "finch",
"passport"); Shopify's own ids ("offline_SHOP", "SHOP_USERID").

Run "oauthx <command> --help" for a command's flags.
`+secretsHelp+exitHelp)
}

// readSecret returns the client secret: the first line of stdin with
// --client-secret-stdin, else $OAUTHX_CLIENT_SECRET, else "".
func (c *cli) readSecret() (string, error) {
	if c.secretRead {
		return c.secret, nil
	}
	c.secretRead = true
	if !c.secretStdin {
		c.secret = c.getenv(envClientSecret)
		return c.secret, nil
	}
	line, err := c.stdinLine()
	if err != nil {
		return "", fmt.Errorf("reading the client secret from stdin: %w", err)
	}
	c.secret = line
	if c.secret == "" {
		return "", usagef("--client-secret-stdin: standard input held no secret")
	}
	return c.secret, nil
}

// stdinLine reads the next line of standard input, without its line end.
func (c *cli) stdinLine() (string, error) {
	if c.in == nil {
		c.in = bufio.NewReader(io.LimitReader(c.stdin, 64<<10))
	}
	line, err := c.in.ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// argOrStdin returns a flag's value, or for "-" the next line of standard
// input (after the client secret's line with --client-secret-stdin), so
// single-use codes and session tokens need not show in the process list.
func (c *cli) argOrStdin(flagName, v string) (string, error) {
	if v != "-" {
		return v, nil
	}
	if c.secretStdin {
		if _, err := c.readSecret(); err != nil {
			return "", err
		}
	}
	line, err := c.stdinLine()
	if err != nil {
		return "", fmt.Errorf("reading %s from stdin: %w", flagName, err)
	}
	if line == "" {
		return "", usagef("%s -: standard input held no value", flagName)
	}
	return line, nil
}

// needSecret is readSecret for commands that cannot work without one.
func (c *cli) needSecret(what string) (string, error) {
	s, err := c.readSecret()
	if err != nil {
		return "", err
	}
	if s == "" {
		return "", usagef("%s needs the client secret: set %s or pass --client-secret-stdin", what, envClientSecret)
	}
	return s, nil
}

// clientIDOr returns --client-id, else $OAUTHX_CLIENT_ID, else def.
func (c *cli) clientIDOr(def string) string {
	if c.clientID != "" {
		return c.clientID
	}
	if v := c.getenv(envClientID); v != "" {
		return v
	}
	return def
}

// clientsAndStore builds the client of t and opens --store, for a command
// that saves the session it gets. The caller defers the returned close.
func (c *cli) clientsAndStore(t target) (*clients, tokenstore.Store, func(), error) {
	cl, err := newClients(t)
	if err != nil {
		return nil, nil, nil, err
	}
	st, closeStore, err := c.openStore()
	if err != nil {
		return nil, nil, nil, err
	}
	return cl, st, closeStore, nil
}

// openStore opens --store. The caller defers the returned close.
func (c *cli) openStore() (tokenstore.Store, func(), error) {
	var notice io.Writer
	if !c.json {
		notice = c.stderr
	}
	return openStore(c.ctx, c.store, notice)
}

// report prints err on stderr, as text or JSON.
func (c *cli) report(err error) {
	code := exitCode(err)
	msg := errtext.Once(err.Error())
	hint := ""
	switch code {
	case exitReauth:
		hint = "log in again (oauthx login / exchange / shopify-exchange)"
	case exitTransient:
		hint = "a network or provider problem: try again later"
	}
	if c.json {
		_ = json.NewEncoder(c.stderr).Encode(map[string]any{"error": msg, "exit_code": code, "kind": exitName(code), "hint": hint})
		return
	}
	fmt.Fprintln(c.stderr, errtext.Prefix("oauthx", msg))
	if hint != "" {
		fmt.Fprintf(c.stderr, "oauthx: %s\n", hint)
	}
}

// printJSON writes v as indented JSON on stdout.
func (c *cli) printJSON(v any) error {
	enc := json.NewEncoder(c.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

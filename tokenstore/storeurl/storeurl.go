// Package storeurl opens a tokenstore.Store named by one string, the way
// a command-line flag or an environment variable names it:
//
//	"" or default        the OS keyring, else files (tokenstore.OpenDefault)
//	memory               tokenstore.NewMemory (forgotten when the process ends)
//	keyring              the OS keyring, service "oauthx" (WithService)
//	keyring:SERVICE      the OS keyring under SERVICE
//	file:DIR             tokenstore.NewFile(DIR)
//	redis://[USER:PASS@]HOST:PORT[/DB][?prefix=P]      redisstore (rediss:// for TLS)
//	postgres://USER[:PASS]@HOST[:PORT]/DB[?table=T&…]  sqlstore through pgx (postgresql:// too)
//
// It lives outside tokenstore so that a user of tokenstore alone does not
// link go-redis or pgx. A malformed value is a *URLError naming every form
// above; no error repeats a password the value held.
package storeurl

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx" for postgres:// stores
	"github.com/redis/go-redis/v9"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/internal/errtext"
	"github.com/oauthx/oauthx/tokenstore"
	"github.com/oauthx/oauthx/tokenstore/redisstore"
	"github.com/oauthx/oauthx/tokenstore/sqlstore"
)

// Forms names every form Open takes, as its *URLError lists them.
const Forms = "default, memory, keyring, keyring:SERVICE, file:DIR, redis://…, rediss://…, postgres://… or postgresql://…"

// DefaultService is the keyring service of "keyring" and of the default
// store unless WithService says otherwise.
const DefaultService = "oauthx"

// DefaultConnectTimeout bounds connecting to Redis or PostgreSQL (a PING,
// and for PostgreSQL creating the table) unless WithConnectTimeout says
// otherwise.
const DefaultConnectTimeout = 5 * time.Second

// URLError is the error Open returns for a value it cannot parse. It
// matches client.ErrInvalidRequest. Its text never holds a password the
// value held.
type URLError struct {
	// Reason says what is wrong, e.g. `unknown scheme "ftp"`.
	Reason string
}

// Error returns "storeurl: Reason (want Forms)".
func (e *URLError) Error() string { return "storeurl: " + e.Reason + " (want " + Forms + ")" }

// Is matches client.ErrInvalidRequest.
func (e *URLError) Is(target error) bool { return target == client.ErrInvalidRequest }

func badURL(format string, a ...any) error { return &URLError{Reason: fmt.Sprintf(format, a...)} }

// Option configures Open. A nil Option is skipped; one given an invalid
// value makes Open return a *client.OptionError.
type Option func(*config) error

type config struct {
	service string
	notice  io.Writer
	prefix  string
	table   string
	timeout time.Duration
}

// WithService sets the keyring service of "keyring" and of the default
// store (default DefaultService). It must be printable and not empty.
func WithService(service string) Option {
	return func(c *config) error {
		if service == "" || strings.ContainsFunc(service, badServiceRune) {
			return &client.OptionError{Option: "storeurl.WithService", Reason: "the service name must be printable and not empty"}
		}
		c.service = service
		return nil
	}
}

// WithNotice sets where the default store writes the one line saying
// which store it chose (tokenstore.OpenDefault); by default nowhere.
func WithNotice(w io.Writer) Option {
	return func(c *config) error {
		if w == nil {
			return &client.OptionError{Option: "storeurl.WithNotice", Reason: "nil writer"}
		}
		c.notice = w
		return nil
	}
}

// WithRedisPrefix sets the key prefix of a redis:// store whose URL has
// no prefix= parameter (default redisstore.DefaultPrefix). It must not be
// empty.
func WithRedisPrefix(p string) Option {
	return func(c *config) error {
		if p == "" {
			return &client.OptionError{Option: "storeurl.WithRedisPrefix", Reason: "empty prefix"}
		}
		c.prefix = p
		return nil
	}
}

// WithTable sets the table of a postgres:// store whose URL has no
// table= parameter (default sqlstore.DefaultTable). It must not be empty;
// sqlstore.WithTable checks the name.
func WithTable(name string) Option {
	return func(c *config) error {
		if name == "" {
			return &client.OptionError{Option: "storeurl.WithTable", Reason: "empty table name"}
		}
		c.table = name
		return nil
	}
}

// WithConnectTimeout bounds connecting to Redis or PostgreSQL (default
// DefaultConnectTimeout; zero means the default). It must not be negative.
func WithConnectTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return &client.OptionError{Option: "storeurl.WithConnectTimeout", Reason: "negative timeout"}
		}
		if d > 0 {
			c.timeout = d
		}
		return nil
	}
}

// Open opens the store rawURL names (see the package documentation for
// the forms). The keyring forms probe the keyring first
// (tokenstore.KeyringAvailable) and fail when it does not answer; the
// default form falls back to files instead. Redis and PostgreSQL stores
// are connected to (and PostgreSQL's table created) before Open returns.
//
// Every store Open returns implements io.Closer: Close releases the Redis
// client or the database pool Open made, and does nothing for the other
// stores. A malformed rawURL is a *URLError.
func Open(ctx context.Context, rawURL string, opts ...Option) (tokenstore.Store, error) {
	cfg := config{service: DefaultService, timeout: DefaultConnectTimeout}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	sp, err := parse(rawURL)
	if err != nil {
		return nil, err
	}
	if sp.service == "" {
		sp.service = cfg.service
	}
	var st tokenstore.Store
	switch sp.kind {
	case kindDefault:
		st, err = tokenstore.OpenDefault(ctx, sp.service, cfg.notice)
	case kindMemory:
		st = tokenstore.NewMemory()
	case kindKeyring:
		if err := tokenstore.KeyringAvailable(ctx, sp.service, 0); err != nil {
			return nil, errtext.Errorf("storeurl: the OS keyring is not available: %w", err)
		}
		st, err = tokenstore.NewKeyring(sp.service)
	case kindFile:
		st, err = tokenstore.NewFile(sp.dir)
	case kindRedis:
		return openRedis(ctx, sp, cfg)
	default: // kindPostgres
		return openPostgres(ctx, sp, cfg)
	}
	if err != nil {
		return nil, err
	}
	return noClose(st), nil
}

// Store kinds.
const (
	kindDefault  = "default"
	kindMemory   = "memory"
	kindKeyring  = "keyring"
	kindFile     = "file"
	kindRedis    = "redis"
	kindPostgres = "postgres"
)

// spec is a parsed value.
type spec struct {
	kind    string
	service string   // keyring: "" means the configured one
	dir     string   // file
	url     *url.URL // redis, postgres: without our own parameters; may hold a password
	param   string   // redis prefix=, postgres table=
}

// String describes the store without any password.
func (s spec) String() string {
	switch s.kind {
	case kindFile:
		return "file:" + s.dir
	case kindRedis, kindPostgres:
		return s.url.Redacted()
	}
	return s.kind
}

func parse(v string) (spec, error) {
	switch {
	case v == "" || v == kindDefault:
		return spec{kind: kindDefault}, nil
	case v == kindMemory:
		return spec{kind: kindMemory}, nil
	case v == kindKeyring:
		return spec{kind: kindKeyring}, nil
	case strings.HasPrefix(v, "keyring:"):
		svc := strings.TrimPrefix(v, "keyring:")
		if svc == "" || strings.ContainsFunc(svc, badServiceRune) {
			return spec{}, badURL("keyring:SERVICE: the service name must be printable and not empty")
		}
		return spec{kind: kindKeyring, service: svc}, nil
	case strings.HasPrefix(v, "file:"):
		dir := strings.TrimPrefix(v, "file:")
		if dir == "" || strings.ContainsRune(dir, 0) {
			return spec{}, badURL("file:DIR needs a directory")
		}
		return spec{kind: kindFile, dir: dir}, nil
	}
	scheme, _, ok := strings.Cut(v, "://")
	if !ok {
		return spec{}, badURL("unknown store")
	}
	u, err := url.Parse(v)
	if err != nil {
		// url.Parse's error repeats the input, password included: do not wrap it.
		return spec{}, badURL("malformed %s URL", safeScheme(scheme))
	}
	switch strings.ToLower(u.Scheme) {
	case "redis", "rediss":
		return parseURL(u, kindRedis, "prefix")
	case "postgres", "postgresql":
		return parseURL(u, kindPostgres, "table")
	}
	return spec{}, badURL("unknown scheme %q", safeScheme(scheme))
}

func parseURL(u *url.URL, kind, param string) (spec, error) {
	if u.Host == "" || u.Opaque != "" {
		return spec{}, badURL("%s URL needs a host", kind)
	}
	if u.Fragment != "" {
		return spec{}, badURL("%s URL must not have a fragment", kind)
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return spec{}, badURL("malformed %s URL query", kind)
	}
	sp := spec{kind: kind}
	if vs, ok := q[param]; ok {
		if len(vs) != 1 || vs[0] == "" {
			return spec{}, badURL("%s= must be given once, not empty", param)
		}
		q.Del(param)
		sp.param = vs[0]
	}
	c := *u
	c.RawQuery = q.Encode()
	sp.url = &c
	return sp, nil
}

func badServiceRune(r rune) bool { return r < 0x20 || r == 0x7f }

// safeScheme returns scheme if it is a plain scheme name, else a
// placeholder: a malformed value must not be echoed (it may hold a
// password).
func safeScheme(scheme string) string {
	if len(scheme) == 0 || len(scheme) > 16 {
		return "store"
	}
	for _, r := range scheme {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.') {
			return "store"
		}
	}
	return scheme
}

func openRedis(ctx context.Context, sp spec, cfg config) (tokenstore.Store, error) {
	opts, err := redis.ParseURL(sp.url.String())
	if err != nil {
		return nil, badURL("redis URL %s: %s", sp, scrub(err.Error(), sp.url))
	}
	rdb := redis.NewClient(opts)
	pctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	if err := rdb.Ping(pctx).Err(); err != nil {
		_ = rdb.Close()
		return nil, errtext.Errorf("storeurl: redis store %s: %w", sp, scrubErr(err, sp.url))
	}
	prefix := cfg.prefix
	if sp.param != "" {
		prefix = sp.param
	}
	var ro []redisstore.Option
	if prefix != "" {
		ro = append(ro, redisstore.WithPrefix(prefix))
	}
	st := redisstore.New(rdb, ro...)
	if err := st.Err(); err != nil {
		_ = rdb.Close()
		return nil, err
	}
	return &redisStore{Store: st, rdb: rdb}, nil
}

func openPostgres(ctx context.Context, sp spec, cfg config) (tokenstore.Store, error) {
	db, err := sql.Open("pgx", sp.url.String())
	if err != nil {
		return nil, badURL("postgres URL %s: %s", sp, scrub(err.Error(), sp.url))
	}
	pctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		_ = db.Close()
		return nil, errtext.Errorf("storeurl: postgres store %s: %w", sp, scrubErr(err, sp.url))
	}
	table := cfg.table
	if sp.param != "" {
		table = sp.param
	}
	var so []sqlstore.Option
	if table != "" {
		so = append(so, sqlstore.WithTable(table))
	}
	st, err := sqlstore.New(pctx, db, so...)
	if err != nil {
		_ = db.Close()
		var oe *client.OptionError
		if errors.As(err, &oe) {
			return nil, badURL("postgres URL %s: table=: %s", sp, oe.Reason)
		}
		return nil, errtext.Errorf("storeurl: postgres store %s: %w", sp, scrubErr(err, sp.url))
	}
	return &sqlStore{Store: st, db: db}, nil
}

// The stores Open returns. Embedding keeps every method of the store
// (LockLease, Keys, Dir, …) and adds Close.
type (
	redisStore struct {
		*redisstore.Store
		rdb *redis.Client
	}
	sqlStore struct {
		*sqlstore.Store
		db *sql.DB
	}
	// Stores without connections, with a Close that does nothing; their
	// own methods (File.Dir, Keyring.Clear, …) stay reachable.
	fileStore    struct{ *tokenstore.File }
	keyringStore struct{ *tokenstore.Keyring }
	memoryStore  struct{ *tokenstore.Memory }
	otherStore   struct{ tokenstore.Store }
)

// Close closes the Redis client Open made.
func (s *redisStore) Close() error { return s.rdb.Close() }

// Close closes the database pool Open made.
func (s *sqlStore) Close() error { return s.db.Close() }

// Close does nothing: a file store holds no connection.
func (fileStore) Close() error { return nil }

// Close does nothing: each keyring call connects on its own.
func (keyringStore) Close() error { return nil }

// Close does nothing.
func (memoryStore) Close() error { return nil }

// Close does nothing.
func (otherStore) Close() error { return nil }

// noClose gives a store without connections a Close.
func noClose(st tokenstore.Store) tokenstore.Store {
	switch s := st.(type) {
	case *tokenstore.File:
		return fileStore{s}
	case *tokenstore.Keyring:
		return keyringStore{s}
	case *tokenstore.Memory:
		return memoryStore{s}
	}
	return otherStore{st}
}

// scrub removes the URL's password from a driver's message, in every
// encoding client.Scrub knows.
func scrub(msg string, u *url.URL) string {
	if u == nil || u.User == nil {
		return msg
	}
	p, _ := u.User.Password()
	return client.Scrub(msg, p)
}

// scrubbedError is a driver's error whose text held the store password:
// it keeps only the scrubbed text. It does not unwrap, because the
// original error's text would give the password back.
type scrubbedError struct{ msg string }

// Error returns the scrubbed message.
func (e *scrubbedError) Error() string { return e.msg }

// scrubErr returns err as it is when its text holds no password, else a
// *scrubbedError with the password removed.
func scrubErr(err error, u *url.URL) error {
	msg := scrub(err.Error(), u)
	if msg == err.Error() {
		return err
	}
	return &scrubbedError{msg: msg}
}

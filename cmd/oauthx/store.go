package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx" for postgres:// stores
	"github.com/redis/go-redis/v9"

	"github.com/oauthx/oauthx/tokenstore"
	"github.com/oauthx/oauthx/tokenstore/redisstore"
	"github.com/oauthx/oauthx/tokenstore/sqlstore"
)

// defaultService is the keyring service name the CLI keeps sessions
// under.
const defaultService = "oauthx"

// Store kinds of --store.
const (
	storeDefault  = "default"  // "" : the keyring, else a file store (tokenstore.OpenDefault)
	storeKeyring  = "keyring"  // keyring or keyring:SERVICE
	storeFile     = "file"     // file:DIR
	storeRedis    = "redis"    // redis://… or rediss://… (?prefix=P)
	storePostgres = "postgres" // postgres://… or postgresql://… (?table=T)
)

// storeSpec is a parsed --store value.
type storeSpec struct {
	Kind string
	// Service is the keyring service (keyring).
	Service string
	// Dir is the directory (file).
	Dir string
	// URL is the connection URL without our own parameters (redis,
	// postgres). It may hold a password: print Redacted() only.
	URL *url.URL
	// Prefix is the Redis key prefix; Table the PostgreSQL table.
	Prefix, Table string
}

// String describes the store without any password.
func (s storeSpec) String() string {
	switch s.Kind {
	case storeKeyring:
		return "keyring:" + s.Service
	case storeFile:
		return "file:" + s.Dir
	case storeRedis, storePostgres:
		return s.URL.Redacted()
	}
	return s.Kind
}

// parseStore parses a --store value:
//
//	"" or "default"        the OS keyring, else files (tokenstore.OpenDefault)
//	keyring[:SERVICE]      the OS keyring (service "oauthx" by default)
//	file:DIR               one file per session in DIR (created 0700)
//	redis://[:PASS@]HOST:PORT[/DB][?prefix=P]   (rediss:// for TLS)
//	postgres://USER[:PASS]@HOST:PORT/DB[?table=T&sslmode=…]  (postgresql:// too)
//
// Errors never repeat a password the value held.
func parseStore(v string) (storeSpec, error) {
	switch {
	case v == "" || v == storeDefault:
		return storeSpec{Kind: storeDefault, Service: defaultService}, nil
	case v == storeKeyring:
		return storeSpec{Kind: storeKeyring, Service: defaultService}, nil
	case strings.HasPrefix(v, "keyring:"):
		svc := strings.TrimPrefix(v, "keyring:")
		if svc == "" || strings.ContainsFunc(svc, badServiceRune) {
			return storeSpec{}, usagef("--store keyring:SERVICE: the service name must be printable and not empty")
		}
		return storeSpec{Kind: storeKeyring, Service: svc}, nil
	case strings.HasPrefix(v, "file:"):
		dir := strings.TrimPrefix(v, "file:")
		if dir == "" || strings.ContainsRune(dir, 0) {
			return storeSpec{}, usagef("--store file:DIR needs a directory")
		}
		return storeSpec{Kind: storeFile, Dir: dir}, nil
	}
	scheme, _, ok := strings.Cut(v, "://")
	if !ok {
		return storeSpec{}, usagef("--store: unknown store (want %s)", storeForms)
	}
	u, err := url.Parse(v)
	if err != nil {
		// url.Parse's error repeats the input, password included: do not wrap it.
		return storeSpec{}, usagef("--store: malformed %s URL", safeScheme(scheme))
	}
	switch strings.ToLower(u.Scheme) {
	case "redis", "rediss":
		return parseStoreURL(u, storeRedis, "prefix")
	case "postgres", "postgresql":
		return parseStoreURL(u, storePostgres, "table")
	}
	return storeSpec{}, usagef("--store: unknown scheme %q (want %s)", safeScheme(scheme), storeForms)
}

// storeForms names every form --store takes, for its errors.
const storeForms = "default, keyring, keyring:SERVICE, file:DIR, redis://…, rediss://…, postgres://… or postgresql://…"

func parseStoreURL(u *url.URL, kind, param string) (storeSpec, error) {
	if u.Host == "" || u.Opaque != "" {
		return storeSpec{}, usagef("--store: %s URL needs a host", kind)
	}
	if u.Fragment != "" {
		return storeSpec{}, usagef("--store: %s URL must not have a fragment", kind)
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return storeSpec{}, usagef("--store: malformed %s URL query", kind)
	}
	spec := storeSpec{Kind: kind}
	if vs, ok := q[param]; ok {
		if len(vs) != 1 || vs[0] == "" {
			return storeSpec{}, usagef("--store: %s= must be given once, not empty", param)
		}
		q.Del(param)
		if kind == storeRedis {
			spec.Prefix = vs[0]
		} else {
			spec.Table = vs[0]
		}
	}
	c := *u
	c.RawQuery = q.Encode()
	spec.URL = &c
	return spec, nil
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

// storeProbeTimeout bounds connecting to Redis or PostgreSQL.
const storeProbeTimeout = 5 * time.Second

// openStore opens the store spec names. close releases its connections.
// notice receives the line OpenDefault writes about its choice.
func openStore(ctx context.Context, spec storeSpec, notice io.Writer) (st tokenstore.Store, closeFn func(), err error) {
	nop := func() {}
	switch spec.Kind {
	case storeDefault:
		st, err := tokenstore.OpenDefault(ctx, spec.Service, notice)
		return st, nop, err
	case storeKeyring:
		if err := tokenstore.KeyringAvailable(ctx, spec.Service, tokenstore.DefaultProbeTimeout); err != nil {
			return nil, nil, fmt.Errorf("the OS keyring is not available: %w", err)
		}
		st, err := tokenstore.NewKeyring(spec.Service)
		return st, nop, err
	case storeFile:
		st, err := tokenstore.NewFile(spec.Dir)
		return st, nop, err
	case storeRedis:
		opts, err := redis.ParseURL(spec.URL.String())
		if err != nil {
			return nil, nil, usagef("--store %s: %s", spec, scrub(err.Error(), spec.URL))
		}
		rdb := redis.NewClient(opts)
		pctx, cancel := context.WithTimeout(ctx, storeProbeTimeout)
		defer cancel()
		if err := rdb.Ping(pctx).Err(); err != nil {
			_ = rdb.Close()
			return nil, nil, fmt.Errorf("redis store %s: %w", spec, scrubErr(err, spec.URL))
		}
		var ro []redisstore.Option
		if spec.Prefix != "" {
			ro = append(ro, redisstore.WithPrefix(spec.Prefix))
		}
		return redisstore.New(rdb, ro...), func() { _ = rdb.Close() }, nil
	case storePostgres:
		db, err := sql.Open("pgx", spec.URL.String())
		if err != nil {
			return nil, nil, usagef("--store %s: %s", spec, scrub(err.Error(), spec.URL))
		}
		pctx, cancel := context.WithTimeout(ctx, storeProbeTimeout)
		defer cancel()
		if err := db.PingContext(pctx); err != nil {
			_ = db.Close()
			return nil, nil, fmt.Errorf("postgres store %s: %w", spec, scrubErr(err, spec.URL))
		}
		var so []sqlstore.Option
		if spec.Table != "" {
			so = append(so, sqlstore.WithTable(spec.Table))
		}
		st, err := sqlstore.New(pctx, db, so...)
		if err != nil {
			_ = db.Close()
			return nil, nil, fmt.Errorf("postgres store %s: %w", spec, scrubErr(err, spec.URL))
		}
		return st, func() { _ = db.Close() }, nil
	}
	return nil, nil, usagef("unknown store kind %q", spec.Kind)
}

// scrub removes the URL's password from a driver's message.
func scrub(msg string, u *url.URL) string {
	if u == nil || u.User == nil {
		return msg
	}
	if p, ok := u.User.Password(); ok && p != "" {
		msg = strings.ReplaceAll(msg, p, "xxxxx")
		if e := url.QueryEscape(p); e != p {
			msg = strings.ReplaceAll(msg, e, "xxxxx")
		}
		if e := url.PathEscape(p); e != p {
			msg = strings.ReplaceAll(msg, e, "xxxxx")
		}
	}
	return msg
}

// scrubbedError keeps an error for errors.Is/As (net.Error, deadline: the
// exit code) while its text is scrubbed of the store password. Only its
// own Error text is ever printed.
type scrubbedError struct {
	msg string
	err error
}

// Error returns the scrubbed message.
func (e *scrubbedError) Error() string { return e.msg }

// Unwrap returns the original error, whose message is not scrubbed.
func (e *scrubbedError) Unwrap() error { return e.err }

func scrubErr(err error, u *url.URL) error {
	if err == nil {
		return nil
	}
	msg := scrub(err.Error(), u)
	if msg == err.Error() {
		return err
	}
	return &scrubbedError{msg: msg, err: err}
}

// Package redisstore is a tokenstore.Store in Redis, for replicas sharing
// sessions. It lives in its own package so that users of tokenstore do
// not link go-redis.
//
// Each session is one string key holding the tokenstore value format;
// a hash maps session IDs to their provider and subject for List. Lock
// is a lease: SET key token NX PX lease with a random token, released
// by a script that deletes the key only if it still holds that token.
//
// # Keys
//
// Every key starts with the prefix (DefaultPrefix, or WithPrefix), so
// redis-cli --scan --pattern 'oauthx:*' finds them, followed by the
// prefix again as a hash tag, which puts every key of one store in one
// cluster slot (Save's MULTI and the compare-and-set script touch
// several):
//
//	oauthx:{oauthx:}session:ID   the session
//	oauthx:{oauthx:}meta         hash: ID → provider and subject, for List
//	oauthx:{oauthx:}lock:ID      the lock lease
//	oauthx:{oauthx:}sending:ID   the record of a refresh being sent
//
// Earlier versions named the keys without the leading prefix
// ({oauthx:}session:ID, {oauthx:}meta, …). Those keys share the new
// ones' hash tag, and the store moves them: Load, List, CompareAndSave
// and CompareAndDelete move a session found only under the old name (its
// List entry and send record with it) in one script before acting, Save
// and Delete remove the old keys of the session they write, and Migrate
// moves every old session at once. Locks are taken under the new name
// only: stop the replicas running an earlier version before starting
// ones running this one.
package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	mrand "math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/internal/errtext"
	"github.com/oauthx/oauthx/tokenstore"
)

// DefaultPrefix starts every key the store uses.
const DefaultPrefix = "oauthx:"

// DefaultLockLease is how long a Lock outlives a holder that stopped
// renewing it (a process that died). A live holder renews it every third
// of the lease, however long its refresh takes.
const DefaultLockLease = 2 * time.Minute

// ErrLockLost is matched by the error of an Unlock, or of Lease.Held,
// whose lease had expired: another holder may have taken the lock
// meanwhile. It matches tokenstore.ErrLockLost.
var ErrLockLost error = lockLost{}

type lockLost struct{}

// Error returns a fixed message.
func (lockLost) Error() string { return "redisstore: lock lease expired" }

// Is matches tokenstore.ErrLockLost.
func (lockLost) Is(target error) bool { return target == tokenstore.ErrLockLost }

// Store is a tokenstore.Store on a Redis client (single node, cluster
// or sentinel: anything that is a redis.UniversalClient).
type Store struct {
	rdb    redis.UniversalClient
	prefix string
	lease  time.Duration
	poll   time.Duration
	err    error // what New was given that is invalid
}

var _ tokenstore.Store = (*Store)(nil)

// Option configures New. A nil Option is skipped; one given an invalid
// value makes every call of the Store fail (see New).
type Option func(*Store) error

// WithPrefix sets the key prefix (default DefaultPrefix). Stores with
// different prefixes do not see each other. It must not be empty, and
// must not contain a brace (the store puts it in a hash tag).
func WithPrefix(p string) Option {
	return func(s *Store) error {
		if p == "" {
			return &client.OptionError{Option: "redisstore.WithPrefix", Reason: "empty prefix"}
		}
		if strings.ContainsAny(p, "{}") {
			return &client.OptionError{Option: "redisstore.WithPrefix", Reason: "a prefix with a brace (the store adds the hash tag)"}
		}
		s.prefix = p
		return nil
	}
}

// WithLockLease sets the lock lease (default DefaultLockLease). It must
// be at least one second.
func WithLockLease(d time.Duration) Option {
	return func(s *Store) error {
		if d < time.Second {
			return &client.OptionError{Option: "redisstore.WithLockLease", Reason: "a lease under one second"}
		}
		s.lease = d
		return nil
	}
}

// New returns a Store using rdb, which the caller owns and closes. A nil
// rdb, or an option given an invalid value, makes every call of the Store
// fail with a *client.OptionError (Err reports it at once).
func New(rdb redis.UniversalClient, opts ...Option) *Store {
	s := &Store{rdb: rdb, prefix: DefaultPrefix, lease: DefaultLockLease, poll: 5 * time.Millisecond}
	if rdb == nil {
		s.err = &client.OptionError{Option: "redisstore.New", Reason: "nil redis client"}
	}
	for _, o := range opts {
		if o == nil || s.err != nil {
			continue
		}
		s.err = o(s)
	}
	return s
}

// Err reports what New was given that is invalid, nil when nothing was.
func (s *Store) Err() error { return s.err }

// Keys are PREFIX{PREFIX}kind:id (see the package doc): the hash tag
// keeps every key of one store, old names included, in one slot.
func (s *Store) key(kind, id string) string { return s.tagged() + kind + ":" + id }
func (s *Store) metaKey() string            { return s.tagged() + "meta" }
func (s *Store) tagged() string             { return s.prefix + s.tag() }
func (s *Store) tag() string                { return "{" + s.prefix + "}" }

// oldKey and oldMetaKey are the names of earlier versions ({PREFIX}kind:id).
func (s *Store) oldKey(kind, id string) string { return s.tag() + kind + ":" + id }
func (s *Store) oldMetaKey() string            { return s.tag() + "meta" }

// sessionKeys are the KEYS of migrateScript and casScript: the session,
// the List hash and the send record, then the same under the old names.
func (s *Store) sessionKeys(id string) []string {
	return []string{s.key("session", id), s.metaKey(), s.key("sending", id),
		s.oldKey("session", id), s.oldMetaKey(), s.oldKey("sending", id)}
}

// migrateLua moves a session stored only under its old name (KEYS[4],
// its List entry in KEYS[5], its send record in KEYS[6], with its time to
// live) to the new names (KEYS[1..3]), and returns the session's value
// (false if there is none under either name).
const migrateLua = `
local function migrate(id)
	local cur = redis.call("GET", KEYS[1])
	if cur then return cur end
	local old = redis.call("GET", KEYS[4])
	if not old then return false end
	redis.call("SET", KEYS[1], old)
	local m = redis.call("HGET", KEYS[5], id)
	if m then redis.call("HSET", KEYS[2], id, m) end
	redis.call("HDEL", KEYS[5], id)
	redis.call("DEL", KEYS[4])
	local rec = redis.call("GET", KEYS[6])
	if rec then
		local ttl = redis.call("PTTL", KEYS[6])
		if ttl > 0 then redis.call("SET", KEYS[3], rec, "PX", ttl) end
		redis.call("DEL", KEYS[6])
	end
	return old
end
`

// migrateScript runs migrate: KEYS as sessionKeys, ARGV[1] the ID.
var migrateScript = redis.NewScript(migrateLua + `return migrate(ARGV[1])`)

// loadOld returns the value of a session stored only under its old name,
// moving it; redis.Nil if there is none.
func (s *Store) loadOld(ctx context.Context, id string) ([]byte, error) {
	v, err := migrateScript.Run(ctx, s.rdb, s.sessionKeys(id), id).Text()
	return []byte(v), err
}

// Migrate moves every session that an earlier version stored under the
// old key names (see the package doc) to the new ones, with its List
// entry and send record, and returns how many it moved. It is safe to
// run while the store is in use, and again; Load, List and the
// compare-and-set writes also move what they touch.
func (s *Store) Migrate(ctx context.Context) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	ids, err := s.rdb.HKeys(ctx, s.oldMetaKey()).Result()
	if err != nil {
		return 0, errtext.Errorf("redisstore: migrate: %w", err)
	}
	n := 0
	for _, id := range ids {
		if tokenstore.CheckID(id) != nil {
			continue // not a session of ours
		}
		moved, err := migrateScript.Run(ctx, s.rdb, s.sessionKeys(id), id).Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return n, errtext.Errorf("redisstore: migrate %q: %w", id, err)
		}
		if moved != nil {
			n++
		}
	}
	return n, nil
}

type meta struct {
	Provider string `json:"p,omitempty"`
	Subject  string `json:"s,omitempty"`
}

// Load implements tokenstore.Store.
func (s *Store) Load(ctx context.Context, id string) (*client.Session, error) {
	if s.err != nil {
		return nil, s.err
	}
	if err := tokenstore.CheckID(id); err != nil {
		return nil, err
	}
	v, err := s.rdb.Get(ctx, s.key("session", id)).Bytes()
	if errors.Is(err, redis.Nil) {
		v, err = s.loadOld(ctx, id)
	}
	if errors.Is(err, redis.Nil) {
		return nil, tokenstore.NotFound(id)
	}
	if err != nil {
		return nil, errtext.Errorf("redisstore: load %q: %w", id, err)
	}
	return tokenstore.Decode(id, v)
}

// Save implements tokenstore.Store: the value and the List entry are
// written, and the session's keys under the old names deleted, in one
// MULTI/EXEC.
func (s *Store) Save(ctx context.Context, sess *client.Session) error {
	if s.err != nil {
		return s.err
	}
	v, m, err := encode(sess)
	if err != nil {
		return err
	}
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, s.key("session", sess.ID), v, 0)
		p.HSet(ctx, s.metaKey(), sess.ID, m)
		p.Del(ctx, s.key("sending", sess.ID), s.oldKey("session", sess.ID), s.oldKey("sending", sess.ID))
		p.HDel(ctx, s.oldMetaKey(), sess.ID)
		return nil
	})
	if err != nil {
		return errtext.Errorf("redisstore: save %q: %w", sess.ID, err)
	}
	return nil
}

// casScript is CompareAndSave and CompareAndDelete in one atomic step,
// after migrate. KEYS: as sessionKeys — the session key, the List hash
// and the session's send record, which a write clears, then the same
// under the old names (one hash slot: all carry the store's hash tag).
// ARGV: the session ID; "1" if a session is expected,
// "0" if nothing may be stored; the expected access and refresh tokens;
// the new value ("" deletes) and its List entry; tokenstore.FormatVersion.
// The stored value is read with cjson: a value that is not a session of
// this ID in a format version this build reads is a conflict.
// It returns 1 when it wrote, 0 on a conflict.
var casScript = redis.NewScript(migrateLua + `
local cur = migrate(ARGV[1])
if ARGV[2] == "0" then
	if cur then return 0 end
else
	if not cur then return 0 end
	local ok, v = pcall(cjson.decode, cur)
	if not ok or type(v) ~= "table" or type(v.session) ~= "table" then return 0 end
	if type(v.v) ~= "number" or v.v < 1 or v.v > tonumber(ARGV[7]) then return 0 end
	local s = v.session
	local at, rt = s.access_token, s.refresh_token
	if type(at) ~= "string" then at = "" end
	if type(rt) ~= "string" then rt = "" end
	if s.id ~= ARGV[1] or at ~= ARGV[3] or rt ~= ARGV[4] then return 0 end
end
if ARGV[5] == "" then
	redis.call("DEL", KEYS[1])
	redis.call("HDEL", KEYS[2], ARGV[1])
else
	redis.call("SET", KEYS[1], ARGV[5])
	redis.call("HSET", KEYS[2], ARGV[1], ARGV[6])
end
redis.call("DEL", KEYS[3], KEYS[6])
return 1`)

// CompareAndSave implements tokenstore.Store with one Lua script that
// compares the stored tokens with old's and writes the value and its
// List entry (on a cluster too: every key of the store is in one slot).
func (s *Store) CompareAndSave(ctx context.Context, old, sess *client.Session) error {
	if s.err != nil {
		return s.err
	}
	if err := tokenstore.CheckCompareAndSave(old, sess); err != nil {
		return err
	}
	v, m, err := encode(sess)
	if err != nil {
		return err
	}
	return s.cas(ctx, "save", sess.ID, old, string(v), string(m))
}

// encode is what Save and CompareAndSave write: the session's record and
// its meta entry.
func encode(sess *client.Session) (v, m []byte, err error) {
	if v, err = tokenstore.Encode(sess); err != nil {
		return nil, nil, err
	}
	if m, err = json.Marshal(meta{Provider: sess.Provider, Subject: sess.Subject}); err != nil {
		return nil, nil, err
	}
	return v, m, nil
}

// CompareAndDelete implements tokenstore.Store with the script of
// CompareAndSave.
func (s *Store) CompareAndDelete(ctx context.Context, old *client.Session) error {
	if s.err != nil {
		return s.err
	}
	if err := tokenstore.CheckCompareAndDelete(old); err != nil {
		return err
	}
	return s.cas(ctx, "delete", old.ID, old, "", "")
}

func (s *Store) cas(ctx context.Context, op, id string, old *client.Session, value, m string) error {
	expect, at, rt := "0", "", ""
	if old != nil {
		expect, at, rt = "1", old.AccessToken, old.RefreshToken
	}
	n, err := casScript.Run(ctx, s.rdb, s.sessionKeys(id), id, expect, at, rt, value, m, tokenstore.FormatVersion).Int()
	if err != nil {
		return errtext.Errorf("redisstore: %s %q: %w", op, id, err)
	}
	if n == 0 {
		return &tokenstore.ConflictError{ID: id}
	}
	return nil
}

// Delete implements tokenstore.Store, under the new and the old names.
func (s *Store) Delete(ctx context.Context, id string) error {
	if s.err != nil {
		return s.err
	}
	if err := tokenstore.CheckID(id); err != nil {
		return err
	}
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, s.key("session", id), s.key("sending", id), s.oldKey("session", id), s.oldKey("sending", id))
		p.HDel(ctx, s.metaKey(), id)
		p.HDel(ctx, s.oldMetaKey(), id)
		return nil
	})
	if err != nil {
		return errtext.Errorf("redisstore: delete %q: %w", id, err)
	}
	return nil
}

// List implements tokenstore.Store: Migrate, one HGETALL, then one MGET
// of the matching sessions. A value that cannot be decoded is reported in
// a *tokenstore.ListError beside the others.
func (s *Store) List(ctx context.Context, f tokenstore.Filter) ([]*client.Session, error) {
	if s.err != nil {
		return nil, s.err
	}
	if _, err := s.Migrate(ctx); err != nil {
		return nil, errtext.Errorf("redisstore: list: %w", err)
	}
	all, err := s.rdb.HGetAll(ctx, s.metaKey()).Result()
	if err != nil {
		return nil, errtext.Errorf("redisstore: list: %w", err)
	}
	var ids []string
	for id, raw := range all {
		var m meta
		if json.Unmarshal([]byte(raw), &m) != nil {
			continue // not ours; the value itself is checked below if listed
		}
		if (f.Provider == "" || f.Provider == m.Provider) && (f.Subject == "" || f.Subject == m.Subject) {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	slices.Sort(ids)
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = s.key("session", id)
	}
	vals, err := s.rdb.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, errtext.Errorf("redisstore: list: %w", err)
	}
	var out []*client.Session
	var lerr tokenstore.ListError
	for i, v := range vals {
		str, ok := v.(string)
		if !ok {
			continue // deleted meanwhile
		}
		sess, err := tokenstore.Decode(ids[i], []byte(str))
		if err != nil {
			lerr.Add(ids[i], err)
			continue
		}
		if f.Match(sess) {
			out = append(out, sess)
		}
	}
	return out, lerr.Err()
}

// unlockScript deletes the lock only if it still holds our token.
var unlockScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
	return redis.call("DEL", KEYS[1])
end
return 0`)

// Lock implements tokenstore.Store: the lock of LockLease, released by
// the returned function.
func (s *Store) Lock(ctx context.Context, id string) (tokenstore.Unlock, error) {
	if s.err != nil {
		return nil, s.err
	}
	l, err := s.LockLease(ctx, id)
	if err != nil {
		return nil, err
	}
	return l.Release, nil
}

// LockLease implements tokenstore.LeaseLocker with a lease of
// WithLockLease: SET NX PX with a random token, polled (with jitter)
// until free or ctx is done. While the lock is held its lease is renewed
// every third of the lease, so only a holder that died, was paused past
// its lease, or lost Redis for a whole lease (a restart) loses it; the
// lease's Held then reports ErrLockLost, and the refresh protocol checks
// it right before sending. Its writes are compare-and-set, so a holder
// that lost its lease cannot overwrite what the next holder saved.
func (s *Store) LockLease(ctx context.Context, id string) (tokenstore.Lease, error) {
	if s.err != nil {
		return nil, s.err
	}
	if err := tokenstore.CheckID(id); err != nil {
		return nil, err
	}
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	token := base64.RawURLEncoding.EncodeToString(b)
	key := s.key("lock", id)
	delay := s.poll
	for {
		ok, err := s.rdb.SetNX(ctx, key, token, s.lease).Result()
		if err != nil {
			return nil, errtext.Errorf("redisstore: lock %q: %w", id, err)
		}
		if ok {
			l := &lease{s: s, key: key, id: id, token: token, stop: make(chan struct{})}
			go s.keepAlive(key, token, l.stop)
			return l, nil
		}
		t := time.NewTimer(delay + mrand.N(delay+1))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
		delay = min(delay*2, 100*time.Millisecond)
	}
}

// lease is a held Redis lock.
type lease struct {
	s              *Store
	key, id, token string
	stop           chan struct{}
	once           sync.Once
	err            error
}

// heldScript returns 1 if the lock still holds our token.
var heldScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then return 1 end
return 0`)

// Held implements tokenstore.Lease: the lock key still holds this
// lease's token.
func (l *lease) Held(ctx context.Context) error {
	n, err := heldScript.Run(ctx, l.s.rdb, []string{l.key}, l.token).Int()
	if err != nil {
		return errtext.Errorf("redisstore: lock %q: %w", l.id, err)
	}
	if n == 0 {
		return errtext.Errorf("redisstore: lock %q: %w", l.id, ErrLockLost)
	}
	return nil
}

var _ tokenstore.SendRecorder = (*lease)(nil)

// sendRecordLeases is how many lock leases a send record outlives its
// holder: long enough for a holder paused past its lease to come back
// and save, after which a refused grant is taken as dead.
const sendRecordLeases = 5

// beginSendScript checks the lease and records a send. KEYS: the lock,
// the send record. ARGV: the lease token, the base's fingerprint, the
// record's lifetime in ms. It returns -1 when the lock is lost, else the
// tokenstore.SendState the record held (2: spent, nothing recorded).
var beginSendScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) ~= ARGV[1] then return -1 end
local m = redis.call("GET", KEYS[2])
local state = 0
if m then
	if m == ARGV[2] .. "|spent" then return 2 end
	if string.sub(m, 1, #ARGV[2] + 1) == ARGV[2] .. "|" and m ~= ARGV[2] .. "|" .. ARGV[1] then state = 1 end
end
redis.call("SET", KEYS[2], ARGV[2] .. "|" .. ARGV[1], "PX", ARGV[3])
return state`)

// BeginSend implements tokenstore.SendRecorder: one script checks the
// lease token and records the send beside the session.
func (l *lease) BeginSend(ctx context.Context, base *client.Session) (tokenstore.SendState, error) {
	ttl := (sendRecordLeases * l.s.lease).Milliseconds()
	n, err := beginSendScript.Run(ctx, l.s.rdb, []string{l.key, l.s.key("sending", l.id)}, l.token, tokenstore.Fingerprint(base), ttl).Int()
	switch {
	case err != nil:
		return tokenstore.SendNone, errtext.Errorf("redisstore: lock %q: %w", l.id, err)
	case n < 0:
		return tokenstore.SendNone, errtext.Errorf("redisstore: lock %q: %w", l.id, ErrLockLost)
	}
	return tokenstore.SendState(n), nil
}

// markSpentScript records a refusal, fenced as beginSendScript. KEYS:
// the lock, the send record. ARGV: the lease token, the base's
// fingerprint, the record's lifetime in ms. It returns -1 when the lock
// is lost, -2 when the record is no longer this lease's send (a later
// holder's, or cleared by a save), else 0.
var markSpentScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) ~= ARGV[1] then return -1 end
if redis.call("GET", KEYS[2]) ~= ARGV[2] .. "|" .. ARGV[1] then return -2 end
redis.call("SET", KEYS[2], ARGV[2] .. "|spent", "PX", ARGV[3])
return 0`)

// MarkSpent implements tokenstore.SendRecorder: one script checks the
// lease token and that the send record is still this lease's (recorded
// by its BeginSend) before marking it spent. A holder that lost its lock
// records nothing: ErrLockLost; a record replaced or cleared meanwhile
// is left alone: an error matching tokenstore.ErrConflict.
func (l *lease) MarkSpent(ctx context.Context, base *client.Session) error {
	ttl := (sendRecordLeases * l.s.lease).Milliseconds()
	n, err := markSpentScript.Run(ctx, l.s.rdb, []string{l.key, l.s.key("sending", l.id)}, l.token, tokenstore.Fingerprint(base), ttl).Int()
	switch {
	case err != nil:
		return errtext.Errorf("redisstore: record refusal %q: %w", l.id, err)
	case n == -1:
		return errtext.Errorf("redisstore: record refusal %q: %w", l.id, ErrLockLost)
	case n == -2:
		return errtext.Errorf("redisstore: record refusal %q: the send record is no longer this lock's: %w", l.id, tokenstore.ErrConflict)
	}
	return nil
}

// Release implements tokenstore.Lease.
func (l *lease) Release() error {
	l.once.Do(func() {
		close(l.stop)
		l.err = l.s.unlock(l.key, l.id, l.token)
	})
	return l.err
}

// renewScript extends the lease only if the lock still holds our token.
var renewScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
	return redis.call("PEXPIRE", KEYS[1], ARGV[2])
end
return 0`)

// keepAlive renews the lease every third of it while the lock is held, so
// a refresh slower than the lease keeps its lock. A holder that dies stops
// renewing, and its lock frees within one lease. It ends when stop closes
// or the lock is found lost (the holder's Unlock then reports ErrLockLost).
func (s *Store) keepAlive(key, token string, stop <-chan struct{}) {
	every := s.lease / 3
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), every)
		n, err := renewScript.Run(ctx, s.rdb, []string{key}, token, s.lease.Milliseconds()).Int()
		cancel()
		if err == nil && n == 0 {
			return // lost: someone else may hold it now
		}
		// On an error Redis may be away for a moment: try again next tick;
		// if it stays away past the lease, the lock is lost anyway.
	}
}

// unlock runs on a fresh context: the lock must go even when the
// caller's context is done.
func (s *Store) unlock(key, id, token string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n, err := unlockScript.Run(ctx, s.rdb, []string{key}, token).Int()
	if err != nil {
		return errtext.Errorf("redisstore: unlock %q: %w", id, err)
	}
	if n == 0 {
		return errtext.Errorf("redisstore: unlock %q: %w", id, ErrLockLost)
	}
	return nil
}

// Prefix returns the key prefix.
func (s *Store) Prefix() string { return s.prefix }

// Keys returns every key of the store, under the new names and the old
// ones (for inspection and cleanup; it SCANs, so it is slow on a big
// database).
func (s *Store) Keys(ctx context.Context) ([]string, error) {
	if s.err != nil {
		return nil, s.err
	}
	var out []string
	for _, start := range []string{s.tagged(), s.tag()} {
		iter := s.rdb.Scan(ctx, 0, globEscaper.Replace(start)+"*", 100).Iterator()
		for iter.Next(ctx) {
			out = append(out, iter.Val())
		}
		if err := iter.Err(); err != nil {
			return out, err
		}
	}
	return out, nil
}

var globEscaper = strings.NewReplacer(`\`, `\\`, "*", `\*`, "?", `\?`, "[", `\[`, "]", `\]`)

// Package sqlstore is a tokenstore.Store in PostgreSQL through
// database/sql, for replicas sharing sessions. It takes the caller's
// *sql.DB (any PostgreSQL driver: github.com/jackc/pgx/v5/stdlib,
// github.com/lib/pq) and lives in its own package so that users of
// tokenstore link no database code.
//
// New creates its table if needed. Save is an upsert; CompareAndSave and
// CompareAndDelete run SELECT … FOR UPDATE and the write in one
// transaction. Lock is a transaction-level advisory lock
// (pg_advisory_xact_lock) in a transaction held open on a connection set
// aside for it, in which the refresh protocol re-reads and saves (see
// LockLease), so the pool must allow at least two connections.
package sqlstore

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/internal/errtext"
	"github.com/oauthx/oauthx/tokenstore"
)

// DefaultTable is the table New creates and uses.
const DefaultTable = "oauthx_sessions"

// ErrLockLost is matched by the error of an Unlock, or of Lease.Held,
// that found the advisory lock no longer held (its connection was reset
// or its transaction ended). It matches tokenstore.ErrLockLost.
var ErrLockLost error = lockLost{}

type lockLost struct{}

// Error returns a fixed message.
func (lockLost) Error() string { return "sqlstore: advisory lock was no longer held" }

// Is matches tokenstore.ErrLockLost.
func (lockLost) Is(target error) bool { return target == tokenstore.ErrLockLost }

// Store is a tokenstore.Store in one PostgreSQL table.
type Store struct {
	db    *sql.DB
	table string
}

var _ tokenstore.Store = (*Store)(nil)

// Option configures New.
type Option func(*Store) error

var identRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}(\.[A-Za-z_][A-Za-z0-9_]{0,62})?$`)
}) // compiled on first use, not at init

// WithTable sets the table name (default DefaultTable), optionally
// schema-qualified ("auth.sessions"). Only letters, digits and
// underscores are accepted: the name is put into SQL text.
func WithTable(name string) Option {
	return func(s *Store) error {
		if !identRE().MatchString(name) {
			return &client.OptionError{Option: "sqlstore.WithTable", Reason: strconv.Quote(name) + " is not a plain SQL identifier"}
		}
		s.table = name
		return nil
	}
}

// New returns a Store on db, which the caller owns and closes, and
// creates the table and its index if they do not exist (safe to run from
// several processes at once).
func New(ctx context.Context, db *sql.DB, opts ...Option) (*Store, error) {
	if db == nil {
		return nil, &client.OptionError{Option: "sqlstore.New", Reason: "nil *sql.DB"}
	}
	s := &Store{db: db, table: DefaultTable}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(s); err != nil {
			return nil, err
		}
	}
	if err := s.migrate(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Table returns the table name.
func (s *Store) Table() string { return s.table }

// migrate creates the table under a transaction-level advisory lock:
// concurrent CREATE TABLE IF NOT EXISTS can otherwise fail.
func (s *Store) migrate(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return errtext.Errorf("sqlstore: migrate: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	stmts := []string{
		`SELECT pg_advisory_xact_lock(` + fmt.Sprint(lockKey("migrate", s.table)) + `)`,
		`CREATE TABLE IF NOT EXISTS ` + s.table + ` (
			id         text PRIMARY KEY,
			provider   text NOT NULL DEFAULT '',
			subject    text NOT NULL DEFAULT '',
			value      text NOT NULL,
			updated_at timestamptz NOT NULL DEFAULT now()
		)`,
		`CREATE INDEX IF NOT EXISTS ` + indexName(s.table) + ` ON ` + s.table + ` (provider, subject)`,
		// The send record of a refresh in flight (see lease.BeginSend).
		`ALTER TABLE ` + s.table + ` ADD COLUMN IF NOT EXISTS sending text NOT NULL DEFAULT ''`,
		`ALTER TABLE ` + s.table + ` ADD COLUMN IF NOT EXISTS sending_until timestamptz`,
	}
	for _, q := range stmts {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return errtext.Errorf("sqlstore: migrate %s: %w", s.table, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return errtext.Errorf("sqlstore: migrate: %w", err)
	}
	return nil
}

func indexName(table string) string {
	name := table
	for i := range len(name) {
		if name[i] == '.' {
			name = name[i+1:]
			break
		}
	}
	return name + "_provider_subject"
}

// lockKey maps a name to a 64-bit advisory lock key.
func lockKey(parts ...string) int64 {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return int64(binary.BigEndian.Uint64(h.Sum(nil)[:8]))
}

// Load implements tokenstore.Store.
func (s *Store) Load(ctx context.Context, id string) (*client.Session, error) {
	if err := tokenstore.CheckID(id); err != nil {
		return nil, err
	}
	return s.load(ctx, s.db, id)
}

func (s *Store) load(ctx context.Context, q querier, id string) (*client.Session, error) {
	var v string
	err := q.QueryRowContext(ctx, `SELECT value FROM `+s.table+` WHERE id = $1`, id).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tokenstore.NotFound(id)
	}
	if err != nil {
		return nil, errtext.Errorf("sqlstore: load %q: %w", id, err)
	}
	return tokenstore.Decode(id, []byte(v))
}

// Save implements tokenstore.Store with INSERT … ON CONFLICT DO UPDATE.
func (s *Store) Save(ctx context.Context, sess *client.Session) error {
	v, err := tokenstore.Encode(sess)
	if err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO `+s.table+` (id, provider, subject, value, updated_at)
		VALUES ($1, $2, $3, $4, now())
		ON CONFLICT (id) DO UPDATE SET provider = EXCLUDED.provider, subject = EXCLUDED.subject, sending = '',
			value = EXCLUDED.value, updated_at = EXCLUDED.updated_at`,
		sess.ID, sess.Provider, sess.Subject, string(v))
	if err != nil {
		return errtext.Errorf("sqlstore: save %q: %w", sess.ID, err)
	}
	return nil
}

// CompareAndSave implements tokenstore.Store in one transaction: the
// row is read with SELECT … FOR UPDATE (which also waits for a
// concurrent writer of the same row), compared with old, then updated
// or, when old is nil and no row exists, inserted (INSERT … ON CONFLICT
// DO NOTHING: a concurrent first insert is a conflict).
func (s *Store) CompareAndSave(ctx context.Context, old, sess *client.Session) error {
	if err := tokenstore.CheckCompareAndSave(old, sess); err != nil {
		return err
	}
	v, err := tokenstore.Encode(sess)
	if err != nil {
		return err
	}
	return s.inTx(ctx, "save", sess.ID, func(tx *sql.Tx) error { return s.casTx(ctx, tx, old, sess, v) })
}

// CompareAndDelete implements tokenstore.Store in one transaction, as
// CompareAndSave.
func (s *Store) CompareAndDelete(ctx context.Context, old *client.Session) error {
	if err := tokenstore.CheckCompareAndDelete(old); err != nil {
		return err
	}
	return s.inTx(ctx, "delete", old.ID, func(tx *sql.Tx) error { return s.cadTx(ctx, tx, old) })
}

// inTx runs fn in a transaction and commits it if fn succeeds. Errors
// other than a *tokenstore.ConflictError are wrapped with op and id.
func (s *Store) inTx(ctx context.Context, op, id string, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return errtext.Errorf("sqlstore: %s %q: %w", op, id, err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := fn(tx); err != nil {
		return wrapTx(op, id, err)
	}
	if err := tx.Commit(); err != nil {
		return errtext.Errorf("sqlstore: %s %q: %w", op, id, err)
	}
	return nil
}

func wrapTx(op, id string, err error) error {
	var ce *tokenstore.ConflictError
	var fe *tokenstore.FormatError
	if errors.As(err, &ce) || errors.As(err, &fe) {
		return err
	}
	return errtext.Errorf("sqlstore: %s %q: %w", op, id, err)
}

// querier is a transaction: a *sql.Tx, or the *sql.Conn of a lease
// inside BEGIN.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// loadForUpdate reads and locks the row of id inside tx.
func (s *Store) loadForUpdate(ctx context.Context, tx querier, id string) (*client.Session, error) {
	var v string
	err := tx.QueryRowContext(ctx, `SELECT value FROM `+s.table+` WHERE id = $1 FOR UPDATE`, id).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tokenstore.NotFound(id)
	}
	if err != nil {
		return nil, err
	}
	return tokenstore.Decode(id, []byte(v))
}

// casTx is CompareAndSave inside tx; v is sess encoded.
func (s *Store) casTx(ctx context.Context, tx querier, old, sess *client.Session, v []byte) error {
	cur, err := s.loadForUpdate(ctx, tx, sess.ID)
	if err := tokenstore.CheckBase(sess.ID, old, cur, err); err != nil {
		return err
	}
	q := `UPDATE ` + s.table + ` SET provider = $2, subject = $3, value = $4, updated_at = now(), sending = '' WHERE id = $1`
	if old == nil {
		q = `INSERT INTO ` + s.table + ` (id, provider, subject, value, updated_at) VALUES ($1, $2, $3, $4, now())
			ON CONFLICT (id) DO NOTHING`
	}
	res, err := tx.ExecContext(ctx, q, sess.ID, sess.Provider, sess.Subject, string(v))
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("rows affected: %w", err) // the driver's error, not a conflict
	}
	if n != 1 {
		return &tokenstore.ConflictError{ID: sess.ID}
	}
	return nil
}

// cadTx is CompareAndDelete inside tx.
func (s *Store) cadTx(ctx context.Context, tx querier, old *client.Session) error {
	cur, err := s.loadForUpdate(ctx, tx, old.ID)
	if err := tokenstore.CheckBase(old.ID, old, cur, err); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `DELETE FROM `+s.table+` WHERE id = $1`, old.ID)
	return err
}

// Delete implements tokenstore.Store.
func (s *Store) Delete(ctx context.Context, id string) error {
	if err := tokenstore.CheckID(id); err != nil {
		return err
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM `+s.table+` WHERE id = $1`, id); err != nil {
		return errtext.Errorf("sqlstore: delete %q: %w", id, err)
	}
	return nil
}

// List implements tokenstore.Store; the filter runs in SQL, on the
// (provider, subject) index. A value that cannot be decoded is reported
// in a *tokenstore.ListError beside the others.
func (s *Store) List(ctx context.Context, f tokenstore.Filter) ([]*client.Session, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, value FROM `+s.table+`
		WHERE ($1 = '' OR provider = $1) AND ($2 = '' OR subject = $2) ORDER BY id COLLATE "C"`,
		f.Provider, f.Subject)
	if err != nil {
		return nil, errtext.Errorf("sqlstore: list: %w", err)
	}
	defer rows.Close()
	var out []*client.Session
	var lerr tokenstore.ListError
	for rows.Next() {
		var id, v string
		if err := rows.Scan(&id, &v); err != nil {
			return nil, errtext.Errorf("sqlstore: list: %w", err)
		}
		sess, err := tokenstore.Decode(id, []byte(v))
		if err != nil {
			lerr.Add(id, err)
			continue
		}
		out = append(out, sess)
	}
	if err := rows.Err(); err != nil {
		return nil, errtext.Errorf("sqlstore: list: %w", err)
	}
	return out, lerr.Err()
}

// Lock implements tokenstore.Store: the lock of LockLease, released by
// the returned function.
func (s *Store) Lock(ctx context.Context, id string) (tokenstore.Unlock, error) {
	l, err := s.LockLease(ctx, id)
	if err != nil {
		return nil, err
	}
	return l.Release, nil
}

// LockLease implements tokenstore.LeaseLocker with a lock tied to a
// transaction: on a connection set aside from the pool it runs BEGIN and
// pg_advisory_xact_lock, waiting until the lock is free or ctx is done.
// The lease is a tokenstore.TxLease: the holder re-reads and saves the
// session inside that transaction, so the lock and the write end
// together, and a holder whose connection died (pg_terminate_backend,
// idle_session_timeout, a failover, a pooler) frees the lock and can
// commit nothing on it. PostgreSQL releases the lock when the
// transaction ends, however it ends.
func (s *Store) LockLease(ctx context.Context, id string) (tokenstore.Lease, error) {
	if err := tokenstore.CheckID(id); err != nil {
		return nil, err
	}
	key := lockKey("lock", s.table, id)
	conn, err := s.db.Conn(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, errtext.Errorf("sqlstore: lock %q: %w", id, err)
	}
	// One round trip: the key is an integer, so it can be part of the SQL
	// text, and a statement without parameters may be two statements.
	if _, err := conn.ExecContext(ctx, `BEGIN; SELECT pg_advisory_xact_lock(`+strconv.FormatInt(key, 10)+`)`); err != nil {
		discard(conn) // it may hold the lock if the cancel came late
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, errtext.Errorf("sqlstore: lock %q: %w", id, err)
	}
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return &lease{s: s, conn: conn, id: id, token: hex.EncodeToString(b)}, nil
}

// lease is a held transaction-level advisory lock on its own connection.
type lease struct {
	s     *Store
	conn  *sql.Conn
	id    string
	token string // names this lease in send records

	mu     sync.Mutex
	done   bool // the transaction ended (committed, rolled back or broken)
	broken bool // a statement failed: the connection's state is unknown
	once   sync.Once
	rerr   error
}

var _ tokenstore.TxLease = (*lease)(nil)

// Held implements tokenstore.Lease: the lock's transaction is still open
// on a live connection.
func (l *lease) Held(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done {
		return errtext.Errorf("sqlstore: lock %q: transaction ended: %w", l.id, ErrLockLost)
	}
	if _, err := l.conn.ExecContext(ctx, `SELECT 1`); err != nil {
		l.done, l.broken = true, true
		return errtext.Errorf("sqlstore: lock %q: %w (%v)", l.id, ErrLockLost, err)
	}
	return nil
}

var _ tokenstore.SendRecorder = (*lease)(nil)

// sendRecordTTL is how long a send record outlives its holder: long
// enough for a holder whose connection was cut mid-refresh to save on a
// new one, after which a refused grant is taken as dead.
const sendRecordTTL = 10 * time.Minute

// BeginSend implements tokenstore.SendRecorder: Held, then one statement
// outside the lock's transaction (the record must outlive it if the
// connection is cut) records the send in the session's row and returns
// what was there.
func (l *lease) BeginSend(ctx context.Context, base *client.Session) (tokenstore.SendState, error) {
	if err := l.Held(ctx); err != nil {
		return tokenstore.SendNone, err
	}
	fp := tokenstore.Fingerprint(base)
	spent, mine := fp+"|spent", fp+"|"+l.token
	var prev string
	var live bool
	err := l.s.db.QueryRowContext(ctx, `WITH prev AS (
			SELECT sending, coalesce(sending_until > now(), false) AS live FROM `+l.s.table+` WHERE id = $1 FOR UPDATE)
		UPDATE `+l.s.table+` t SET
			sending = CASE WHEN prev.live AND prev.sending = $2 THEN prev.sending ELSE $3 END,
			sending_until = CASE WHEN prev.live AND prev.sending = $2 THEN t.sending_until ELSE now() + $4 * interval '1 millisecond' END
		FROM prev WHERE t.id = $1
		RETURNING prev.sending, prev.live`, l.id, spent, mine, sendRecordTTL.Milliseconds()).Scan(&prev, &live)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return tokenstore.SendNone, nil // nothing stored: nothing to keep
	case err != nil:
		return tokenstore.SendNone, errtext.Errorf("sqlstore: record send %q: %w", l.id, err)
	case live && prev == spent:
		return tokenstore.SendSpent, nil
	case live && strings.HasPrefix(prev, fp+"|") && prev != mine:
		return tokenstore.SendUnfinished, nil
	}
	return tokenstore.SendNone, nil
}

// MarkSpent implements tokenstore.SendRecorder, fenced as BeginSend:
// Held, then one statement outside the lock's transaction that marks the
// grant spent only if the row's send record is still the one this
// lease's BeginSend wrote. A holder that lost its lock records nothing
// (ErrLockLost); a record a later holder replaced or a save cleared
// meanwhile is left alone (an error matching tokenstore.ErrConflict).
func (l *lease) MarkSpent(ctx context.Context, base *client.Session) error {
	if err := l.Held(ctx); err != nil {
		return err
	}
	fp := tokenstore.Fingerprint(base)
	res, err := l.s.db.ExecContext(ctx, `UPDATE `+l.s.table+` SET sending = $2, sending_until = now() + $3 * interval '1 millisecond'
		WHERE id = $1 AND sending = $4 AND sending_until > now()`,
		l.id, fp+"|spent", sendRecordTTL.Milliseconds(), fp+"|"+l.token)
	if err != nil {
		return errtext.Errorf("sqlstore: record refusal %q: %w", l.id, err)
	}
	n, err := res.RowsAffected()
	switch {
	case err != nil:
		return errtext.Errorf("sqlstore: record refusal %q: %w", l.id, err)
	case n != 1:
		return errtext.Errorf("sqlstore: record refusal %q: the send record is no longer this lock's: %w", l.id, tokenstore.ErrConflict)
	}
	return nil
}

// Load implements tokenstore.TxLease.
func (l *lease) Load(ctx context.Context) (*client.Session, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done {
		return nil, errtext.Errorf("sqlstore: load %q: %w", l.id, ErrLockLost)
	}
	return l.s.load(ctx, l.conn, l.id)
}

// CompareAndSave implements tokenstore.TxLease: the compare-and-set of
// Store.CompareAndSave in the lock's transaction, then COMMIT.
func (l *lease) CompareAndSave(ctx context.Context, old, sess *client.Session) error {
	if err := tokenstore.CheckCompareAndSave(old, sess); err != nil {
		return err
	}
	if sess.ID != l.id {
		return errtext.Errorf("sqlstore: save %q under the lock of %q: %w", sess.ID, l.id, tokenstore.ErrInvalidSession)
	}
	v, err := tokenstore.Encode(sess)
	if err != nil {
		return err
	}
	return l.finish(ctx, "save", func() error { return l.s.casTx(ctx, l.conn, old, sess, v) })
}

// CompareAndDelete implements tokenstore.TxLease.
func (l *lease) CompareAndDelete(ctx context.Context, old *client.Session) error {
	if err := tokenstore.CheckCompareAndDelete(old); err != nil {
		return err
	}
	if old.ID != l.id {
		return errtext.Errorf("sqlstore: delete %q under the lock of %q: %w", old.ID, l.id, tokenstore.ErrInvalidSession)
	}
	return l.finish(ctx, "delete", func() error { return l.s.cadTx(ctx, l.conn, old) })
}

// finish runs fn in the transaction and commits it, or rolls it back if
// fn fails. Either way the transaction, and with it the lock, ends.
func (l *lease) finish(ctx context.Context, op string, fn func() error) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done {
		return errtext.Errorf("sqlstore: %s %q: %w", op, l.id, ErrLockLost)
	}
	l.done = true
	if err := fn(); err != nil {
		if _, rerr := l.conn.ExecContext(context.WithoutCancel(ctx), `ROLLBACK`); rerr != nil {
			l.broken = true
		}
		return wrapTx(op, l.id, err)
	}
	if _, err := l.conn.ExecContext(ctx, `COMMIT`); err != nil {
		l.broken = true
		return errtext.Errorf("sqlstore: %s %q: commit: %w", op, l.id, err)
	}
	return nil
}

// Release implements tokenstore.Lease: ROLLBACK unless a write already
// ended the transaction, then the connection goes back to the pool (or
// is closed when it failed).
func (l *lease) Release() error {
	l.once.Do(func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if !l.done {
			l.done = true
			if _, err := l.conn.ExecContext(ctx, `ROLLBACK`); err != nil {
				discard(l.conn)
				l.rerr = errtext.Errorf("sqlstore: unlock %q: %w (%v)", l.id, ErrLockLost, err)
				return
			}
		}
		if l.broken {
			discard(l.conn) // never back to the pool in an unknown state
			return
		}
		_ = l.conn.Close()
	})
	return l.rerr
}

// discard closes conn's underlying connection instead of returning it to
// the pool, which releases any advisory lock it holds.
func discard(conn *sql.Conn) {
	_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	_ = conn.Close()
}

package tokenstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/internal/errtext"
)

// DefaultKeyringTimeout bounds every call to the OS keyring unless
// WithKeyringTimeout says otherwise.
const DefaultKeyringTimeout = 5 * time.Second

// ErrKeyringTimeout is matched by the error of a keyring call that did
// not answer in time (a Secret Service can hang, for instance behind an
// unlock prompt nobody sees).
var ErrKeyringTimeout = errors.New("tokenstore: the OS keyring did not answer in time")

// Keyring is a Store in the OS keyring (macOS Keychain, Windows
// Credential Manager, the Secret Service on Linux and BSD) through
// github.com/zalando/go-keyring, under one service name.
//
// Every keyring call runs under a timeout (WithKeyringTimeout): a call
// that does not answer is abandoned and reported as ErrKeyringTimeout.
// Values are base64 text split into chunks of ChunkSize characters, which
// fits the Windows limit of 2560 bytes a credential and the macOS limit
// of about 3000 bytes an item; a small value lives in one item. A large
// one is written to spare chunk items first and switched to by a single
// write of its head item, so a crash never leaves a half-written session.
// An index item lists the sessions, for List.
//
// Lock, and the lock that orders writers and readers, are file locks in
// a directory private to the user (WithLockDir; by default
// $XDG_RUNTIME_DIR/oauthx, else the user's config directory), shared by
// the user's processes.
type Keyring struct {
	service string
	timeout time.Duration
	lockDir string
	kr      keyringBackend
}

// ChunkSize is the largest keyring item payload Keyring writes, in bytes
// of base64 text.
const ChunkSize = 1500

// keyringBackend is the part of go-keyring Keyring uses.
type keyringBackend interface {
	Set(service, user, password string) error
	Get(service, user string) (string, error)
	Delete(service, user string) error
	DeleteAll(service string) error
}

type goKeyring struct{}

// Set is keyring.Set.
func (goKeyring) Set(service, user, password string) error {
	return keyring.Set(service, user, password)
}

// Get is keyring.Get.
func (goKeyring) Get(service, user string) (string, error) { return keyring.Get(service, user) }

// Delete is keyring.Delete.
func (goKeyring) Delete(service, user string) error { return keyring.Delete(service, user) }

// DeleteAll is keyring.DeleteAll.
func (goKeyring) DeleteAll(service string) error { return keyring.DeleteAll(service) }

// KeyringOption configures NewKeyring.
type KeyringOption func(*Keyring) error

// WithKeyringTimeout bounds each keyring call (default
// DefaultKeyringTimeout; zero means the default). It must not be
// negative.
func WithKeyringTimeout(d time.Duration) KeyringOption {
	return func(k *Keyring) error {
		if d < 0 {
			return invalidOption("WithKeyringTimeout", "negative timeout")
		}
		if d > 0 {
			k.timeout = d
		}
		return nil
	}
}

// WithLockDir puts the keyring's lock files in dir (created 0700). Every
// process sharing the keyring must use the same directory.
func WithLockDir(dir string) KeyringOption {
	return func(k *Keyring) error {
		if dir == "" {
			return invalidOption("WithLockDir", "empty directory")
		}
		k.lockDir = dir
		return nil
	}
}

// NewKeyring returns a Keyring store keeping sessions under service (e.g.
// "oauthx" or your application's name). It does not touch the keyring:
// see KeyringAvailable for a probe.
func NewKeyring(service string, opts ...KeyringOption) (*Keyring, error) {
	if service == "" || !validText(service) {
		return nil, errors.New("tokenstore: NewKeyring: service must be non-empty text")
	}
	k := &Keyring{service: service, timeout: DefaultKeyringTimeout, kr: goKeyring{}}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(k); err != nil {
			return nil, err
		}
	}
	if k.lockDir == "" {
		dir, err := defaultLockDir()
		if err != nil {
			return nil, err
		}
		k.lockDir = dir
	}
	if err := os.MkdirAll(k.lockDir, 0o700); err != nil {
		return nil, errtext.Errorf("tokenstore: keyring lock directory: %w", err)
	}
	return k, nil
}

func defaultLockDir() (string, error) {
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "oauthx"), nil
	}
	d, err := os.UserConfigDir()
	if err != nil {
		return "", errtext.Errorf("tokenstore: no directory for keyring locks (set WithLockDir): %w", err)
	}
	return filepath.Join(d, "oauthx", "locks"), nil
}

// Service returns the keyring service name.
func (k *Keyring) Service() string { return k.service }

// call runs fn under the keyring timeout and ctx. A call that times out
// keeps running in the background until the keyring answers; its result
// is dropped.
func (k *Keyring) call(ctx context.Context, fn func() error) error {
	ctx, cancel := context.WithTimeout(ctx, k.timeout)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return fmt.Errorf("%w (%v, service %s)", ErrKeyringTimeout, k.timeout, strconv.Quote(k.service))
		}
		return ctx.Err()
	}
}

func (k *Keyring) get(ctx context.Context, user string) (string, error) {
	var v string
	err := k.call(ctx, func() error {
		var err error
		v, err = k.kr.Get(k.service, user)
		return err
	})
	return v, err
}

func (k *Keyring) set(ctx context.Context, user, value string) error {
	return k.call(ctx, func() error { return k.kr.Set(k.service, user, value) })
}

func (k *Keyring) del(ctx context.Context, user string) error {
	err := k.call(ctx, func() error { return k.kr.Delete(k.service, user) })
	if errors.Is(err, keyring.ErrNotFound) {
		return nil
	}
	return err
}

func (k *Keyring) lockPath(name string) string {
	sum := sha256.Sum256([]byte(k.service + "\x00" + name))
	return filepath.Join(k.lockDir, "keyring-"+hex.EncodeToString(sum[:12])+".lock")
}

// rw takes the lock ordering writers (exclusive) and readers (shared).
func (k *Keyring) rw(ctx context.Context, write bool) (Unlock, error) {
	return lockFileMode(ctx, k.lockPath("\x00data"), !write)
}

func sessionKey(id string) string { return "session:" + id }

const indexKey = "index"

// Load implements Store.
func (k *Keyring) Load(ctx context.Context, id string) (*client.Session, error) {
	if err := CheckID(id); err != nil {
		return nil, err
	}
	unlock, err := k.rw(ctx, false)
	if err != nil {
		return nil, err
	}
	defer func() { _ = unlock() }()
	return k.load(ctx, id)
}

func (k *Keyring) load(ctx context.Context, id string) (*client.Session, error) {
	data, err := k.readValue(ctx, sessionKey(id), id)
	if errors.Is(err, keyring.ErrNotFound) {
		return nil, NotFound(id)
	}
	if err != nil {
		return nil, k.wrap("load", id, err)
	}
	return Decode(id, data)
}

func (k *Keyring) wrap(op, id string, err error) error {
	var fe *FormatError
	if errors.As(err, &fe) {
		return err
	}
	return errtext.Errorf("tokenstore: keyring %s %s: %w", op, strconv.Quote(id), err)
}

// Save implements Store.
func (k *Keyring) Save(ctx context.Context, s *client.Session) error {
	return k.save(ctx, nil, s, false)
}

// CompareAndSave implements Store: under the exclusive data lock it
// re-reads the session, compares, and writes as Save does.
func (k *Keyring) CompareAndSave(ctx context.Context, old, s *client.Session) error {
	if err := CheckCompareAndSave(old, s); err != nil {
		return err
	}
	return k.save(ctx, old, s, true)
}

// compare checks, under the exclusive data lock, that the session stored
// under id is old.
func (k *Keyring) compare(ctx context.Context, id string, old *client.Session) error {
	cur, err := k.load(ctx, id)
	return CheckBase(id, old, cur, err)
}

func (k *Keyring) save(ctx context.Context, old, s *client.Session, cmp bool) error {
	data, err := Encode(s)
	if err != nil {
		return err
	}
	unlock, err := k.rw(ctx, true)
	if err != nil {
		return err
	}
	defer func() { _ = unlock() }()
	if cmp {
		if err := k.compare(ctx, s.ID, old); err != nil {
			return err
		}
	}
	// Index first: a crash between the two leaves an entry List skips,
	// never a session List cannot see.
	if err := k.updateIndex(ctx, func(idx []indexEntry) []indexEntry {
		e := indexEntry{ID: s.ID, Provider: s.Provider, Subject: s.Subject}
		i := slices.IndexFunc(idx, func(x indexEntry) bool { return x.ID == s.ID })
		if i >= 0 {
			if idx[i] == e {
				return nil
			}
			idx[i] = e
			return idx
		}
		return append(idx, e)
	}); err != nil {
		return k.wrap("save", s.ID, err)
	}
	if err := k.writeValue(ctx, sessionKey(s.ID), data); err != nil {
		return k.wrap("save", s.ID, err)
	}
	return nil
}

// Delete implements Store.
func (k *Keyring) Delete(ctx context.Context, id string) error {
	if err := CheckID(id); err != nil {
		return err
	}
	return k.remove(ctx, id, nil, false)
}

// CompareAndDelete implements Store under the exclusive data lock.
func (k *Keyring) CompareAndDelete(ctx context.Context, old *client.Session) error {
	if err := CheckCompareAndDelete(old); err != nil {
		return err
	}
	return k.remove(ctx, old.ID, old, true)
}

func (k *Keyring) remove(ctx context.Context, id string, old *client.Session, cmp bool) error {
	unlock, err := k.rw(ctx, true)
	if err != nil {
		return err
	}
	defer func() { _ = unlock() }()
	if cmp {
		if err := k.compare(ctx, id, old); err != nil {
			return err
		}
	}
	if err := k.deleteValue(ctx, sessionKey(id)); err != nil {
		return k.wrap("delete", id, err)
	}
	if err := k.updateIndex(ctx, func(idx []indexEntry) []indexEntry {
		i := slices.IndexFunc(idx, func(x indexEntry) bool { return x.ID == id })
		if i < 0 {
			return nil
		}
		return slices.Delete(idx, i, i+1)
	}); err != nil {
		return k.wrap("delete", id, err)
	}
	return nil
}

// List implements Store, through the index. A session that cannot be
// decoded is reported in a *ListError beside the others; a keyring that
// does not answer fails the whole List.
func (k *Keyring) List(ctx context.Context, f Filter) ([]*client.Session, error) {
	unlock, err := k.rw(ctx, false)
	if err != nil {
		return nil, err
	}
	defer func() { _ = unlock() }()
	idx, err := k.readIndex(ctx)
	if err != nil {
		return nil, errtext.Errorf("tokenstore: keyring list: %w", err)
	}
	var out []*client.Session
	var lerr ListError
	for _, e := range idx {
		if (f.Provider != "" && e.Provider != f.Provider) || (f.Subject != "" && e.Subject != f.Subject) {
			continue
		}
		s, err := k.load(ctx, e.ID)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		var fe *FormatError
		if errors.As(err, &fe) {
			lerr.Add(e.ID, err)
			continue
		}
		if err != nil {
			return nil, err
		}
		if f.Match(s) {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b *client.Session) int { return strings.Compare(a.ID, b.ID) })
	return out, lerr.Err()
}

// Lock implements Store with a file lock private to the user.
func (k *Keyring) Lock(ctx context.Context, id string) (Unlock, error) {
	if err := CheckID(id); err != nil {
		return nil, err
	}
	return lockFile(ctx, k.lockPath("lock:"+id))
}

// Clear deletes every item of the service from the keyring: all
// sessions and the index.
func (k *Keyring) Clear(ctx context.Context) error {
	unlock, err := k.rw(ctx, true)
	if err != nil {
		return err
	}
	defer func() { _ = unlock() }()
	err = k.call(ctx, func() error { return k.kr.DeleteAll(k.service) })
	if err != nil && !errors.Is(err, keyring.ErrNotFound) {
		return errtext.Errorf("tokenstore: keyring clear: %w", err)
	}
	return nil
}

type indexEntry struct {
	ID       string `json:"id"`
	Provider string `json:"provider,omitempty"`
	Subject  string `json:"subject,omitempty"`
}

func (k *Keyring) readIndex(ctx context.Context) ([]indexEntry, error) {
	data, err := k.readValue(ctx, indexKey, "(index)")
	if errors.Is(err, keyring.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var idx []indexEntry
	if err := json.Unmarshal(data, &idx); err != nil {
		return nil, &FormatError{ID: "(index)", Kind: ErrCorrupt, Err: errors.New(describeJSONError(err))}
	}
	return idx, nil
}

// updateIndex applies change to the index and writes it back unless
// change returns nil. The caller holds the write lock.
func (k *Keyring) updateIndex(ctx context.Context, change func([]indexEntry) []indexEntry) error {
	idx, err := k.readIndex(ctx)
	if err != nil {
		return err
	}
	idx = change(idx)
	if idx == nil {
		return nil
	}
	data, err := json.Marshal(idx)
	if err != nil {
		return err
	}
	return k.writeValue(ctx, indexKey, data)
}

// KeyringAvailable reports whether the OS keyring answers for service
// within timeout (zero: DefaultProbeTimeout, as zero means the default
// everywhere; negative: an error matching client.ErrInvalidRequest): a
// lookup of an item that does not exist must come back "not found". On
// Linux and the BSDs it first checks that a D-Bus session bus is announced
// and returns ErrNoSessionBus at once when none is, so probing never
// starts a dbus-daemon that would outlive the caller.
func KeyringAvailable(ctx context.Context, service string, timeout time.Duration) error {
	if timeout >= 0 && !sessionBusAnnounced() {
		return ErrNoSessionBus
	}
	return keyringAvailable(ctx, goKeyring{}, service, timeout)
}

func keyringAvailable(ctx context.Context, kr keyringBackend, service string, timeout time.Duration) error {
	switch {
	case timeout < 0:
		return invalidOption("KeyringAvailable", "negative timeout")
	case timeout == 0:
		timeout = DefaultProbeTimeout
	}
	k := &Keyring{service: service, timeout: timeout, kr: kr}
	_, err := k.get(ctx, "oauthx-probe")
	if err == nil || errors.Is(err, keyring.ErrNotFound) {
		return nil
	}
	return err
}

package tokenstore

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/internal/errtext"
)

// File is a Store keeping one file per session in a directory: the
// directory is 0700, each file 0600 and written to a temporary file, synced
// and renamed over the old one, so a crash never leaves a half-written
// session. Lock is a file lock (flock(2), LockFileEx on Windows) on a
// companion ".lock" file, shared by every process on the machine.
//
// File refuses to read a session file, or to use a directory, that users
// other than the owner can read or write: see PermissionError. (On Windows,
// where permission bits mean little, it relies on the user's profile ACLs.)
type File struct {
	dir string
}

// ErrInsecurePermissions is matched by a *PermissionError.
var ErrInsecurePermissions = errors.New("tokenstore: file is accessible to other users")

// PermissionError reports a session file or directory whose permissions
// let group or others in. Fix it with chmod 600 (files) or 700 (the
// directory).
type PermissionError struct {
	// Path is the file or directory.
	Path string
	// Mode is its permission bits.
	Mode fs.FileMode
}

// Error names the path and the mode.
func (e *PermissionError) Error() string {
	return fmt.Sprintf("tokenstore: %s has mode %#o: group and others must have no access (chmod go-rwx)", e.Path, e.Mode.Perm())
}

// Is matches ErrInsecurePermissions.
func (e *PermissionError) Is(target error) bool { return target == ErrInsecurePermissions }

// NewFile returns a File store in dir, creating it with mode 0700 if
// needed. An existing dir that group or others can access is refused
// with a *PermissionError.
func NewFile(dir string) (*File, error) {
	if dir == "" {
		return nil, errors.New("tokenstore: NewFile: empty directory")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, errtext.Errorf("tokenstore: NewFile: %w", err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, errtext.Errorf("tokenstore: NewFile: %w", err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, errtext.Errorf("tokenstore: NewFile: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("tokenstore: NewFile: %s is not a directory", abs)
	}
	if err := checkPerm(abs, fi.Mode()); err != nil {
		return nil, err
	}
	removeStaleTemps(abs)
	return &File{dir: abs}, nil
}

// removeStaleTemps deletes temporary files that a process killed during
// Save left behind, once they are old enough not to belong to a Save in
// progress.
func removeStaleTemps(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), ".tmp-") {
			continue
		}
		if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > 10*time.Minute {
			_ = os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// Dir returns the store's directory.
func (f *File) Dir() string { return f.dir }

func checkPerm(path string, mode fs.FileMode) error {
	if runtime.GOOS != "windows" && mode.Perm()&0o077 != 0 {
		return &PermissionError{Path: path, Mode: mode}
	}
	return nil
}

// fileName maps an ID to a file name that is safe on case-insensitive
// file systems (macOS and Windows defaults): "b-" and the ID in unpadded
// lowercase base32 when that is short enough, "h-" and its SHA-256 in
// lowercase hex otherwise.
func fileName(id string) string {
	enc := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString([]byte(id)))
	if len(enc) <= 200 {
		return "b-" + enc
	}
	return hashedName(id)
}

func hashedName(id string) string {
	sum := sha256.Sum256([]byte(id))
	return "h-" + hex.EncodeToString(sum[:])
}

// legacyName is the name earlier versions gave a session file: "s-" and
// the ID in unpadded base64url (mixed case, so two IDs could share one
// file on a case-insensitive file system) when short enough, else the
// hashed name, which has not changed. Load and List read legacy files;
// the next save of the session renames it (writes the new name, removes
// the legacy one). ok is false when the legacy name is the current one
// (a hashed name).
func legacyName(id string) (name string, ok bool) {
	enc := base64.RawURLEncoding.EncodeToString([]byte(id))
	if len(enc) <= 200 {
		return "s-" + enc, true
	}
	return "", false
}

func (f *File) path(id string) string { return filepath.Join(f.dir, fileName(id)+".json") }

// legacyPath is the session's file under its legacyName, if it has one.
func (f *File) legacyPath(id string) (string, bool) {
	name, ok := legacyName(id)
	return filepath.Join(f.dir, name+".json"), ok
}

// Load implements Store. A session saved by an earlier version under
// its legacy file name is read from there.
func (f *File) Load(_ context.Context, id string) (*client.Session, error) {
	if err := CheckID(id); err != nil {
		return nil, err
	}
	return f.readAny(id)
}

// readAny reads the session file of id, or its legacy file when there
// is none.
func (f *File) readAny(id string) (*client.Session, error) {
	s, err := f.read(id, f.path(id))
	if legacy, ok := f.legacyPath(id); ok && errors.Is(err, ErrNotFound) {
		return f.read(id, legacy)
	}
	return s, err
}

func (f *File) read(id, path string) (*client.Session, error) {
	fh, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, NotFound(id)
	}
	if err != nil {
		return nil, errtext.Errorf("tokenstore: load %s: %w", strconv.Quote(id), err)
	}
	defer fh.Close()
	fi, err := fh.Stat()
	if err != nil {
		return nil, errtext.Errorf("tokenstore: load %s: %w", strconv.Quote(id), err)
	}
	if err := checkPerm(path, fi.Mode()); err != nil {
		return nil, err
	}
	const maxSize = 4 << 20
	if fi.Size() > maxSize {
		return nil, &FormatError{ID: id, Kind: ErrCorrupt, Err: errors.New("file larger than 4 MiB")}
	}
	data := make([]byte, fi.Size())
	if _, err := fh.ReadAt(data, 0); err != nil && fi.Size() > 0 {
		return nil, errtext.Errorf("tokenstore: load %s: %w", strconv.Quote(id), err)
	}
	return Decode(id, data)
}

// Save implements Store: temp file, fsync, rename, fsync of the
// directory, under the session's write lock.
func (f *File) Save(ctx context.Context, s *client.Session) error {
	return f.write(ctx, nil, s, false)
}

// CompareAndSave implements Store: under the session's write lock (a
// file lock every writer of the directory takes, in every process) it
// re-reads the file, compares, and writes as Save does.
func (f *File) CompareAndSave(ctx context.Context, old, s *client.Session) error {
	if err := CheckCompareAndSave(old, s); err != nil {
		return err
	}
	return f.write(ctx, old, s, true)
}

// write saves s, comparing the stored session with old first if cmp.
func (f *File) write(ctx context.Context, old, s *client.Session, cmp bool) error {
	data, err := Encode(s)
	if err != nil {
		return err
	}
	unlock, err := f.writeLock(ctx, s.ID)
	if err != nil {
		return err
	}
	defer func() { _ = unlock() }()
	if cmp {
		cur, err := f.readAny(s.ID)
		if err := CheckBase(s.ID, old, cur, err); err != nil {
			return err
		}
	}
	if err := writeFileAtomic(f.path(s.ID), data); err != nil {
		return errtext.Errorf("tokenstore: save %s: %w", strconv.Quote(s.ID), err)
	}
	// Renamed: the legacy file, if any, is superseded.
	return f.removeLegacy(s.ID, "save")
}

// removeLegacy removes the legacy file of id, if there is one.
func (f *File) removeLegacy(id, op string) error {
	legacy, ok := f.legacyPath(id)
	if !ok {
		return nil
	}
	if err := os.Remove(legacy); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return errtext.Errorf("tokenstore: %s %s: remove the file under its old name: %w", op, strconv.Quote(id), err)
	}
	return nil
}

// writeLock takes the lock that orders the writers of one session
// (Save, Delete and their compare-and-set forms). Readers need none: a
// file is replaced by one rename.
func (f *File) writeLock(ctx context.Context, id string) (Unlock, error) {
	return lockFile(ctx, filepath.Join(f.dir, fileName(id)+".w.lock"))
}

func writeFileAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".tmp-*") // mode 0600
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(0o600); err != nil && runtime.GOOS != "windows" {
		return err
	}
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	syncDir(dir)
	return nil
}

// syncDir makes a rename durable. Best effort: not every platform can
// open a directory for syncing.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}

// Delete implements Store.
func (f *File) Delete(ctx context.Context, id string) error {
	if err := CheckID(id); err != nil {
		return err
	}
	return f.remove(ctx, id, nil, false)
}

// CompareAndDelete implements Store under the session's write lock.
func (f *File) CompareAndDelete(ctx context.Context, old *client.Session) error {
	if err := CheckCompareAndDelete(old); err != nil {
		return err
	}
	return f.remove(ctx, old.ID, old, true)
}

// remove deletes the file of id, comparing it with old first if cmp.
func (f *File) remove(ctx context.Context, id string, old *client.Session, cmp bool) error {
	unlock, err := f.writeLock(ctx, id)
	if err != nil {
		return err
	}
	defer func() { _ = unlock() }()
	if cmp {
		cur, err := f.readAny(id)
		if err := CheckBase(id, old, cur, err); err != nil {
			return err
		}
	}
	if err := os.Remove(f.path(id)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return errtext.Errorf("tokenstore: delete %s: %w", strconv.Quote(id), err)
	}
	if err := f.removeLegacy(id, "delete"); err != nil {
		return err
	}
	syncDir(f.dir)
	return nil
}

// List implements Store. It reads every session file of the directory
// (legacy names included; a session under both names is listed once,
// from its current file). A file that cannot be read (corrupt, a newer
// format, unsafe permissions) is reported in a *ListError beside the
// others.
func (f *File) List(_ context.Context, flt Filter) ([]*client.Session, error) {
	entries, err := os.ReadDir(f.dir)
	if err != nil {
		return nil, errtext.Errorf("tokenstore: list: %w", err)
	}
	byID := map[string]*client.Session{}
	current := map[string]bool{} // read from its current file name
	var lerr ListError
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || !strings.HasSuffix(name, ".json") {
			continue
		}
		path := filepath.Join(f.dir, name)
		id, ok := idFromName(name)
		var s *client.Session
		switch {
		case ok:
			s, err = f.read(id, path)
		case strings.HasPrefix(name, "h-"):
			s, err = f.readHashed(path) // learn the ID from the content
			id = name
		default:
			continue
		}
		if errors.Is(err, ErrNotFound) {
			continue // deleted meanwhile
		}
		if err != nil {
			lerr.Add(id, err)
			continue
		}
		isCurrent := f.path(s.ID) == path
		if prev := byID[s.ID]; prev != nil && current[s.ID] && !isCurrent {
			continue
		}
		byID[s.ID], current[s.ID] = s, isCurrent
	}
	out := make([]*client.Session, 0, len(byID))
	for _, s := range byID {
		if flt.Match(s) {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b *client.Session) int { return strings.Compare(a.ID, b.ID) })
	return out, lerr.Err()
}

// idFromName decodes the ID from a current ("b-") or legacy ("s-") file
// name.
func idFromName(name string) (string, bool) {
	base := strings.TrimSuffix(name, ".json")
	var b []byte
	var err error
	if enc, ok := strings.CutPrefix(base, "b-"); ok {
		b, err = base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(enc))
	} else if enc, ok := strings.CutPrefix(base, "s-"); ok {
		b, err = base64.RawURLEncoding.DecodeString(enc)
	} else {
		return "", false
	}
	if err != nil {
		return "", false
	}
	return string(b), true
}

// readHashed reads a file named by hash: the ID inside must hash to the
// name.
func (f *File) readHashed(path string) (*client.Session, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, errtext.Errorf("tokenstore: list: %w", err)
	}
	var env struct {
		Session struct {
			ID string `json:"id"`
		} `json:"session"`
	}
	name := filepath.Base(path)
	_ = json.Unmarshal(data, &env)
	if env.Session.ID == "" || hashedName(env.Session.ID)+".json" != name {
		return nil, &FormatError{ID: name, Kind: ErrCorrupt, Err: errors.New("file name does not match the session ID inside")}
	}
	return f.read(env.Session.ID, path)
}

// Lock implements Store with a file lock on "<session file>.lock".
func (f *File) Lock(ctx context.Context, id string) (Unlock, error) {
	if err := CheckID(id); err != nil {
		return nil, err
	}
	return lockFile(ctx, filepath.Join(f.dir, fileName(id)+".lock"))
}

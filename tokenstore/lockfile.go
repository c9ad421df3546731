package tokenstore

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/gofrs/flock"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/internal/errtext"
)

// lockFile takes an exclusive flock(2) (LockFileEx on Windows) on path,
// creating it 0600, polling until it is free or ctx is done. The kernel
// releases the lock when the process dies, so a crashed holder never
// leaves it taken.
func lockFile(ctx context.Context, path string) (Unlock, error) {
	return lockFileMode(ctx, path, false)
}

// lockFileMode takes a shared lock when shared is true, else an exclusive
// one.
func lockFileMode(ctx context.Context, path string, shared bool) (Unlock, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, errtext.Errorf("tokenstore: lock directory: %w", err)
	}
	fl := flock.New(path, flock.SetPermissions(0o600))
	delay := time.Millisecond
	for {
		try := fl.TryLock
		if shared {
			try = fl.TryRLock
		}
		ok, err := try()
		if err != nil {
			return nil, errtext.Errorf("tokenstore: lock %s: %w", path, err)
		}
		if ok {
			var once sync.Once
			return func() error {
				var err error
				once.Do(func() { err = fl.Unlock() })
				return err
			}, nil
		}
		if err := client.Sleep(ctx, delay); err != nil {
			_ = fl.Close()
			return nil, err
		}
		if delay < 20*time.Millisecond {
			delay *= 2
		}
	}
}

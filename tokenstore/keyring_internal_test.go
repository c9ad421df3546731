package tokenstore

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/zalando/go-keyring"

	"github.com/oauthx/oauthx/client"
)

// hangingKeyring never answers, like a Secret Service stuck behind an
// unlock prompt.
type hangingKeyring struct{ release chan struct{} }

func (h hangingKeyring) Set(string, string, string) error { <-h.release; return nil }
func (h hangingKeyring) Get(string, string) (string, error) {
	<-h.release
	return "", nil
}
func (h hangingKeyring) Delete(string, string) error { <-h.release; return nil }
func (h hangingKeyring) DeleteAll(string) error      { <-h.release; return nil }

func TestKeyringTimeout(t *testing.T) {
	t.Parallel()
	hk := hangingKeyring{release: make(chan struct{})}
	defer close(hk.release)
	k, err := NewKeyring("svc", WithKeyringTimeout(50*time.Millisecond), WithLockDir(t.TempDir()))
	require.NoError(t, err)
	k.kr = hk
	ctx := context.Background()
	start := time.Now()
	_, err = k.Load(ctx, "x")
	require.ErrorIs(t, err, ErrKeyringTimeout)
	err = k.Save(ctx, &client.Session{ID: "x", AccessToken: "at-sentinel"})
	require.ErrorIs(t, err, ErrKeyringTimeout)
	require.NotContains(t, err.Error(), "sentinel")
	require.ErrorIs(t, k.Delete(ctx, "x"), ErrKeyringTimeout)
	_, err = k.List(ctx, Filter{})
	require.ErrorIs(t, err, ErrKeyringTimeout)
	require.Less(t, time.Since(start), 2*time.Second)

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = k.Load(cctx, "x")
	require.ErrorIs(t, err, context.Canceled)
}

// sizeChecking wraps the real keyring and records the largest item.
type sizeChecking struct {
	keyringBackend
	mu      sync.Mutex
	largest int
}

func (s *sizeChecking) Set(service, user, password string) error {
	s.mu.Lock()
	s.largest = max(s.largest, len(password))
	s.mu.Unlock()
	return s.keyringBackend.Set(service, user, password)
}

func TestKeyringChunksFitPlatformLimits(t *testing.T) {
	t.Parallel()
	if err := KeyringAvailable(context.Background(), "oauthx-test", 5*time.Second); err != nil {
		requireOrSkip(t, err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	k, err := NewKeyring("oauthx-test-"+hex.EncodeToString(b), WithLockDir(t.TempDir()))
	require.NoError(t, err)
	sc := &sizeChecking{keyringBackend: goKeyring{}}
	k.kr = sc
	ctx := context.Background()
	defer func() { _ = k.Clear(ctx) }()

	id := strings.Repeat("i", MaxIDLength)
	s := &client.Session{ID: id, Provider: "generic", AccessToken: "at", Extra: map[string]any{"blob": strings.Repeat("é", 5<<10)}}
	require.NoError(t, k.Save(ctx, s))
	got, err := k.Load(ctx, id)
	require.NoError(t, err)
	require.Equal(t, s.Extra, got.Extra)

	// Windows: 2560 bytes a credential blob. macOS: go-keyring refuses a
	// `security` command line over 4096 bytes, with the password base64
	// encoded again and the service and account names on it.
	require.LessOrEqual(t, sc.largest, 2560)
	macCmd := len("add-generic-password -U -s '' -a '' -w 'go-keyring-base64:'\n") + len(k.service) +
		len("chunk:a:99:session:") + len(id) + base64.StdEncoding.EncodedLen(sc.largest)
	require.LessOrEqual(t, macCmd, 4096)

	// A value that went from chunked to inline leaves no chunks behind.
	require.NoError(t, k.Save(ctx, &client.Session{ID: id, AccessToken: "small"}))
	for _, slot := range []string{"a", "b"} {
		_, err := goKeyring{}.Get(k.service, chunkKey(sessionKey(id), slot, 0))
		require.Error(t, err, "slot %s chunk 0 should be gone", slot)
	}
}

// requireOrSkip is storetest.ServiceMissing for this package's internal
// tests (storetest imports tokenstore).
func requireOrSkip(t *testing.T, err error) {
	t.Helper()
	if os.Getenv("OAUTHX_REQUIRE_SERVICES") == "1" {
		t.Fatalf("Secret Service (OS keyring) is required (OAUTHX_REQUIRE_SERVICES=1) but unavailable: %v", err)
	}
	t.Skipf("skipping: Secret Service (OS keyring) unavailable: %v", err)
}

// answeringKeyring answers every lookup at once: the item is not there.
type answeringKeyring struct{}

func (answeringKeyring) Set(string, string, string) error { return nil }
func (answeringKeyring) Get(string, string) (string, error) {
	return "", keyring.ErrNotFound
}
func (answeringKeyring) Delete(string, string) error { return nil }
func (answeringKeyring) DeleteAll(string) error      { return nil }

// A zero probe timeout means the default, not "time out at once"; a
// negative one is refused.
func TestKeyringAvailableTimeouts(t *testing.T) {
	t.Parallel()
	for range 20 {
		require.NoError(t, keyringAvailable(context.Background(), answeringKeyring{}, "svc", 0))
	}
	require.ErrorIs(t, keyringAvailable(context.Background(), answeringKeyring{}, "svc", -time.Second), client.ErrInvalidRequest)
	require.ErrorIs(t, KeyringAvailable(context.Background(), "svc", -time.Second), client.ErrInvalidRequest)
}

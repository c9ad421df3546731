package tokenstore_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/internal/errtext/errtexttest"
	"github.com/oauthx/oauthx/providertest"
	"github.com/oauthx/oauthx/tokenstore"
	"github.com/oauthx/oauthx/tokenstore/storetest"
)

// Every sentinel and error type of the package, and what real calls
// return (a refresh the store would not save, a dead grant, a corrupt
// record, a directory others can read, a compare-and-set conflict, a bad
// ID, a missing session), say each label once.
func TestErrorsReadOnce(t *testing.T) {
	ctx := context.Background()
	f := providertest.NewGeneric()
	defer f.Close()
	c := loginClient(t, f)

	// A refresh whose rotated session the store refuses to save.
	flaky := &storetest.FlakyStore{Store: tokenstore.NewMemory()}
	s, err := c.ExchangeCode(ctx, f.IssueCode(""))
	require.NoError(t, err)
	s.ID, s.Expiry = "me", time.Now().Add(-time.Minute)
	require.NoError(t, flaky.Save(ctx, s))
	flaky.FailWrites.Store(100)
	r, err := tokenstore.NewRefresher(flaky, tokenstore.RefreshWith(c))
	require.NoError(t, err)
	_, unsaved := r.Renew(ctx, "me")
	var se *tokenstore.SaveError
	require.ErrorAs(t, unsaved, &se)

	// A dead grant.
	st := tokenstore.NewMemory()
	require.NoError(t, st.Save(ctx, &client.Session{ID: "dead", Provider: "generic", AccessToken: "a", RefreshToken: "spent", Expiry: time.Now().Add(-time.Minute)}))
	r, err = tokenstore.NewRefresher(st, tokenstore.RefreshWith(c))
	require.NoError(t, err)
	_, dead := r.Renew(ctx, "dead")
	require.ErrorIs(t, dead, client.ErrReauthorize)

	_, corrupt := tokenstore.Decode("me", []byte(`{"v":1,"session":`))
	require.ErrorIs(t, corrupt, tokenstore.ErrCorrupt)
	_, future := tokenstore.Decode("me", []byte(`{"v":99,"session":{}}`))
	require.ErrorIs(t, future, tokenstore.ErrFutureFormat)
	var le tokenstore.ListError
	le.Add("me", corrupt)
	dir := filepath.Join(t.TempDir(), "open")
	require.NoError(t, os.Mkdir(dir, 0o755))
	require.NoError(t, os.Chmod(dir, 0o755))
	_, open := tokenstore.NewFile(dir)
	require.ErrorIs(t, open, tokenstore.ErrInsecurePermissions)
	conflict := st.CompareAndSave(ctx, storetest.Sample("x"), storetest.Sample("x"))
	require.ErrorIs(t, conflict, tokenstore.ErrConflict)
	_, missing := st.Load(ctx, "nobody")
	require.ErrorIs(t, missing, tokenstore.ErrNotFound)
	badID := tokenstore.CheckID("")
	require.ErrorIs(t, badID, tokenstore.ErrInvalidSession)
	timeout := fmt.Errorf("%w (%v, service %s)", tokenstore.ErrKeyringTimeout, 3*time.Second, `"svc"`)

	errtexttest.Covers(t, map[string]error{
		"ErrConflict": tokenstore.ErrConflict, "ErrCorrupt": tokenstore.ErrCorrupt,
		"ErrFutureFormat": tokenstore.ErrFutureFormat, "ErrInsecurePermissions": tokenstore.ErrInsecurePermissions,
		"ErrInvalidSession": tokenstore.ErrInvalidSession, "ErrKeyringTimeout": tokenstore.ErrKeyringTimeout,
		"ErrLockLost": tokenstore.ErrLockLost, "ErrNoSessionBus": tokenstore.ErrNoSessionBus,
		"ErrNotFound": tokenstore.ErrNotFound, "ErrRenewalInDoubt": tokenstore.ErrRenewalInDoubt,
		"ErrStillStale": tokenstore.ErrStillStale,
	},
		unsaved, dead, corrupt, future, le.Err(), open, conflict, missing, badID, timeout,
		&tokenstore.SaveError{ID: "me", Err: conflict},
	)
}

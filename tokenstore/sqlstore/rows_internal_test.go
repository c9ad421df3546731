package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/tokenstore"
	"github.com/oauthx/oauthx/tokenstore/storetest"
)

var errRowsAffected = errors.New("driver cannot count rows")

// uncountedTx is a real transaction whose results cannot say how many
// rows they affected, as some drivers' cannot.
type uncountedTx struct{ *sql.Tx }

type uncounted struct{ sql.Result }

func (uncounted) RowsAffected() (int64, error) { return 0, errRowsAffected }

func (tx uncountedTx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	res, err := tx.Tx.ExecContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return uncounted{res}, nil
}

// TestRowsAffectedErrorIsNotAConflict: a driver that cannot report the
// rows a compare-and-set wrote fails the write with its own error; it
// is not a conflict (which would make the refresher adopt whatever is
// stored and drop its renewal).
func TestRowsAffectedErrorIsNotAConflict(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, db := internalStore(t)
	for _, tc := range []struct {
		name string
		old  bool
	}{{"Insert", false}, {"Update", true}} {
		s := storetest.Sample("rows-" + tc.name)
		base := s.Clone()
		if tc.old {
			require.NoError(t, st.Save(ctx, base))
		} else {
			base = nil
		}
		next := s.Clone()
		next.AccessToken = "at-next"
		v, err := tokenstore.Encode(next)
		require.NoError(t, err)
		tx, err := db.BeginTx(ctx, nil)
		require.NoError(t, err)
		err = wrapTx("save", next.ID, st.casTx(ctx, uncountedTx{tx}, base, next, v))
		_ = tx.Rollback()
		require.ErrorIs(t, err, errRowsAffected, tc.name)
		require.NotErrorIs(t, err, tokenstore.ErrConflict, tc.name)
	}
}

// Package storetest holds the conformance suite every tokenstore.Store
// passes, and the cross-process harness (refresh storm, crash during
// save) the module's stores are tested with. Use Run for a Store of your
// own.
package storetest

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/tokenstore"
)

// Sample returns a session with every field set, for round-trip tests.
// Its tokens are unique to id, and so is its DPoP key (an Ed25519 key
// derived from id: two calls give equal sessions).
func Sample(id string) *client.Session {
	seed := sha256.Sum256([]byte("storetest dpop key " + id))
	key, err := client.NewDPoPKey(ed25519.NewKeyFromSeed(seed[:]))
	if err != nil {
		panic("storetest: " + err.Error()) // an Ed25519 key is always accepted
	}
	return &client.Session{
		DPoPKey:       key,
		ID:            id,
		Provider:      "generic",
		Subject:       "subject-of-" + id,
		AccessToken:   "at-sentinel-" + id,
		TokenType:     "Bearer",
		RefreshToken:  "rt-sentinel-" + id,
		Expiry:        time.Date(2031, 2, 3, 4, 5, 6, 7000, time.UTC),
		RefreshExpiry: time.Date(2031, 5, 3, 4, 5, 6, 0, time.UTC),
		Scopes:        []string{"read", "write"},
		IDToken:       "idt-sentinel-" + id,
		IssuedAt:      time.Date(2031, 2, 3, 3, 5, 6, 0, time.UTC),
		Extra: map[string]any{
			"shop":  "a.myshopify.com",
			"count": json.Number("42"),
			"user":  map[string]any{"id": json.Number("7"), "email": "x@example.com", "owner": true},
			"list":  []any{"a", json.Number("1.5"), nil},
		},
	}
}

// Equal fails t unless want and got hold the same session (times compared
// as instants).
func Equal(t testing.TB, want, got *client.Session) {
	t.Helper()
	require.NotNil(t, got)
	require.True(t, want.Expiry.Equal(got.Expiry), "Expiry: want %v, got %v", want.Expiry, got.Expiry)
	require.True(t, want.RefreshExpiry.Equal(got.RefreshExpiry), "RefreshExpiry: want %v, got %v", want.RefreshExpiry, got.RefreshExpiry)
	require.True(t, want.IssuedAt.Equal(got.IssuedAt), "IssuedAt: want %v, got %v", want.IssuedAt, got.IssuedAt)
	w, g := *want, *got
	w.Expiry, w.RefreshExpiry, w.IssuedAt = time.Time{}, time.Time{}, time.Time{}
	g.Expiry, g.RefreshExpiry, g.IssuedAt = time.Time{}, time.Time{}, time.Time{}
	wj, err := json.Marshal(w)
	require.NoError(t, err)
	gj, err := json.Marshal(g)
	require.NoError(t, err)
	require.JSONEq(t, string(wj), string(gj))
	require.Equal(t, w.Extra, g.Extra)
	if want.DPoPKey != nil {
		require.NotNil(t, got.DPoPKey, "the DPoP key is stored with the session")
		require.Equal(t, want.DPoPKey.Thumbprint(), got.DPoPKey.Thumbprint())
	}
}

// Run runs the conformance suite, the refresh-protocol suite
// (RunRefresh) included. newStore returns a store with no sessions,
// isolated from the stores of other calls (a fresh directory, a unique
// key prefix, a unique keyring service); subtests run in parallel.
func Run(t *testing.T, newStore func(t *testing.T) tokenstore.Store) {
	t.Helper()
	t.Run("Refresh", func(t *testing.T) {
		t.Parallel()
		RunRefresh(t, newStore)
	})
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, st tokenstore.Store)
	}{
		{"LoadMissing", testLoadMissing},
		{"RoundTrip", testRoundTrip},
		{"Overwrite", testOverwrite},
		{"Delete", testDelete},
		{"List", testList},
		{"InvalidInput", testInvalid},
		{"AwkwardIDs", testAwkwardIDs},
		{"LargeSession", testLarge},
		{"ReturnsCopies", testCopies},
		{"LockExcludes", testLockExcludes},
		{"LockMutualExclusion", testLockMutex},
		{"ConcurrentSaves", testConcurrentSaves},
		{"CompareAndSave", testCompareAndSave},
		{"CompareAndDelete", testCompareAndDelete},
		{"CompareInvalid", testCompareInvalid},
		{"ConcurrentCompareAndSave", testConcurrentCompareAndSave},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newStore(t))
		})
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func testLoadMissing(t *testing.T, st tokenstore.Store) {
	ctx := ctxT(t)
	s, err := st.Load(ctx, "nobody")
	require.ErrorIs(t, err, tokenstore.ErrNotFound)
	require.ErrorIs(t, err, client.ErrSessionNotFound, "tokenstore.ErrNotFound matches client.ErrSessionNotFound")
	require.Nil(t, s)
	list, err := st.List(ctx, tokenstore.Filter{})
	require.NoError(t, err)
	require.Empty(t, list)
}

func testRoundTrip(t *testing.T, st tokenstore.Store) {
	ctx := ctxT(t)
	for _, tc := range []struct {
		name string
		s    *client.Session
	}{
		{"AllFields", Sample("full")},
		{"Minimal", &client.Session{ID: "min", Provider: "finch", AccessToken: "at-min"}},
		{"NeverExpires", &client.Session{ID: "finch:conn", Provider: "finch", Subject: "conn", AccessToken: "at", TokenType: "Bearer"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.NoError(t, st.Save(ctx, tc.s))
			got, err := st.Load(ctx, tc.s.ID)
			require.NoError(t, err)
			Equal(t, tc.s, got)
		})
	}
	got, err := st.Load(ctx, "finch:conn")
	require.NoError(t, err)
	assert.True(t, got.NeverExpires(), "a zero Expiry must survive the store")
}

func testOverwrite(t *testing.T, st tokenstore.Store) {
	ctx := ctxT(t)
	a := Sample("s1")
	require.NoError(t, st.Save(ctx, a))
	b := Sample("s1")
	b.AccessToken, b.RefreshToken, b.Extra = "at-2", "rt-2", nil
	require.NoError(t, st.Save(ctx, b))
	got, err := st.Load(ctx, "s1")
	require.NoError(t, err)
	Equal(t, b, got)
	list, err := st.List(ctx, tokenstore.Filter{})
	require.NoError(t, err)
	require.Len(t, list, 1)
}

func testDelete(t *testing.T, st tokenstore.Store) {
	ctx := ctxT(t)
	require.NoError(t, st.Save(ctx, Sample("d1")))
	require.NoError(t, st.Save(ctx, Sample("d2")))
	require.NoError(t, st.Delete(ctx, "d1"))
	_, err := st.Load(ctx, "d1")
	require.ErrorIs(t, err, tokenstore.ErrNotFound)
	require.NoError(t, st.Delete(ctx, "d1"), "deleting a missing session is not an error")
	got, err := st.Load(ctx, "d2")
	require.NoError(t, err)
	Equal(t, Sample("d2"), got)
	list, err := st.List(ctx, tokenstore.Filter{})
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.Equal(t, "d2", list[0].ID)
}

func testList(t *testing.T, st tokenstore.Store) {
	ctx := ctxT(t)
	mk := func(id, provider, subject string) {
		s := Sample(id)
		s.Provider, s.Subject = provider, subject
		require.NoError(t, st.Save(ctx, s))
	}
	mk("shopify:offline_a.myshopify.com", "shopify", "a.myshopify.com")
	mk("shopify:a.myshopify.com_7", "shopify", "a.myshopify.com")
	mk("shopify:offline_b.myshopify.com", "shopify", "b.myshopify.com")
	mk("finch:conn-1", "finch", "conn-1")
	mk("generic:x", "generic", "a.myshopify.com")
	ids := func(f tokenstore.Filter) []string {
		list, err := st.List(ctx, f)
		require.NoError(t, err)
		out := []string{}
		for _, s := range list {
			require.True(t, f.Match(s))
			out = append(out, s.ID)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		f    tokenstore.Filter
		want []string
	}{
		{"All", tokenstore.Filter{}, []string{"finch:conn-1", "generic:x", "shopify:a.myshopify.com_7", "shopify:offline_a.myshopify.com", "shopify:offline_b.myshopify.com"}},
		{"Provider", tokenstore.Filter{Provider: "shopify"}, []string{"shopify:a.myshopify.com_7", "shopify:offline_a.myshopify.com", "shopify:offline_b.myshopify.com"}},
		{"Subject", tokenstore.Filter{Subject: "a.myshopify.com"}, []string{"generic:x", "shopify:a.myshopify.com_7", "shopify:offline_a.myshopify.com"}},
		{"Both", tokenstore.Filter{Provider: "shopify", Subject: "a.myshopify.com"}, []string{"shopify:a.myshopify.com_7", "shopify:offline_a.myshopify.com"}},
		{"None", tokenstore.Filter{Provider: "passport"}, []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) { require.Equal(t, tc.want, ids(tc.f)) })
	}
	list, err := st.List(ctx, tokenstore.Filter{Provider: "finch"})
	require.NoError(t, err)
	require.Len(t, list, 1)
	want := Sample("finch:conn-1")
	want.Provider, want.Subject = "finch", "conn-1"
	Equal(t, want, list[0])
}

func testInvalid(t *testing.T, st tokenstore.Store) {
	ctx := ctxT(t)
	require.ErrorIs(t, st.Save(ctx, nil), tokenstore.ErrInvalidSession)
	for _, tc := range []struct{ name, id string }{
		{"Empty", ""},
		{"TooLong", strings.Repeat("x", tokenstore.MaxIDLength+1)},
		{"Control", "a\nb"},
		{"NotUTF8", "a\xffb"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := Sample(tc.id)
			require.ErrorIs(t, st.Save(ctx, s), tokenstore.ErrInvalidSession)
			_, err := st.Load(ctx, tc.id)
			require.ErrorIs(t, err, tokenstore.ErrInvalidSession)
			require.ErrorIs(t, st.Delete(ctx, tc.id), tokenstore.ErrInvalidSession)
			_, err = st.Lock(ctx, tc.id)
			require.ErrorIs(t, err, tokenstore.ErrInvalidSession)
		})
	}
}

func testAwkwardIDs(t *testing.T, st tokenstore.Store) {
	ctx := ctxT(t)
	ids := []string{
		"shopify:offline_shop.myshopify.com",
		"../../etc/passwd",
		"a/b\\c:d*e?f\"g<h>i|j",
		"商店_42 with spaces",
		".", "..",
		strings.Repeat("long-", tokenstore.MaxIDLength/5) + "xy",
		"CaseSensitive", "casesensitive",
	}
	for _, id := range ids {
		require.NoError(t, st.Save(ctx, Sample(id)), "id %q", id)
	}
	for _, id := range ids {
		got, err := st.Load(ctx, id)
		require.NoError(t, err, "id %q", id)
		Equal(t, Sample(id), got)
	}
	list, err := st.List(ctx, tokenstore.Filter{})
	require.NoError(t, err)
	require.Len(t, list, len(ids))
	for _, id := range ids {
		require.NoError(t, st.Delete(ctx, id))
	}
	list, err = st.List(ctx, tokenstore.Filter{})
	require.NoError(t, err)
	require.Empty(t, list)
}

func testLarge(t *testing.T, st tokenstore.Store) {
	ctx := ctxT(t)
	s := Sample("large")
	s.Extra["blob"] = strings.Repeat("0123456789abcdé", 1000) // ~16 KB, non-ASCII too
	s.IDToken = strings.Repeat("J", 4000)
	require.NoError(t, st.Save(ctx, s))
	got, err := st.Load(ctx, "large")
	require.NoError(t, err)
	Equal(t, s, got)
	// Shrinking must not leave pieces of the big value behind.
	small := Sample("large")
	require.NoError(t, st.Save(ctx, small))
	got, err = st.Load(ctx, "large")
	require.NoError(t, err)
	Equal(t, small, got)
}

func testCopies(t *testing.T, st tokenstore.Store) {
	ctx := ctxT(t)
	s := Sample("copy")
	require.NoError(t, st.Save(ctx, s))
	s.AccessToken = "changed after save"
	s.Extra["user"].(map[string]any)["email"] = "changed"
	got, err := st.Load(ctx, "copy")
	require.NoError(t, err)
	Equal(t, Sample("copy"), got)
	got.Scopes[0] = "mutated"
	again, err := st.Load(ctx, "copy")
	require.NoError(t, err)
	Equal(t, Sample("copy"), again)
}

func testLockExcludes(t *testing.T, st tokenstore.Store) {
	ctx := ctxT(t)
	unlock, err := st.Lock(ctx, "lk")
	require.NoError(t, err)

	short, cancel := context.WithTimeout(ctx, 150*time.Millisecond)
	_, err = st.Lock(short, "lk")
	cancel()
	require.ErrorIs(t, err, context.DeadlineExceeded, "a held lock must not be granted twice")

	other, err := st.Lock(ctx, "lk-other")
	require.NoError(t, err, "locks of different IDs are independent")
	require.NoError(t, other())

	// Lock does not keep data operations out.
	require.NoError(t, st.Save(ctx, Sample("lk")))
	_, err = st.Load(ctx, "lk")
	require.NoError(t, err)

	got := make(chan error, 1)
	go func() {
		u, err := st.Lock(ctx, "lk")
		if err == nil {
			err = u()
		}
		got <- err
	}()
	select {
	case err := <-got:
		t.Fatalf("lock granted while held: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	require.NoError(t, unlock())
	select {
	case err := <-got:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("lock not granted after unlock")
	}
}

func testLockMutex(t *testing.T, st tokenstore.Store) {
	ctx := ctxT(t)
	var inside, maxInside, total atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 5 {
				unlock, err := st.Lock(ctx, "mutex")
				if !assert.NoError(t, err) {
					return
				}
				n := inside.Add(1)
				for {
					m := maxInside.Load()
					if n <= m || maxInside.CompareAndSwap(m, n) {
						break
					}
				}
				time.Sleep(time.Millisecond)
				total.Add(1)
				inside.Add(-1)
				assert.NoError(t, unlock())
			}
		})
	}
	wg.Wait()
	require.Equal(t, int32(1), maxInside.Load(), "two holders at once")
	require.Equal(t, int32(40), total.Load())
}

func testConcurrentSaves(t *testing.T, st tokenstore.Store) {
	ctx := ctxT(t)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 5 {
				s := Sample("race")
				s.AccessToken = fmt.Sprintf("at-%d-%d", g, i)
				s.Extra["pad"] = strings.Repeat("p", 300*g) // different sizes
				assert.NoError(t, st.Save(ctx, s))
				got, err := st.Load(ctx, "race")
				if assert.NoError(t, err) {
					assert.True(t, strings.HasPrefix(got.AccessToken, "at-"))
				}
			}
		})
	}
	wg.Wait()
	got, err := st.Load(ctx, "race")
	require.NoError(t, err)
	require.Equal(t, "race", got.ID)
}

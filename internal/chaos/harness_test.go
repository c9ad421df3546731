package chaos

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/tokenstore"
)

// Tests of the suite's own instruments: a scenario is only as good as
// the provider front that counts and the faults that are injected.

func TestProviderFront(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("a reused refresh token revokes its family", func(t *testing.T) {
		t.Parallel()
		p := newProvider(t, 0)
		c := p.client(t)
		s := p.login(t, c, "reuse")
		fam := p.familyOf(s.RefreshToken)
		require.NotNil(t, fam)
		s2, err := c.Refresh(ctx, s)
		require.NoError(t, err)
		assert.Equal(t, s2.RefreshToken, p.liveRefresh(fam))
		assert.True(t, p.honoured(s2.AccessToken, time.Now()))
		assert.True(t, p.spentToken(s.RefreshToken))

		_, err = c.Refresh(ctx, s) // reuse
		require.ErrorIs(t, err, client.ErrReauthorize)
		assert.Empty(t, p.liveRefresh(fam), "the family must be revoked")
		assert.False(t, p.honoured(s2.AccessToken, time.Now()), "a revoked family's access token is not honoured")
		_, err = c.Refresh(ctx, s2)
		require.ErrorIs(t, err, client.ErrReauthorize, "a revoked family's refresh token is refused")
		reqs := p.refreshRequests(fam)
		require.Len(t, reqs, 3)
		assert.Equal(t, []bool{true, false, false}, []bool{reqs[0].ok, reqs[1].ok, reqs[2].ok})
		assert.False(t, p.honoured("at_never_issued", time.Now()))
	})
	t.Run("a redirect answer, and the other host counts what it is sent", func(t *testing.T) {
		t.Parallel()
		p := newProvider(t, 0)
		p.redirectNext(http.StatusTemporaryRedirect, p.other.URL+"/oauth2/token")
		hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"rt_x"}, "client_id": {p.ClientID}, "client_secret": {p.ClientSecret}}
		resp, err := hc.PostForm(p.URL+"/oauth2/token", form)
		require.NoError(t, err)
		_ = resp.Body.Close()
		assert.Equal(t, http.StatusTemporaryRedirect, resp.StatusCode)
		assert.Equal(t, p.other.URL+"/oauth2/token", resp.Header.Get("Location"))
		assert.Equal(t, 1, p.sentHere("rt_x"))

		resp, err = hc.PostForm(p.other.URL+"/oauth2/token", url.Values{"grant_type": {"client_credentials"}})
		require.NoError(t, err)
		_ = resp.Body.Close()
		n, leaks := p.other.counts()
		assert.Equal(t, 1, n)
		assert.Zero(t, leaks, "a request without secrets is not a leak")
		resp, err = hc.PostForm(p.other.URL+"/oauth2/token", form)
		require.NoError(t, err)
		_ = resp.Body.Close()
		_, leaks = p.other.counts()
		assert.Equal(t, 1, leaks)
	})
	t.Run("the refresh hook runs before the answer is sent", func(t *testing.T) {
		t.Parallel()
		p := newProvider(t, 0)
		c := p.client(t)
		s := p.login(t, c, "hook")
		entered, release := make(chan string, 1), make(chan struct{})
		p.onRefresh(func(rt string) {
			entered <- rt
			<-release
		})
		done := make(chan error, 1)
		go func() {
			_, err := c.Refresh(ctx, s)
			done <- err
		}()
		assert.Equal(t, s.RefreshToken, <-entered)
		select {
		case err := <-done:
			t.Fatalf("the refresh answered while the hook was running: %v", err)
		default:
		}
		assert.True(t, p.spentToken(s.RefreshToken), "the hook runs after the fake handled the refresh")
		close(release)
		require.NoError(t, <-done)
	})
}

func TestJudge(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p := newProvider(t, 0)
	c := p.client(t)
	st, err := tokenstore.NewFile(filepath.Join(t.TempDir(), "sessions"))
	require.NoError(t, err)
	s := p.login(t, c, "judge")
	fam := p.familyOf(s.RefreshToken)
	s2, err := c.Refresh(ctx, s)
	require.NoError(t, err)

	require.NoError(t, st.Save(ctx, s2))
	assert.Equal(t, counts{Runs: 1, Leaks: -1}, p.judge(t, st, c, "judge", fam, nil), "the live session stored")

	require.NoError(t, st.Save(ctx, s))
	got := p.judge(t, st, c, "judge", fam, nil)
	assert.Equal(t, 1, got.Lost, "a spent session stored")
	assert.Equal(t, 1, got.Stale, "an older generation stored")

	require.NoError(t, st.Delete(ctx, "judge"))
	got = p.judge(t, st, c, "judge", fam, []handout{{s2.AccessToken, time.Now()}, {"at_never_issued", time.Now()}})
	assert.Equal(t, counts{Runs: 1, Lost: 1, Unhonoured: 1, Leaks: -1}, got, "nothing stored, a foreign token handed out")

	sum := counts{Leaks: -1}
	sum.add(counts{Runs: 1, Lost: 1, RefreshRequests: 2, Expiries: 1, Leaks: -1, TokenErrors: 3})
	sum.add(counts{Runs: 1, Stale: 1, Unhonoured: 2, RefreshRequests: 1, Expiries: 1, Leaks: -1})
	assert.Equal(t, counts{Runs: 2, Lost: 1, Stale: 1, Unhonoured: 2, RefreshRequests: 3, Expiries: 2, Leaks: -1, TokenErrors: 3}, sum)
	leaks := counts{}
	leaks.add(counts{Runs: 1, Leaks: 2})
	leaks.add(counts{Runs: 1, Leaks: 1})
	assert.Equal(t, 3, leaks.Leaks)

	row := counts{Runs: 20, RefreshRequests: 21, Expiries: 20, Leaks: -1}.row("x")
	assert.Equal(t, "| x | 20 | 0 | 0 | 0 | 1.05 (21/20) | n/a |", row)
	assert.True(t, strings.HasPrefix(tableHeader, "| scenario | runs |"))
}

func TestFailingStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	file, err := tokenstore.NewFile(filepath.Join(t.TempDir(), "sessions"))
	require.NoError(t, err)
	st := &failingStore{Store: file}
	s := &client.Session{ID: "f", Provider: "generic", AccessToken: "a"}
	st.failNext(2)
	require.ErrorIs(t, st.Save(ctx, s), errInjected)
	require.ErrorIs(t, st.CompareAndSave(ctx, nil, s), errInjected)
	_, err = st.Load(ctx, "f")
	require.True(t, errors.Is(err, tokenstore.ErrNotFound), "a failed write wrote nothing")
	require.NoError(t, st.CompareAndSave(ctx, nil, s))
	assert.Equal(t, 2, st.injectedSoFar())
	got, err := st.Load(ctx, "f")
	require.NoError(t, err)
	assert.Equal(t, "a", got.AccessToken)
}

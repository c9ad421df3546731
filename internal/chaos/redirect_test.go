package chaos

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providers"
	"github.com/oauthx/oauthx/tokenstore"
)

// TestTokenEndpointRedirects: the token endpoint answers 307 or 308 to a
// code exchange or a refresh, pointing at another host or back at itself.
// Grant requests never follow redirects: the other host gets nothing (no
// client secret, no code, no refresh token), the grant is sent once, the
// answer is ErrBadResponse with MaybeConsumed, and the stored session is
// kept (the next Token refreshes it). Half the runs use a client built
// with the caller's own *http.Client, whose CheckRedirect follows them.
func TestTokenEndpointRedirects(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p := newProvider(t, 0)
	clients := []*client.Client{p.client(t), nil}
	var err error
	clients[1], err = client.New(client.Config{Provider: providers.Generic(p.URL), ClientID: p.ClientID, ClientSecret: p.ClientSecret},
		client.WithHTTPClient(&http.Client{Timeout: 10 * time.Second}))
	require.NoError(t, err)
	st, err := tokenstore.NewFile(filepath.Join(t.TempDir(), "sessions"))
	require.NoError(t, err)
	total := counts{}
	followed := 0
	type variant struct {
		status  int
		refresh bool
		other   bool
	}
	var variants []variant
	for _, status := range []int{http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		for _, refresh := range []bool{false, true} {
			for _, other := range []bool{true, false} {
				variants = append(variants, variant{status, refresh, other})
			}
		}
	}
	for i := range 4 * len(variants) {
		v := variants[i%len(variants)]
		c := clients[i/len(variants)%2]
		location := p.URL + "/oauth2/token"
		if v.other {
			location = p.other.URL + "/oauth2/token"
		}
		id := unique("redirect-")
		_, leaksBefore := p.other.counts()
		run := counts{Runs: 1, Expiries: 1}
		var callErr error
		if v.refresh {
			seed := makeDue(p.login(t, c, id))
			require.NoError(t, st.Save(ctx, seed))
			fam := p.familyOf(seed.RefreshToken)
			p.redirectNext(v.status, location)
			var handed []handout
			tok, err := tokenstore.NewTokenSource(st, c, id).Token()
			if err == nil {
				handed = append(handed, handout{tok.AccessToken, time.Now()})
			}
			callErr = err
			run.RefreshRequests = p.sentHere(seed.RefreshToken)
			j := p.judge(t, st, c, id, fam, handed)
			run.Lost, run.Stale, run.Unhonoured = j.Lost, j.Stale, j.Unhonoured
		} else {
			code := p.issueCode()
			p.redirectNext(v.status, location)
			s, err := c.ExchangeCode(ctx, code, client.WithSessionID(id))
			if err == nil && !p.honoured(s.AccessToken, time.Now()) {
				run.Unhonoured++
			}
			callErr = err
			run.RefreshRequests = p.sentHere(code)
		}
		_, leaksAfter := p.other.counts()
		run.Leaks = leaksAfter - leaksBefore
		var ce *client.Error
		if !errors.Is(callErr, client.ErrBadResponse) || !errors.As(callErr, &ce) || !ce.MaybeConsumed {
			followed++
			t.Logf("run %d (%d, refresh %v, other host %v): want ErrBadResponse with MaybeConsumed, got %v", i, v.status, v.refresh, v.other, callErr)
		}
		total.add(run)
	}
	report(t, "307/308 from the token endpoint (code and refresh; other host and same endpoint; default and caller's *http.Client)", total, false)
	assert.Zero(t, followed, "grant requests followed a redirect instead of failing with ErrBadResponse{MaybeConsumed: true}")
}

package client_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providers"
	"github.com/oauthx/oauthx/providertest"
)

// fakeTime is a clock shared by the fake and the client, advanced only by
// the client's sleeper: polling takes no real time.
type fakeTime struct {
	mu     sync.Mutex
	now    time.Time
	slept  []time.Duration
	onWake func(n int) // called after the n-th sleep (1-based), outside the lock
}

func newFakeTime() *fakeTime { return &fakeTime{now: time.Unix(1_800_000_000, 0)} }

func (ft *fakeTime) Now() time.Time {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	return ft.now
}

func (ft *fakeTime) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ft.mu.Lock()
	ft.now = ft.now.Add(d)
	ft.slept = append(ft.slept, d)
	n, wake := len(ft.slept), ft.onWake
	ft.mu.Unlock()
	if wake != nil {
		wake(n)
	}
	return nil
}

func (ft *fakeTime) sleeps() []time.Duration {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	return append([]time.Duration(nil), ft.slept...)
}

func setupDevice(t *testing.T, ft *fakeTime, fakeOpts ...providertest.GenericOption) (*providertest.Generic, *client.Client) {
	t.Helper()
	fake := providertest.NewGeneric(append([]providertest.GenericOption{providertest.WithClock(ft.Now)}, fakeOpts...)...)
	t.Cleanup(fake.Close)
	c, err := client.New(client.Config{Provider: providers.Generic(fake.URL, providers.WithDeviceAuthURL(fake.DeviceAuthURL())),
		ClientID: fake.ClientID, ClientSecret: fake.ClientSecret, Scopes: []string{"read"}},
		client.WithClock(ft.Now), client.WithSleep(ft.Sleep), client.WithRetryWait(time.Millisecond, 10*time.Millisecond))
	require.NoError(t, err)
	return fake, c
}

func TestDeviceFlow(t *testing.T) {
	t.Parallel()
	ft := newFakeTime()
	fake, c := setupDevice(t, ft)
	ctx := context.Background()
	da, err := c.StartDeviceAuth(ctx)
	require.NoError(t, err)
	assert.Regexp(t, `^[B-Z]{4}-[B-Z]{4}$`, da.UserCode)
	assert.Equal(t, fake.VerificationURL(), da.VerificationURI)
	assert.Equal(t, fake.VerificationURL()+"?user_code="+url.QueryEscape(da.UserCode), da.VerificationURIComplete)
	assert.Equal(t, 5*time.Second, da.Interval)
	assert.Equal(t, ft.Now().Add(10*time.Minute), da.Expiry)
	for _, printed := range []string{da.String(), fmt.Sprintf("%v %+v %#v %s %q", da, da, da, da, da), fmt.Sprint(*da)} {
		assert.NotContains(t, printed, da.DeviceCode)
	}

	// The user answers after the second poll; the fake asks to slow down once.
	ft.onWake = func(n int) {
		switch n {
		case 2:
			require.True(t, fake.SlowDownDevice(da.UserCode))
		case 3:
			require.True(t, fake.ApproveDevice(da.UserCode))
		}
	}
	s, err := c.PollDeviceToken(ctx, da)
	require.NoError(t, err)
	assert.True(t, fake.AccessTokenValid(s.AccessToken))
	assert.NotEmpty(t, s.RefreshToken)
	assert.Equal(t, []string{"read"}, s.Scopes)
	assert.Equal(t, []time.Duration{5 * time.Second, 5 * time.Second, 10 * time.Second}, ft.sleeps(),
		"interval honoured; slow_down adds 5 s for the rest of the flow")
	st := fake.Stats()
	assert.Equal(t, 3, st.DevicePolls, "pending, slow_down, tokens")
	assert.Equal(t, 1, st.DeviceAuthorizations)

	// The consumed device code is never polled again, not even by a later call.
	_, err = c.PollDeviceToken(ctx, da)
	require.ErrorIs(t, err, client.ErrInvalidRequest)
	assert.Equal(t, 3, fake.Stats().DevicePolls)
	assert.Equal(t, 0, fake.Stats().DeviceCodesReused)
}

// A client polling faster than the interval is answered slow_down by the
// fake (RFC 8628 §3.5) each time; it slows down by 5 s per answer, and
// stops, without polling, once the device code has expired.
func TestDevicePollingTooFast(t *testing.T) {
	t.Parallel()
	ft := newFakeTime()
	fake, c := setupDevice(t, ft, providertest.WithDeviceInterval(10*time.Second), providertest.WithDeviceCodeLifetime(30*time.Second))
	ctx := context.Background()
	da, err := c.StartDeviceAuth(ctx, client.WithScopes("a", "b"))
	require.NoError(t, err)
	require.Equal(t, 10*time.Second, da.Interval)
	da.Interval = time.Second // as if the client ignored the interval
	_, err = c.PollDeviceToken(ctx, da)
	require.ErrorIs(t, err, client.ErrReauthorize)
	var e *client.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "expired_token", e.Code)
	// polls at 1 s (pending), 2 s, 8 s and 19 s (slow_down each); 35 s is past the expiry.
	assert.Equal(t, []time.Duration{time.Second, time.Second, 6 * time.Second, 11 * time.Second, 16 * time.Second}, ft.sleeps())
	assert.Equal(t, 4, fake.Stats().DevicePolls)
	assert.Equal(t, 4, fake.Stats().Rejected, "one authorization_pending, then three slow_down")
}

func TestDeviceTerminalAnswers(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		opts   []providertest.GenericOption
		act    func(f *providertest.Generic, da *client.DeviceAuth, n int)
		faults []providertest.Fault
		want   error
		code   string
		polls  int
	}{
		{name: "user denies", act: func(f *providertest.Generic, da *client.DeviceAuth, n int) {
			if n == 2 {
				f.DenyDevice(da.UserCode)
			}
		}, want: client.ErrReauthorize, code: "access_denied", polls: 2},
		{name: "server says expired", opts: []providertest.GenericOption{providertest.WithDeviceCodeLifetime(12 * time.Second)},
			act: func(f *providertest.Generic, da *client.DeviceAuth, n int) {
				// the client's own check is fooled by a later expiry; the server's answer ends it
				da.Expiry = da.Expiry.Add(time.Hour)
			}, want: client.ErrReauthorize, code: "expired_token", polls: 3},
		{name: "expired by the client's clock: not polled", opts: []providertest.GenericOption{providertest.WithDeviceCodeLifetime(7 * time.Second)},
			want: client.ErrReauthorize, code: "expired_token", polls: 1},
		{name: "500 after handling ends it", faults: []providertest.Fault{providertest.ServerErrorAfterHandling(500)},
			act:  func(f *providertest.Generic, da *client.DeviceAuth, n int) { f.ApproveDevice(da.UserCode) },
			want: client.ErrTransient, polls: 1},
		{name: "429 slows down and polls again", faults: []providertest.Fault{providertest.RateLimited("3600")},
			act: func(f *providertest.Generic, da *client.DeviceAuth, n int) {
				if n == 2 {
					f.DenyDevice(da.UserCode)
				}
			}, want: client.ErrReauthorize, code: "access_denied", polls: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ft := newFakeTime()
			fake, c := setupDevice(t, ft, tc.opts...)
			ctx := context.Background()
			da, err := c.StartDeviceAuth(ctx)
			require.NoError(t, err)
			fake.Fail(tc.faults...)
			if tc.act != nil {
				ft.onWake = func(n int) { tc.act(fake, da, n) }
			}
			_, err = c.PollDeviceToken(ctx, da)
			require.ErrorIs(t, err, tc.want)
			var e *client.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tc.code, e.Code)
			assert.NotContains(t, err.Error(), da.DeviceCode)
			assert.Equal(t, tc.polls, fake.Stats().DevicePolls)

			// Terminal: a later call does not poll.
			_, err = c.PollDeviceToken(ctx, da)
			require.ErrorIs(t, err, client.ErrInvalidRequest)
			assert.Equal(t, tc.polls, fake.Stats().DevicePolls)
			assert.Equal(t, 0, fake.Stats().DeviceCodesReused)
		})
	}
}

func TestDevicePollContext(t *testing.T) {
	t.Parallel()
	ft := newFakeTime()
	fake, c := setupDevice(t, ft)
	ctx, cancel := context.WithCancel(context.Background())
	da, err := c.StartDeviceAuth(ctx)
	require.NoError(t, err)
	ft.onWake = func(n int) {
		if n == 2 {
			cancel()
		}
	}
	_, err = c.PollDeviceToken(ctx, da)
	require.ErrorIs(t, err, client.ErrTransient)
	require.ErrorIs(t, err, context.Canceled)
	assert.LessOrEqual(t, fake.Stats().DevicePolls, 2)
}

// RFC 8628 §3.1 and §3.4 request fields, exactly.
func TestDeviceRequestFields(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t,
		answer{200, nil, `{"device_code":"dc-1","user_code":"BCDF-GHJK","verification_uri":"https://as/device","expires_in":600}`},
		answer{400, nil, `{"error":"authorization_pending"}`},
		answer{200, nil, `{"access_token":"a","token_type":"Bearer","expires_in":60}`})
	ft := newFakeTime()
	c, err := client.New(client.Config{Provider: providers.Generic(rec.URL, providers.WithDeviceAuthURL(rec.URL+"/device")),
		ClientID: "id", ClientSecret: "sec"}, client.WithClock(ft.Now), client.WithSleep(ft.Sleep))
	require.NoError(t, err)
	da, err := c.StartDeviceAuth(context.Background(), client.WithScopes("x", "y"))
	require.NoError(t, err)
	assert.Equal(t, client.DefaultDeviceInterval, da.Interval, "no interval: 5 s")
	_, err = c.PollDeviceToken(context.Background(), da)
	require.NoError(t, err)
	reqs := rec.requests()
	require.Len(t, reqs, 3)
	assert.Equal(t, "/device", reqs[0].Path)
	assert.Equal(t, url.Values{"client_id": {"id"}, "client_secret": {"sec"}, "scope": {"x y"}}, reqs[0].Form)
	for _, r := range reqs[1:] {
		assert.Equal(t, "/oauth2/token", r.Path)
		assert.Equal(t, url.Values{"grant_type": {client.GrantDeviceCode}, "device_code": {"dc-1"}, "client_id": {"id"}, "client_secret": {"sec"}}, r.Form)
	}
}

func TestDeviceStartErrors(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		ans  answer
		want error
	}{
		"no device_code":      {answer{200, nil, `{"user_code":"U","verification_uri":"https://as/d","expires_in":600}`}, client.ErrBadResponse},
		"no expires_in":       {answer{200, nil, `{"device_code":"d","user_code":"U","verification_uri":"https://as/d"}`}, client.ErrBadResponse},
		"no verification_uri": {answer{200, nil, `{"device_code":"d","user_code":"U","expires_in":600}`}, client.ErrBadResponse},
		"invalid_client":      {answer{401, nil, `{"error":"invalid_client"}`}, client.ErrInvalidClient},
		"invalid_scope":       {answer{400, nil, `{"error":"invalid_scope"}`}, client.ErrInvalidRequest},
		"unauthorized_client": {answer{400, nil, `{"error":"unauthorized_client"}`}, client.ErrInvalidClient},
		"HTML error page":     {answer{502, map[string]string{"Content-Type": "text/html"}, `<html>`}, client.ErrTransient},
		"echoed secret, 2xx":  {answer{200, nil, `{"error":"x","error_description":"sec"}`}, client.ErrBadResponse},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			rec := newRecorder(t, tc.ans)
			c, err := client.New(client.Config{Provider: providers.Generic(rec.URL, providers.WithDeviceAuthURL(rec.URL+"/device")),
				ClientID: "id", ClientSecret: "secret-value"}, client.WithRetryWait(time.Millisecond, 10*time.Millisecond))
			require.NoError(t, err)
			_, err = c.StartDeviceAuth(context.Background())
			require.ErrorIs(t, err, tc.want)
			assert.False(t, strings.Contains(err.Error(), "secret-value"))
		})
	}
	c, err := client.New(client.Config{Provider: providers.Generic("https://as.example.com"), ClientID: "id"})
	require.NoError(t, err)
	_, err = c.StartDeviceAuth(context.Background())
	require.ErrorIs(t, err, client.ErrInvalidRequest, "no device endpoint")
	_, err = c.PollDeviceToken(context.Background(), &client.DeviceAuth{DeviceCode: "made-up"})
	require.ErrorIs(t, err, client.ErrInvalidRequest)
	_, err = client.New(client.Config{Provider: providers.Generic("https://as.example.com"), ClientID: "id"}, client.WithSleep(nil))
	require.Error(t, err)
}

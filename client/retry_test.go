package client_test

import (
	"context"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providers"
	"github.com/oauthx/oauthx/providertest"
)

// Which failures are retried, and that a single-use code is never sent
// after an ambiguous one.
func TestRetryDecisions(t *testing.T) {
	t.Parallel()
	soon := time.Now().Add(2 * time.Second).UTC().Format(http.TimeFormat)
	tests := []struct {
		name       string
		faults     []providertest.Fault
		wantErr    error // nil: the exchange succeeds after retries
		requests   int   // what the server saw
		consumed   bool  // Error.MaybeConsumed
		retryAfter time.Duration
	}{
		{"429 with Retry-After seconds is retried", []providertest.Fault{providertest.RateLimited("0")}, nil, 2, false, 0},
		{"429 without Retry-After is retried", []providertest.Fault{providertest.RateLimited("")}, nil, 2, false, 0},
		{"429 with Retry-After date is retried", []providertest.Fault{providertest.RateLimited(time.Now().UTC().Format(http.TimeFormat))}, nil, 2, false, 0},
		{"503 is retried", []providertest.Fault{providertest.Unavailable("")}, nil, 2, false, 0},
		{"503 then 429 then success", []providertest.Fault{providertest.Unavailable("0"), providertest.RateLimited("0")}, nil, 3, false, 0},
		{"429 asking too long is not waited for", []providertest.Fault{providertest.RateLimited("3600")}, client.ErrRateLimited, 1, false, time.Hour},
		{"429 date beyond the cap", []providertest.Fault{providertest.RateLimited(time.Now().Add(time.Hour).UTC().Format(http.TimeFormat))}, client.ErrRateLimited, 1, false, 59 * time.Minute},
		{"429 until retries run out", []providertest.Fault{providertest.RateLimited("0"), providertest.RateLimited("0"), providertest.RateLimited("0")}, client.ErrRateLimited, 3, false, 0},
		{"503 until retries run out", []providertest.Fault{providertest.Unavailable("0"), providertest.Unavailable("0"), providertest.Unavailable("0")}, client.ErrTransient, 3, false, 0},
		{"500 after handling is not resent", []providertest.Fault{providertest.ServerErrorAfterHandling(500)}, client.ErrTransient, 1, true, 0},
		{"502 after handling is not resent", []providertest.Fault{providertest.ServerErrorAfterHandling(502)}, client.ErrTransient, 1, true, 0},
		{"504 after handling is not resent", []providertest.Fault{providertest.ServerErrorAfterHandling(504)}, client.ErrTransient, 1, true, 0},
		{"500 JSON error is not resent", []providertest.Fault{providertest.ServerError(500)}, client.ErrTransient, 1, true, 0},
		{"reset after handling is not resent", []providertest.Fault{providertest.ResetAfterHandling()}, client.ErrTransient, 1, true, 0},
		{"reset before handling is not resent either", []providertest.Fault{providertest.ResetBeforeHandling()}, client.ErrTransient, 1, true, 0},
		{"date Retry-After within the cap", []providertest.Fault{providertest.RateLimited(soon)}, nil, 2, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake, c := setup(t, nil, nil, client.WithRetryWait(time.Millisecond, 3*time.Second))
			fake.Fail(tt.faults...)
			s, err := c.ExchangeCode(context.Background(), fake.IssueCode(redirect))
			st := fake.Stats()
			assert.Equal(t, tt.requests, st.Requests, "requests seen by the server")
			assert.Zero(t, st.ReusedCodes, "a code is never sent twice")
			if tt.wantErr == nil {
				require.NoError(t, err)
				assert.NotEmpty(t, s.AccessToken)
				return
			}
			require.ErrorIs(t, err, tt.wantErr)
			var e *client.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tt.consumed, e.MaybeConsumed)
			if tt.retryAfter > 0 {
				assert.InDelta(t, tt.retryAfter.Seconds(), e.RetryAfter.Seconds(), 61)
			}
		})
	}
}

// A connection that was never made is retried; the dial count proves it.
func TestConnectionRefusedIsRetried(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close()) // nothing listens there now

	var dials atomic.Int32
	tr := &http.Transport{DialContext: func(ctx context.Context, network, a string) (net.Conn, error) {
		dials.Add(1)
		return (&net.Dialer{}).DialContext(ctx, network, a)
	}}
	c, err := client.New(client.Config{Provider: providers.Generic("http://" + addr), ClientID: "id", ClientSecret: "s"},
		client.WithHTTPClient(&http.Client{Transport: tr}), client.WithRetryMax(3), client.WithRetryWait(time.Millisecond, 5*time.Millisecond))
	require.NoError(t, err)
	_, err = c.ExchangeCode(context.Background(), "code")
	require.ErrorIs(t, err, client.ErrTransient)
	var e *client.Error
	require.ErrorAs(t, err, &e)
	assert.False(t, e.MaybeConsumed, "the code never left this process")
	assert.Equal(t, int32(4), dials.Load(), "1 attempt + 3 retries")
}

// A slow answer past the caller's deadline is reported, not resent.
func TestDeadlineIsRespected(t *testing.T) {
	t.Parallel()
	fake, c := setup(t, nil, nil)
	fake.Fail(providertest.Slow(2 * time.Second))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.ExchangeCode(ctx, fake.IssueCode(redirect))
	require.ErrorIs(t, err, client.ErrTransient)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 1500*time.Millisecond)
	assert.Equal(t, 1, fake.Stats().Requests)
}

// A Retry-After that would outlive the deadline is not waited for.
func TestRetryAfterBeyondDeadline(t *testing.T) {
	t.Parallel()
	fake, c := setup(t, nil, nil, client.WithRetryWait(time.Millisecond, 10*time.Second))
	fake.Fail(providertest.RateLimited("5"))
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err := c.ExchangeCode(ctx, fake.IssueCode(redirect))
	require.ErrorIs(t, err, client.ErrRateLimited)
	var e *client.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 5*time.Second, e.RetryAfter)
	assert.Equal(t, 1, fake.Stats().Requests)
}

func TestRetryMaxZeroDisablesRetries(t *testing.T) {
	t.Parallel()
	fake, c := setup(t, nil, nil, client.WithRetryMax(0))
	fake.Fail(providertest.Unavailable("0"))
	_, err := c.ExchangeCode(context.Background(), fake.IssueCode(redirect))
	require.ErrorIs(t, err, client.ErrTransient)
	assert.Equal(t, 1, fake.Stats().Requests)
}

func TestRetryAfterParsing(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"120", 2 * time.Minute, true},
		{" 7 ", 7 * time.Second, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{"99999999999", 24 * time.Hour, true},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
	}
	for _, tt := range tests {
		d, ok := client.RetryAfter(http.Header{"Retry-After": {tt.in}}, now)
		assert.Equal(t, tt.ok, ok, tt.in)
		assert.Equal(t, tt.want, d, tt.in)
	}
}

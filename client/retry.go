package client

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// The retry policy. Authorization codes and rotating refresh tokens are
// single-use: a request that may have reached the provider is never sent
// again, because the provider may have consumed the grant and answering it
// twice gets the second answer "invalid_grant" and loses the session.
//
// A grant request is retried only when the provider certainly did not act
// on it: the connection was never made, or the provider answered 429 or 503
// (it refused the request). Idempotent requests (GET, HEAD) and grant
// requests the provider declares replay-safe (ReplaySafe) are also
// retried after 500, 502, 504, 408, a connection failure after sending and the
// HTTP client's own timeout.
//
// No request follows a redirect (see noRedirects): a 3xx comes back as an
// answer, and for a grant it is ErrBadResponse with MaybeConsumed.
//
// net/http's Transport resends a request on its own only on a reused
// keep-alive connection, and a POST only when not a byte of it was written
// (its nothingWrittenError): it cannot send a grant twice either.
//
// Waits honour Retry-After (seconds or an HTTP date). A Retry-After longer
// than the longest wait, or one that would outlive the context's deadline,
// is not waited for: the answer reaches the caller with Error.RetryAfter.

func (c *Client) newRetryClient(idempotent bool) *retryablehttp.Client {
	rc := &retryablehttp.Client{
		HTTPClient:   noRedirects(c.opts.httpClient),
		RetryWaitMin: c.opts.retryWaitMin,
		RetryWaitMax: c.opts.retryWaitMax,
		RetryMax:     c.opts.retryMax,
		CheckRetry: func(ctx context.Context, resp *http.Response, err error) (bool, error) {
			return shouldRetry(ctx, resp, err, idempotent, c.opts.retryWaitMax, c.opts.now()), nil
		},
		Backoff:      backoff,
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
		PrepareRetry: prepareRetry, // a fresh DPoP proof for each attempt
	}
	if l := c.opts.logger; l != nil {
		rc.RequestLogHook = func(_ retryablehttp.Logger, r *http.Request, attempt int) {
			l.DebugContext(r.Context(), "oauthx: request", "provider", c.cfg.Provider.Name(),
				"method", r.Method, "endpoint", safeEndpoint(r), "attempt", attempt+1)
		}
		rc.ResponseLogHook = func(_ retryablehttp.Logger, resp *http.Response) {
			l.DebugContext(resp.Request.Context(), "oauthx: response", "provider", c.cfg.Provider.Name(),
				"method", resp.Request.Method, "endpoint", safeEndpoint(resp.Request), "status", resp.StatusCode)
		}
	}
	return rc
}

// safeEndpoint is scheme://host/path: no user info, no query, no fragment.
func safeEndpoint(r *http.Request) string {
	if r == nil || r.URL == nil {
		return ""
	}
	return r.URL.Scheme + "://" + r.URL.Host + r.URL.EscapedPath()
}

func shouldRetry(ctx context.Context, resp *http.Response, err error, idempotent bool, maxWait time.Duration, now time.Time) bool {
	if ctx.Err() != nil {
		return false
	}
	if err != nil {
		if notSent(err) {
			return true
		}
		// The caller's context is live (checked above): a timeout here is
		// the client's own per-attempt one.
		return idempotent
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusGatewayTimeout, http.StatusRequestTimeout:
		if !idempotent {
			return false
		}
	default:
		return false
	}
	wait, ok := RetryAfter(resp.Header, now)
	if ok && wait > maxWait {
		return false
	}
	if deadline, has := ctx.Deadline(); has && now.Add(wait).After(deadline) {
		return false
	}
	return true
}

// notSent reports whether err certainly happened before any byte of the
// request reached the server: the connection was never made. That
// includes a connection reset while connecting ("dial tcp …: connect:
// connection reset by peer", which a loaded client sees when the server
// accepts and resets before the client's goroutine checked connect(2)):
// nothing is written before the dial succeeds.
func notSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return true
	}
	return errors.Is(err, syscall.ECONNREFUSED)
}

func backoff(lo, hi time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil {
		if wait, ok := RetryAfter(resp.Header, time.Now()); ok {
			return min(wait, hi)
		}
	}
	wait := lo << min(uint(attempt), 16)
	if wait > hi || wait <= 0 {
		wait = hi
	}
	// Equal jitter: half the wait, plus a random part of the other half,
	// so replicas do not retry in step.
	half := wait / 2
	return half + time.Duration(rand.Int64N(int64(half)+1))
}

// RetryAfter parses a Retry-After header (RFC 9110 §10.2.3): delay seconds
// or an HTTP date, relative to now. It reports false when the header is
// absent or malformed; a date in the past gives 0.
func RetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64(24*time.Hour/time.Second) {
			secs = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	d := t.Sub(now)
	if d < 0 {
		d = 0
	}
	return d, true
}

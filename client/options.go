package client

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/oauthx/oauthx/internal/errtext"
)

// Option configures a Client. A nil Option is skipped; an option given an
// invalid value makes New return an *OptionError (see the package
// documentation).
type Option func(*options) error

// OptionError is what a constructor returns for an option or
// configuration field given an invalid value. It matches ErrInvalidRequest
// with errors.Is.
type OptionError struct {
	// Option names what was wrong, e.g. "client.WithClock" or
	// "finch.Config.BaseURL".
	Option string
	// Reason says why, e.g. "nil clock".
	Reason string
}

// Error returns "oauthx: Option: Reason", saying "oauthx: " once.
func (e *OptionError) Error() string { return errtext.Once("oauthx: " + e.Option + ": " + e.Reason) }

// Is matches ErrInvalidRequest.
func (e *OptionError) Is(target error) bool { return target == ErrInvalidRequest }

func invalidOption(option, reason string) error { return &OptionError{Option: option, Reason: reason} }

type options struct {
	httpClient   *http.Client
	retryMax     int
	retryWaitMin time.Duration
	retryWaitMax time.Duration
	logger       *slog.Logger
	now          func() time.Time
	sleep        func(ctx context.Context, d time.Duration) error // device polling (device.go)
}

// Defaults for the retry policy.
const (
	DefaultRetryMax     = 2
	DefaultRetryWaitMin = 100 * time.Millisecond
	DefaultRetryWaitMax = 10 * time.Second
	// DefaultHTTPTimeout bounds one HTTP attempt when the caller gives no
	// *http.Client.
	DefaultHTTPTimeout = 30 * time.Second
)

func defaultOptions() options {
	return options{
		httpClient:   &http.Client{Timeout: DefaultHTTPTimeout},
		retryMax:     DefaultRetryMax,
		retryWaitMin: DefaultRetryWaitMin,
		retryWaitMax: DefaultRetryWaitMax,
		now:          time.Now,
		sleep:        Sleep,
	}
}

// WithHTTPClient sends requests through a copy of hc (its Transport, Jar
// and Timeout are kept; later changes to hc do not affect the Client).
// Its CheckRedirect is not used for the requests the Client sends: they
// never follow a redirect. A nil hc is an error.
func WithHTTPClient(hc *http.Client) Option {
	return func(o *options) error {
		if hc == nil {
			return invalidOption("client.WithHTTPClient", "nil *http.Client")
		}
		cp := *hc
		o.httpClient = &cp
		return nil
	}
}

// WithRetryMax sets how many times a request that certainly did not reach
// the provider, or was refused with 429 or 503, is sent again (default 2).
// Zero turns retries off. Negative is an error.
func WithRetryMax(n int) Option {
	return func(o *options) error {
		if n < 0 {
			return invalidOption("client.WithRetryMax", "negative retry count")
		}
		o.retryMax = n
		return nil
	}
}

// WithRetryWait sets the shortest and longest wait between attempts. The
// longest also caps Retry-After: a provider asking for more is not retried
// and its 429 reaches the caller with Error.RetryAfter set.
func WithRetryWait(min, max time.Duration) Option {
	return func(o *options) error {
		if min <= 0 || max < min {
			return invalidOption("client.WithRetryWait", "need 0 < min <= max")
		}
		o.retryWaitMin, o.retryWaitMax = min, max
		return nil
	}
}

// WithLogger logs each attempt (method, scheme, host and path, status,
// duration, retry decisions) at debug level to l. Bodies, headers, query
// strings and secrets are never logged. A nil logger is an error; logging
// is off without this option.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return invalidOption("client.WithLogger", "nil *slog.Logger")
		}
		o.logger = l
		return nil
	}
}

// WithClock sets the clock used for IssuedAt and Expiry (tests). A nil
// function is an error.
func WithClock(now func() time.Time) Option {
	return func(o *options) error {
		if now == nil {
			return invalidOption("client.WithClock", "nil clock")
		}
		o.now = now
		return nil
	}
}

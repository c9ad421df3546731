package tokenstore

import (
	"time"

	"github.com/oauthx/oauthx/client"
)

// Freshness decides whether a session is still fresh enough at now to be
// handed out without a renewal. The refresh protocol renews a session
// only when it is not (Refresher, TokenSource).
type Freshness func(s *client.Session, now time.Time) bool

// FreshFor is the Freshness of TokenSource: a session is fresh until
// early before its Expiry, or until half its lifetime (IssuedAt to
// Expiry) before it when that is shorter, so a short-lived token is not
// renewed on every call. A session with a zero Expiry is always fresh.
// Negative values count as zero.
func FreshFor(early time.Duration) Freshness {
	early = max(early, 0)
	return func(s *client.Session, now time.Time) bool {
		at := renewAt(s, early)
		return at.IsZero() || now.Before(at)
	}
}

// renewAt is when s stops being fresh under FreshFor(early); zero for a
// session that never expires.
func renewAt(s *client.Session, early time.Duration) time.Time {
	if s.NeverExpires() {
		return time.Time{}
	}
	if !s.IssuedAt.IsZero() && s.Expiry.After(s.IssuedAt) {
		early = min(early, s.Expiry.Sub(s.IssuedAt)/2)
	}
	return s.Expiry.Add(-early)
}

package shopify

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/oauthx/oauthx/client"
)

// Storage is where the middleware keeps sessions, by Session.ID.
// tokenstore's stores satisfy it; so does a map behind a mutex.
type Storage interface {
	// Load returns the session stored under id. A missing session is
	// (nil, nil) or an error for which MiddlewareConfig.IsNotFound is true.
	Load(ctx context.Context, id string) (*client.Session, error)
	// Save stores s under s.ID, replacing what was there.
	Save(ctx context.Context, s *client.Session) error
}

// MiddlewareConfig configures Client.Middleware.
type MiddlewareConfig struct {
	// Storage keeps the sessions. Required.
	Storage Storage
	// IsNotFound reports whether a Load error means "no such session",
	// besides errors matching client.ErrSessionNotFound (every tokenstore
	// store's) and (nil, nil). Nil: only those mean not found, and any
	// other Load error fails the request.
	IsNotFound func(error) bool
	// Online makes the middleware use the staff member's online session
	// ({shop}_{userId}) instead of the shop's offline one.
	Online bool
	// Expiring exchanges for expiring offline tokens and refreshes them
	// when they are about to expire.
	Expiring bool
	// ExpiryMargin: a stored token expiring within it is renewed first.
	// Zero means client.DefaultExpiryMargin.
	ExpiryMargin time.Duration
	// Logger, if set, receives one line per failed request (never a token).
	Logger *slog.Logger
}

// RetryInvalidSessionHeader is the header App Bridge looks for on a 401 to
// fetch a fresh session token and retry the request.
const RetryInvalidSessionHeader = "X-Shopify-Retry-Invalid-Session-Request"

type ctxKey int

const (
	sessionKey ctxKey = iota
	claimsKey
)

// SessionFromContext returns the Session the middleware put in the
// request's context.
func SessionFromContext(ctx context.Context) (*client.Session, bool) {
	s, ok := ctx.Value(sessionKey).(*client.Session)
	return s, ok && s != nil
}

// ClaimsFromContext returns the verified session-token claims of the
// request.
func ClaimsFromContext(ctx context.Context) (*SessionTokenClaims, bool) {
	c, ok := ctx.Value(claimsKey).(*SessionTokenClaims)
	return c, ok && c != nil
}

// Middleware returns net/http middleware for the backend of an embedded
// app. For each request it takes the session token (SessionTokenFromRequest),
// verifies it (DecodeSessionToken; a ?shop= parameter must name the same
// shop), loads the shop's offline session (or the user's online one) from
// Storage, and if there is none or it is about to expire, refreshes it
// (expiring tokens) or exchanges the session token for a new one and saves
// it. The Session and the claims go into the request's context
// (SessionFromContext, ClaimsFromContext).
//
// A missing, invalid or expired session token, or one Shopify refuses
// (invalid_subject_token), is answered 401 with
// X-Shopify-Retry-Invalid-Session-Request: 1, so App Bridge retries with a
// fresh token. A 429 from Shopify is answered 429 with its Retry-After;
// other failures 502 (Shopify) or 500 (storage). Response bodies never hold
// error details.
//
// Loading, refreshing, exchanging and saving run once per session at a
// time in this process, whatever the number of concurrent requests, and
// finish even if the request that started them goes away: an expiring
// token revokes its predecessor and must not be lost. Across processes,
// use a Storage with its own locking (tokenstore).
func (c *Client) Middleware(cfg MiddlewareConfig) (func(http.Handler) http.Handler, error) {
	if cfg.Storage == nil {
		return nil, errors.New("shopify: MiddlewareConfig.Storage is required")
	}
	if cfg.Online && cfg.Expiring {
		return nil, errors.New("shopify: MiddlewareConfig: Expiring applies to offline sessions only")
	}
	if cfg.ExpiryMargin <= 0 {
		cfg.ExpiryMargin = client.DefaultExpiryMargin
	}
	m := &middleware{c: c, cfg: cfg}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { m.serve(w, r, next) })
	}, nil
}

type middleware struct {
	c     *Client
	cfg   MiddlewareConfig
	group group[*client.Session]
}

func (m *middleware) serve(w http.ResponseWriter, r *http.Request, next http.Handler) {
	tok, err := SessionTokenFromRequest(r)
	if err != nil {
		m.unauthorized(w, r, err)
		return
	}
	claims, err := m.c.DecodeSessionToken(tok)
	if err != nil {
		m.unauthorized(w, r, err)
		return
	}
	if q := r.URL.Query().Get("shop"); q != "" {
		shop, err := m.c.SanitizeShop(q)
		if err != nil || shop != claims.Shop {
			m.unauthorized(w, r, tokenError(ErrSessionTokenShopMismatch, ""))
			return
		}
	}
	id := OfflineSessionID(claims.Shop)
	if m.cfg.Online {
		uid, ok := claims.UserID()
		if !ok {
			m.unauthorized(w, r, tokenError(ErrSessionTokenMalformed, "sub is not a user id"))
			return
		}
		id = OnlineSessionID(claims.Shop, uid)
	}
	s, err := m.group.do(r.Context(), id, func(ctx context.Context) (*client.Session, error) {
		return m.session(ctx, id, tok)
	})
	if err != nil {
		m.failed(w, r, err)
		return
	}
	ctx := context.WithValue(r.Context(), sessionKey, s.Clone())
	ctx = context.WithValue(ctx, claimsKey, claims)
	next.ServeHTTP(w, r.WithContext(ctx))
}

// session loads the stored session, or renews it, and saves what it got.
func (m *middleware) session(ctx context.Context, id, tok string) (*client.Session, error) {
	stored, err := m.cfg.Storage.Load(ctx, id)
	if err != nil {
		if !errors.Is(err, client.ErrSessionNotFound) && (m.cfg.IsNotFound == nil || !m.cfg.IsNotFound(err)) {
			return nil, &storageError{err}
		}
		stored = nil
	}
	now := m.c.now()
	if stored != nil && stored.ValidAt(now, m.cfg.ExpiryMargin) {
		return stored, nil
	}
	var fresh *client.Session
	if stored != nil && stored.CanRefresh(now) {
		fresh, err = m.c.Refresh(ctx, stored)
		if err != nil && !errors.Is(err, client.ErrReauthorize) {
			return nil, err
		}
	}
	if fresh == nil {
		typ := OfflineAccessToken
		if m.cfg.Online {
			typ = OnlineAccessToken
		}
		fresh, err = m.c.ExchangeToken(ctx, TokenExchangeParams{SessionToken: tok, RequestedTokenType: typ, Expiring: m.cfg.Expiring})
		if err != nil {
			return nil, err
		}
	}
	if fresh.ID != id {
		return nil, &client.Error{Provider: ProviderName, Kind: client.ErrBadResponse, Description: "token answer is for another session than the request's"}
	}
	if err := m.cfg.Storage.Save(ctx, fresh); err != nil {
		return nil, &storageError{err}
	}
	return fresh, nil
}

type storageError struct{ err error }

func (e *storageError) Error() string { return "shopify: session storage: " + e.err.Error() }
func (e *storageError) Unwrap() error { return e.err }

func (m *middleware) unauthorized(w http.ResponseWriter, r *http.Request, err error) {
	m.log(r, http.StatusUnauthorized, err)
	w.Header().Set(RetryInvalidSessionHeader, "1")
	http.Error(w, "invalid session token", http.StatusUnauthorized)
}

func (m *middleware) failed(w http.ResponseWriter, r *http.Request, err error) {
	var se *storageError
	var ce *client.Error
	switch {
	case errors.Is(err, ErrInvalidSessionToken), errors.Is(err, client.ErrReauthorize):
		m.unauthorized(w, r, err)
	case errors.As(err, &se):
		m.log(r, http.StatusInternalServerError, err)
		http.Error(w, "session storage unavailable", http.StatusInternalServerError)
	case errors.Is(err, client.ErrRateLimited):
		if errors.As(err, &ce) && ce.RetryAfter > 0 {
			w.Header().Set("Retry-After", client.RetryAfterSeconds(ce.RetryAfter))
		}
		m.log(r, http.StatusTooManyRequests, err)
		http.Error(w, "rate limited by Shopify", http.StatusTooManyRequests)
	default:
		m.log(r, http.StatusBadGateway, err)
		http.Error(w, "could not get a Shopify access token", http.StatusBadGateway)
	}
}

func (m *middleware) log(r *http.Request, status int, err error) {
	if m.cfg.Logger != nil {
		m.cfg.Logger.WarnContext(r.Context(), "shopify: embedded app request refused",
			"method", r.Method, "path", r.URL.Path, "status", status, "error", err.Error())
	}
}

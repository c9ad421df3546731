package shopify

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/internal/errtext"
)

// Storage is where the middleware keeps sessions, by Session.ID. Every
// tokenstore store satisfies it as it is, with no hook.
type Storage interface {
	// Load returns the session stored under id; a missing one is an
	// error matching client.ErrSessionNotFound (as tokenstore.ErrNotFound
	// does).
	Load(ctx context.Context, id string) (*client.Session, error)
	// CompareAndSave stores s only if the stored session is still old
	// (nil: nothing stored), atomically; else it writes nothing and fails.
	CompareAndSave(ctx context.Context, old, s *client.Session) error
	// CompareAndDelete removes the session stored under old.ID only if it
	// is still old, atomically.
	CompareAndDelete(ctx context.Context, old *client.Session) error
}

// Refresher renews stored sessions through the one refresh protocol
// (store lock, re-read, compare-and-set): a *tokenstore.Refresher over
// the same store as Storage, built with this Client's Renew and Fresh:
//
//	ref, err := tokenstore.NewRefresher(store, app.Renew, tokenstore.WithFreshness(app.Fresh))
type Refresher interface {
	// Renew returns a fresh session for id, renewing it under the store's
	// lock if the stored one is not fresh; a missing one is an error
	// matching client.ErrSessionNotFound.
	Renew(ctx context.Context, id string) (*client.Session, error)
}

// MiddlewareConfig configures Client.Middleware.
type MiddlewareConfig struct {
	// Storage keeps the sessions. Required.
	Storage Storage
	// Refresher renews them, over the same store. Required.
	Refresher Refresher
	// Online makes the middleware use the staff member's online session
	// ({shop}_{userId}) instead of the shop's offline one.
	Online bool
	// BouncePath is where document requests without a good session token
	// are redirected, and where the middleware serves the bounce page.
	// Empty: DefaultBouncePath. It must start with "/".
	BouncePath string
	// AppBridgeURL is the App Bridge script the bounce page loads. Empty:
	// DefaultAppBridgeURL.
	AppBridgeURL string
	// SessionCacheSize bounds the decoded sessions kept in memory. Zero:
	// DefaultSessionCacheSize; negative: no cache.
	SessionCacheSize int
	// RenewTimeout bounds a renewal (lock, refresh or exchange, save),
	// which runs to its end even if the request that started it goes
	// away. Zero: 30 seconds.
	RenewTimeout time.Duration
	// Logger receives one line per refused or failed request (never a
	// token): debug for a bad session token, warn for a 429, error for a
	// storage or Shopify failure. Nil: slog.Default().
	Logger *slog.Logger
}

// RetryInvalidSessionHeader is the header App Bridge looks for on a 401 to
// fetch a fresh session token and retry the request.
const RetryInvalidSessionHeader = "X-Shopify-Retry-Invalid-Session-Request"

// SessionFromContext returns a copy of the Session the middleware put in
// the request's context.
func SessionFromContext(ctx context.Context) (*client.Session, bool) {
	rs, ok := ctx.Value(requestKey{}).(*requestSession)
	if !ok || rs.s == nil {
		return nil, false
	}
	return rs.s.Clone(), true
}

// ClaimsFromContext returns the verified session-token claims of the
// request.
func ClaimsFromContext(ctx context.Context) (*SessionTokenClaims, bool) {
	rs, ok := ctx.Value(requestKey{}).(*requestSession)
	if !ok || rs.claims == nil {
		return nil, false
	}
	return rs.claims, true
}

// AdminClientFromContext returns an *http.Client for the Admin API of the
// request's shop, authenticated with the session the middleware put in
// the context (see Client.AdminClient). When the Admin API answers 401
// through it (the token was revoked, or the app uninstalled), the stored
// session is dropped by compare-and-delete, so the next request exchanges
// its session token anew.
func AdminClientFromContext(ctx context.Context) (*http.Client, bool) {
	rs, ok := ctx.Value(requestKey{}).(*requestSession)
	if !ok || rs.s == nil {
		return nil, false
	}
	hc, err := rs.m.c.AdminClient(rs.s, nil)
	if err != nil {
		return nil, false
	}
	t := hc.Transport.(*AdminTransport)
	t.Unauthorized = func(ctx context.Context) { rs.m.drop(ctx, rs.s) }
	return hc, true
}

type requestKey struct{}

// requestSession is what the middleware puts in a request's context.
type requestSession struct {
	m      *middleware
	s      *client.Session // shared with the cache: never modified
	claims *SessionTokenClaims
}

// Middleware returns net/http middleware for the backend of an embedded
// app. For each request it takes the session token
// (SessionTokenFromRequest), verifies it once (DecodeSessionToken; a
// ?shop= parameter must name the same shop), and finds the shop's
// offline session (or the user's online one):
//
//  1. in its in-process cache, if it is still fresh (Client.Fresh);
//  2. else through cfg.Refresher, the one refresh protocol: it loads the
//     stored session and, if it is not fresh, takes the store's lock,
//     re-reads, renews (Client.Renew: refresh, migration of a
//     non-expiring offline token, or token exchange of the request's
//     session token once the refresh token expired) and saves by
//     compare-and-set, so that replicas sharing a store renew once;
//  3. for a shop with no session yet, it stores a placeholder by
//     compare-and-set and lets the protocol exchange the session token
//     under the same lock, so replicas exchange once too.
//
// The Session and claims go into the request's context
// (SessionFromContext, ClaimsFromContext, AdminClientFromContext).
//
// A request with an Authorization header is a fetch request: a missing,
// invalid or expired session token, or one Shopify refuses, is answered
// 401 with X-Shopify-Retry-Invalid-Session-Request: 1, so App Bridge
// retries with a fresh token. A document request (no Authorization
// header) is redirected instead to the bounce page (cfg.BouncePath),
// which the middleware serves: it loads App Bridge, which fetches a fresh
// token and reloads the original URL (same origin only) with it as
// id_token. A 429 from Shopify is answered 429 with its Retry-After; other
// failures 502 (Shopify) or 500 (storage, logged). Response bodies never
// hold error details.
func (c *Client) Middleware(cfg MiddlewareConfig) (func(http.Handler) http.Handler, error) {
	switch {
	case cfg.Storage == nil:
		return nil, c.invalid("MiddlewareConfig.Storage is required")
	case cfg.Refresher == nil:
		return nil, c.invalid("MiddlewareConfig.Refresher is required: tokenstore.NewRefresher(store, app.Renew, tokenstore.WithFreshness(app.Fresh))")
	case cfg.RenewTimeout < 0:
		return nil, c.invalid("MiddlewareConfig.RenewTimeout is negative")
	case cfg.BouncePath != "" && (!strings.HasPrefix(cfg.BouncePath, "/") || strings.HasPrefix(cfg.BouncePath, "//") || strings.ContainsAny(cfg.BouncePath, "?#\\")):
		return nil, c.invalid("MiddlewareConfig.BouncePath must be a path like /auth/session-token")
	}
	if cfg.BouncePath == "" {
		cfg.BouncePath = DefaultBouncePath
	}
	if cfg.AppBridgeURL == "" {
		cfg.AppBridgeURL = DefaultAppBridgeURL
	}
	if cfg.SessionCacheSize == 0 {
		cfg.SessionCacheSize = DefaultSessionCacheSize
	}
	if cfg.RenewTimeout == 0 {
		cfg.RenewTimeout = 30 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	m := &middleware{c: c, cfg: cfg, cache: newSessionCache(cfg.SessionCacheSize),
		bouncePage: bouncePage(c.cfg.APIKey, cfg.AppBridgeURL)}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { m.serve(w, r, next) })
	}, nil
}

type middleware struct {
	c          *Client
	cfg        MiddlewareConfig
	cache      *sessionCache
	bouncePage []byte
}

func (m *middleware) serve(w http.ResponseWriter, r *http.Request, next http.Handler) {
	if r.URL.Path == m.cfg.BouncePath {
		m.serveBounce(w, r)
		return
	}
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
	if strings.Contains(r.URL.RawQuery, "shop=") {
		if q := r.URL.Query().Get("shop"); q != "" {
			shop, err := m.c.SanitizeShop(q)
			if err != nil || shop != claims.Shop {
				m.unauthorized(w, r, tokenError(ErrSessionTokenShopMismatch, ""))
				return
			}
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
	s, ok := m.cache.get(id, m.c.c.Now())
	if !ok {
		if s, err = m.session(r.Context(), id, tok, claims); err != nil {
			m.failed(w, r, err)
			return
		}
	}
	ctx := context.WithValue(r.Context(), requestKey{}, &requestSession{m: m, s: s, claims: claims})
	next.ServeHTTP(w, r.WithContext(ctx))
}

// session gets a fresh session for id through the refresh protocol and
// caches it.
func (m *middleware) session(ctx context.Context, id, tok string, claims *SessionTokenClaims) (*client.Session, error) {
	// The renewal runs to its end even if the request goes away: an
	// expiring token revokes its predecessor and must not be lost.
	ctx, cancel := context.WithTimeout(withSessionToken(context.WithoutCancel(ctx), tok, claims), m.cfg.RenewTimeout)
	defer cancel()
	var s *client.Session
	var err error
	for range 3 {
		s, err = m.cfg.Refresher.Renew(ctx, id)
		switch {
		case errors.Is(err, client.ErrSessionNotFound):
			// No session yet (a new install, or one dropped as dead): a
			// placeholder makes the protocol exchange the session token
			// under the store's lock, once across replicas.
			if perr := m.cfg.Storage.CompareAndSave(ctx, nil, m.placeholder(id, claims.Shop)); perr != nil {
				if _, lerr := m.cfg.Storage.Load(ctx, id); lerr != nil && !errors.Is(lerr, client.ErrSessionNotFound) {
					return nil, &storageError{errors.Join(perr, lerr)}
				}
			}
			continue
		case errors.Is(err, client.ErrReauthorize) && ctx.Err() == nil && !refusedSessionToken(err):
			// The stored session was dead and has been deleted; the
			// session token may still get a new one.
			if _, lerr := m.cfg.Storage.Load(ctx, id); errors.Is(lerr, client.ErrSessionNotFound) {
				continue
			}
		}
		break
	}
	if err != nil && s == nil {
		var ce *client.Error
		if !errors.As(err, &ce) && !errors.Is(err, ErrInvalidSessionToken) {
			return nil, &storageError{err}
		}
		return nil, err
	}
	if err != nil {
		// A renewed session the store has not accepted yet: its tokens are
		// live (the protocol keeps it and retries the save); hand it out,
		// log the storage failure.
		m.cfg.Logger.WarnContext(ctx, "shopify: session renewed but not saved yet", "session", id, "error", err.Error())
	}
	at, fresh := m.c.renewAt(s)
	if !fresh || s.ID != id {
		return nil, &storageError{errors.New("the Refresher handed out session " + strconv.Quote(s.ID) + " that is not fresh for " + strconv.Quote(id) + " (build it with tokenstore.WithFreshness(app.Fresh) and app.Renew)")}
	}
	if err == nil {
		m.cache.put(s, at)
	}
	return s, nil
}

// refusedSessionToken reports whether Shopify refused the session token
// itself (invalid_subject_token to an exchange): asking again is useless.
func refusedSessionToken(err error) bool {
	var ce *client.Error
	return errors.As(err, &ce) && ce.Code == "invalid_subject_token" && ce.StatusCode != 0
}

// placeholder is what the middleware stores for a shop it has no session
// for: no token, already due, so the protocol renews it (Renew exchanges
// the request's session token).
func (m *middleware) placeholder(id, shop string) *client.Session {
	now := m.c.c.Now()
	return &client.Session{ID: id, Provider: ProviderName, Subject: shop, IssuedAt: now, Expiry: now}
}

// drop forgets s after the Admin API refused its token: from the cache,
// and from the store if it still holds s (compare-and-delete).
func (m *middleware) drop(ctx context.Context, s *client.Session) {
	m.cache.drop(s.ID, s)
	if err := m.cfg.Storage.CompareAndDelete(context.WithoutCancel(ctx), s); err != nil {
		m.cfg.Logger.InfoContext(ctx, "shopify: session refused by the Admin API was not deleted (replaced meanwhile, or storage failure)",
			"session", s.ID, "error", err.Error())
	}
}

type storageError struct{ err error }

// Error names the storage failure.
func (e *storageError) Error() string {
	return errtext.Once("shopify: session storage: " + e.err.Error())
}

// Unwrap returns the storage's error.
func (e *storageError) Unwrap() error { return e.err }

func (m *middleware) unauthorized(w http.ResponseWriter, r *http.Request, err error) {
	if len(r.Header.Values("Authorization")) == 0 {
		m.log(r, http.StatusFound, err)
		m.bounceRedirect(w, r)
		return
	}
	m.log(r, http.StatusUnauthorized, err)
	w.Header().Set(RetryInvalidSessionHeader, "1")
	http.Error(w, "invalid session token", http.StatusUnauthorized)
}

func (m *middleware) failed(w http.ResponseWriter, r *http.Request, err error) {
	var se *storageError
	var ce *client.Error
	switch {
	case errors.As(err, &se):
		m.log(r, http.StatusInternalServerError, err)
		http.Error(w, "session storage unavailable", http.StatusInternalServerError)
	case errors.Is(err, ErrInvalidSessionToken), errors.Is(err, client.ErrReauthorize):
		m.unauthorized(w, r, err)
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

// log reports a refused request: at debug level for a bad or missing
// session token (App Bridge just fetches a new one), warn for a 429,
// error for a storage or Shopify failure.
func (m *middleware) log(r *http.Request, status int, err error) {
	level := slog.LevelError
	switch status {
	case http.StatusUnauthorized, http.StatusFound:
		level = slog.LevelDebug
	case http.StatusTooManyRequests:
		level = slog.LevelWarn
	}
	m.cfg.Logger.Log(r.Context(), level, "shopify: embedded app request refused",
		"method", r.Method, "path", r.URL.Path, "status", status, "error", err.Error())
}

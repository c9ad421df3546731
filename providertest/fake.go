package providertest

import (
	"crypto/subtle"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"time"
)

// Option configures any of the fakes: NewGeneric, NewShopify, NewFinch and
// NewPassport all take it. WithClock is one.
type Option interface {
	GenericOption
	ShopifyOption
	FinchOption
	PassportOption
}

// GenericOption configures NewGeneric.
type GenericOption interface{ applyGeneric(*genericConfig) }

// ShopifyOption configures NewShopify.
type ShopifyOption interface{ applyShopify(*shopifyConfig) }

// FinchOption configures NewFinch.
type FinchOption interface{ applyFinch(*finchConfig) }

// PassportOption configures NewPassport.
type PassportOption interface{ applyPassport(*passportConfig) }

// The option values of each fake: a function over its configuration.
type (
	genericOption  func(*genericConfig)
	shopifyOption  func(*shopifyConfig)
	finchOption    func(*finchConfig)
	passportOption func(*passportConfig)
	commonOption   func(*common)
)

func (o genericOption) applyGeneric(c *genericConfig)    { o(c) }
func (o shopifyOption) applyShopify(c *shopifyConfig)    { o(c) }
func (o finchOption) applyFinch(c *finchConfig)          { o(c) }
func (o passportOption) applyPassport(c *passportConfig) { o(c) }
func (o commonOption) applyGeneric(c *genericConfig)     { o(&c.common) }
func (o commonOption) applyShopify(c *shopifyConfig)     { o(&c.common) }
func (o commonOption) applyFinch(c *finchConfig)         { o(&c.common) }
func (o commonOption) applyPassport(c *passportConfig)   { o(&c.common) }

// WithClock sets a fake's clock: code and token lifetimes, JWT times,
// session-token checks. A nil clock is an invalid option (see Err).
func WithClock(now func() time.Time) Option {
	return commonOption(func(c *common) {
		if now == nil {
			c.errs = append(c.errs, errors.New("providertest: WithClock: nil clock"))
			return
		}
		c.now = now
	})
}

// WithListener makes a fake serve on ln, a listener on a loopback address,
// instead of on a fresh 127.0.0.1 port: for a fake at a known address (the
// CLI's oauthx fake --addr). The fake's Close closes ln. A nil listener, or
// one on an address that is not loopback, is an invalid option (see Err):
// the fake then serves its 500s on a fresh port and leaves ln alone.
func WithListener(ln net.Listener) Option {
	return commonOption(func(c *common) {
		if ln == nil {
			c.errs = append(c.errs, errors.New("providertest: WithListener: nil listener"))
			return
		}
		if a, ok := ln.Addr().(*net.TCPAddr); !ok || !a.IP.IsLoopback() {
			c.errs = append(c.errs, errors.New("providertest: WithListener: not a loopback address"))
			return
		}
		c.ln = ln
	})
}

// common is the configuration every fake has.
type common struct {
	now  func() time.Time
	ln   net.Listener // WithListener; nil: a fresh loopback port
	errs []error      // options given invalid values
}

func defaultCommon() common { return common{now: time.Now} }

// fake is the skeleton every fake shares: its loopback server, its fault
// queue, the lock over its state and its counters S. Each fake embeds it
// and adds only its endpoints and quirks.
type fake[S any] struct {
	srv    *httptest.Server
	faults faults
	err    error // options given invalid values

	mu    sync.Mutex
	stats S
}

// start serves h on a loopback port (WithListener's, else a fresh one) and
// returns its URL. When an option was given an invalid value, every
// request is answered 500 naming it instead (the constructors, like
// httptest.NewServer, return no error).
func (f *fake[S]) start(c common, h http.Handler) string {
	f.err = errors.Join(c.errs...)
	if f.err != nil {
		msg := f.err.Error()
		h = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "server_error", "error_description": msg})
		})
	}
	if c.ln == nil {
		f.srv = httptest.NewServer(h)
		return f.srv.URL
	}
	f.srv = httptest.NewUnstartedServer(h)
	_ = f.srv.Listener.Close() // the fresh port httptest opened, unused
	f.srv.Listener = c.ln
	f.srv.Start()
	return f.srv.URL
}

// Err reports an option given an invalid value (e.g. WithClock(nil)), nil
// when there was none. While it is non-nil the fake answers every request
// with 500.
func (f *fake[S]) Err() error { return f.err }

// Close shuts the server down.
func (f *fake[S]) Close() { f.srv.Close() }

// Fail queues faults: each is served to one upcoming request of the
// fake's API endpoints (the token endpoint, and those its doc names), in
// order, instead of (or around) handling it.
func (f *fake[S]) Fail(fs ...Fault) { f.faults.push(fs...) }

// Stats returns the counters so far.
func (f *fake[S]) Stats() S {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.stats
}

// count changes the counters under the lock.
func (f *fake[S]) count(fn func(*S)) {
	f.mu.Lock()
	fn(&f.stats)
	f.mu.Unlock()
}

// sameCredentials compares client credentials in constant time.
func sameCredentials(id, secret, wantID, wantSecret string) bool {
	return subtle.ConstantTimeCompare([]byte(id), []byte(wantID)) == 1 &&
		subtle.ConstantTimeCompare([]byte(secret), []byte(wantSecret)) == 1
}

// unexpectedField returns the first field (in sorted order) that allowed
// does not list.
func unexpectedField[V any](fields map[string]V, allowed []string) (string, bool) {
	for _, k := range sortedKeys(fields) {
		if !slices.Contains(allowed, k) {
			return k, true
		}
	}
	return "", false
}

// missingField returns the first of required that fields lacks, passing
// over those named optional.
func missingField[V any](fields map[string]V, required []string, optional ...string) (string, bool) {
	for _, k := range required {
		if _, ok := fields[k]; !ok && !slices.Contains(optional, k) {
			return k, true
		}
	}
	return "", false
}

// repeatedField returns the first field (in sorted order) given more than
// once.
func repeatedField(fields url.Values) (string, bool) {
	for _, k := range sortedKeys(fields) {
		if len(fields[k]) != 1 {
			return k, true
		}
	}
	return "", false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// issue stores v in m under a fresh random key that starts with prefix,
// under f's lock, and returns the key: a code, a token or a session id.
func issue[S, V any](f *fake[S], m map[string]V, prefix string, v V) string {
	key := randomToken(prefix)
	f.mu.Lock()
	m[key] = v
	f.mu.Unlock()
	return key
}

// spend takes key out of m under f's lock, so that it serves once, and
// marks it in spent. It returns what m held and whether it was there;
// reused is true when key had been spent before, and then onReuse (when
// not nil) changes the counters under the same lock.
func spend[S, V any](f *fake[S], m map[string]V, spent map[string]bool, key string, onReuse func(*S)) (v V, ok, reused bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok = m[key]
	reused = spent[key]
	if reused && onReuse != nil {
		onReuse(&f.stats)
	}
	if ok {
		delete(m, key)
		spent[key] = true
	}
	return v, ok, reused
}

package chaos

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providers"
	"github.com/oauthx/oauthx/providertest"
)

// provider is the strict single-use fake (providertest.Generic) behind a
// recording front on its own loopback port. The front passes every token
// request to the fake and records what it answered, so it knows each
// token's family (the chain of rotations that started with one code) and
// which refresh tokens were spent. When a spent refresh token comes back
// it revokes the whole family, as providers with reuse detection do
// (OAuth 2.0 Security BCP, RFC 9700 §4.14.2): from then on the family's
// refresh tokens are refused and its access tokens count as revoked.
//
// It can also answer the next token request with a redirect instead of
// handling it, and runs a second server (other) on another port that
// records every request reaching it: a host other than the validated one.
type provider struct {
	// URL is the validated host's base URL, for providers.Generic.
	URL string
	// ClientID and ClientSecret are the credentials the fake accepts.
	ClientID, ClientSecret string
	// other is the host a redirect points to.
	other *otherHost

	lifetime time.Duration
	// keepOnReuse turns reuse detection off: a reused refresh token is
	// refused (the fake's own answer) but its family lives on.
	keepOnReuse bool
	g           *providertest.Generic
	hc          *http.Client

	mu        sync.Mutex
	family    map[string]*family // access and refresh tokens → their family
	spent     map[string]bool    // refresh tokens the fake accepted
	access    map[string]string  // refresh token → the access token issued with it
	sent      map[string]int     // codes and refresh tokens → requests carrying them here
	refreshes []refreshRequest   // every refresh request, in arrival order
	redirects []redirect         // queued redirect answers
	hook      func(refreshToken string)
}

// family is one chain of rotations.
type family struct {
	revokedAt time.Time // zero: live
	latestRT  string    // the newest refresh token issued
}

// refreshRequest is one refresh request the front received.
type refreshRequest struct {
	fam *family // nil for a refresh token the front never issued
	rt  string
	at  time.Time
	ok  bool // the fake issued new tokens
}

type redirect struct {
	status   int
	location string
}

// newProvider starts the front and the fake behind it; access tokens live
// lifetime (whole seconds; zero: one hour).
func newProvider(t *testing.T, lifetime time.Duration) *provider {
	t.Helper()
	if lifetime == 0 {
		lifetime = time.Hour
	}
	g := providertest.NewGeneric(providertest.WithTokenLifetime(lifetime))
	t.Cleanup(g.Close)
	p := &provider{
		ClientID: g.ClientID, ClientSecret: g.ClientSecret, lifetime: lifetime, g: g,
		hc:     &http.Client{Timeout: 30 * time.Second},
		family: map[string]*family{}, spent: map[string]bool{}, sent: map[string]int{}, access: map[string]string{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/oauth2/token", p.token)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	p.other = newOtherHost(t, p.ClientSecret)
	return p
}

// client returns an oauthx client for the validated host.
func (p *provider) client(t *testing.T) *client.Client {
	t.Helper()
	c, err := client.New(client.Config{Provider: providers.Generic(p.URL), ClientID: p.ClientID, ClientSecret: p.ClientSecret})
	require.NoError(t, err)
	return c
}

func (p *provider) token(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		http.Error(w, "read body", http.StatusBadRequest)
		return
	}
	form, _ := url.ParseQuery(string(body))
	refresh := form.Get("grant_type") == "refresh_token"
	rt := form.Get("refresh_token")

	p.mu.Lock()
	for _, grant := range []string{form.Get("code"), rt} {
		if grant != "" {
			p.sent[grant]++
		}
	}
	var rd *redirect
	if len(p.redirects) > 0 {
		rd = &p.redirects[0]
		p.redirects = p.redirects[1:]
	}
	fam := p.family[rt]
	idx := -1
	if refresh {
		idx = len(p.refreshes)
		p.refreshes = append(p.refreshes, refreshRequest{fam: fam, rt: rt, at: time.Now()})
	}
	revoked := fam != nil && !fam.revokedAt.IsZero()
	hook := p.hook
	p.mu.Unlock()

	if rd != nil {
		w.Header().Set("Location", rd.location)
		w.WriteHeader(rd.status)
		return
	}
	if revoked {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant", "error_description": "refresh token revoked (reuse detected)"})
		return
	}
	req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, p.g.URL+"/oauth2/token", bytes.NewReader(body))
	if err != nil {
		http.Error(w, "forward", http.StatusInternalServerError)
		return
	}
	for _, h := range []string{"Content-Type", "Authorization", "Accept"} {
		if v := r.Header.Get(h); v != "" {
			req.Header.Set(h, v)
		}
	}
	resp, err := p.hc.Do(req)
	if err != nil {
		http.Error(w, "forward", http.StatusBadGateway)
		return
	}
	answer, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	ok := p.record(refresh, rt, idx, resp.StatusCode, answer)
	if ok && refresh && hook != nil {
		hook(rt) // the refresh is handled, its answer not yet sent: in flight
	}
	for _, h := range []string{"Content-Type", "Cache-Control"} {
		w.Header().Set(h, resp.Header.Get(h))
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(answer)
}

// record notes what the fake answered; it reports whether it issued tokens.
func (p *provider) record(refresh bool, rt string, idx, status int, answer []byte) bool {
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	fam := p.family[rt]
	if status != http.StatusOK {
		if refresh && fam != nil && p.spent[rt] && fam.revokedAt.IsZero() && !p.keepOnReuse {
			fam.revokedAt = now // reuse detected: the family dies
		}
		return false
	}
	var tok struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	if json.Unmarshal(answer, &tok) != nil || tok.AccessToken == "" {
		return false
	}
	if refresh {
		p.spent[rt] = true
		p.refreshes[idx].ok = true
	}
	if fam == nil {
		fam = &family{}
	}
	fam.latestRT = tok.RefreshToken
	if tok.RefreshToken != "" {
		p.access[tok.RefreshToken] = tok.AccessToken
	}
	for _, s := range []string{tok.AccessToken, tok.RefreshToken} {
		if s == "" {
			continue
		}
		p.family[s] = fam
	}
	return true
}

// redirectNext answers the next token request with status and Location
// instead of handling it.
func (p *provider) redirectNext(status int, location string) {
	p.mu.Lock()
	p.redirects = append(p.redirects, redirect{status, location})
	p.mu.Unlock()
}

// onRefresh sets a hook run after each refresh the fake handled and
// before its answer goes out (nil: none).
func (p *provider) onRefresh(hook func(refreshToken string)) {
	p.mu.Lock()
	p.hook = hook
	p.mu.Unlock()
}

// issueCode returns a fresh single-use code, as if a user had consented.
func (p *provider) issueCode() string { return p.g.IssueCode("") }

// login exchanges a fresh code for a session stored under id.
func (p *provider) login(t *testing.T, c *client.Client, id string) *client.Session {
	t.Helper()
	s, err := c.ExchangeCode(context.Background(), p.issueCode(), client.WithSessionID(id))
	require.NoError(t, err)
	return s
}

// familyOf returns the family tok belongs to, nil for a token the fake
// never issued.
func (p *provider) familyOf(tok string) *family {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.family[tok]
}

// liveRefresh returns the family's one live refresh token: its newest,
// unless it was spent or the family revoked ("" then).
func (p *provider) liveRefresh(f *family) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if f == nil || !f.revokedAt.IsZero() || p.spent[f.latestRT] {
		return ""
	}
	return f.latestRT
}

// spentToken reports whether rt is a refresh token the fake accepted once.
func (p *provider) spentToken(rt string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.spent[rt]
}

// honoured reports whether the provider honoured access token at when it
// was handed out: it issued it and had not revoked its family by then.
func (p *provider) honoured(at string, when time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	f := p.family[at]
	return f != nil && (f.revokedAt.IsZero() || when.Before(f.revokedAt))
}

// refreshRequests returns the refresh requests made with tokens of f.
func (p *provider) refreshRequests(f *family) []refreshRequest {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []refreshRequest
	for _, r := range p.refreshes {
		if r.fam == f {
			out = append(out, r)
		}
	}
	return out
}

// accessFor returns the access token issued together with refresh token rt.
func (p *provider) accessFor(rt string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.access[rt]
}

// sentHere returns how many token requests carried grant to the
// validated host.
func (p *provider) sentHere(grant string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.sent[grant]
}

// otherHost is a server on another port that answers every request with
// a token of its own and counts the requests that carried a client
// secret or a grant.
type otherHost struct {
	URL    string
	secret string

	mu       sync.Mutex
	requests int
	leaks    int
}

// otherAccessToken is what the other host hands out; the validated
// provider never issued it.
const otherAccessToken = "at_from_the_other_host"

func newOtherHost(t *testing.T, secret string) *otherHost {
	o := &otherHost{secret: secret}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<10))
		form, _ := url.ParseQuery(string(body))
		_, _, basic := r.BasicAuth()
		leak := basic || bytes.Contains(body, []byte(o.secret)) || bytes.Contains([]byte(r.URL.RawQuery), []byte(o.secret)) ||
			form.Get("client_secret") != "" || form.Get("code") != "" || form.Get("refresh_token") != ""
		o.mu.Lock()
		o.requests++
		if leak {
			o.leaks++
		}
		o.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"access_token": otherAccessToken, "token_type": "bearer",
			"refresh_token": "rt_from_the_other_host", "expires_in": 3600})
	}))
	t.Cleanup(srv.Close)
	o.URL = srv.URL
	return o
}

// counts returns the requests the other host received, and those of them
// that carried a secret or a grant.
func (o *otherHost) counts() (requests, leaks int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.requests, o.leaks
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

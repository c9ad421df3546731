package providertest

import (
	"crypto/rand"
	"html"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// The generic fake's device authorization grant (RFC 8628): POST
// /oauth2/device_authorization, the user's verification page GET /device,
// and device_code polling at the token endpoint.

const deviceGrant = "urn:ietf:params:oauth:grant-type:device_code"

// deviceConfig holds the device flow's options.
type deviceConfig struct {
	interval time.Duration // advertised polling interval (0: 5 s)
	lifetime time.Duration // device code lifetime (0: 10 min)
}

// WithDeviceInterval sets the polling interval the fake advertises and
// enforces (default 5 s): a poll sooner than the interval after the last
// one is answered slow_down, and the interval grows by 5 s for that device
// code (RFC 8628 §3.5). A sub-second interval is sent as a fraction, for
// tests of programs that cannot be given a fake sleep; real servers send
// whole seconds.
func WithDeviceInterval(d time.Duration) GenericOption {
	return genericOption(func(c *genericConfig) { c.ext.device.interval = d })
}

// WithDeviceCodeLifetime sets how long a device code lives (expires_in;
// default 10 minutes). A poll after that is answered expired_token.
func WithDeviceCodeLifetime(d time.Duration) GenericOption {
	return genericOption(func(c *genericConfig) { c.ext.device.lifetime = d })
}

// deviceState is where one device code is.
type deviceState int

const (
	devicePending  deviceState = iota
	deviceApproved             // the user consented; the next poll gets the tokens
	deviceDenied               // the user refused; the next poll gets access_denied
	deviceEnded                // a terminal answer was sent: tokens, access_denied or expired_token
)

// deviceGrantState is one device authorization, under Generic.mu.
type deviceGrantState struct {
	userCode string
	scopes   []string
	expiry   time.Time
	interval time.Duration
	lastPoll time.Time
	state    deviceState
	slowDown bool // answer the next poll slow_down whatever its timing
}

// DeviceAuthURL is the fake's RFC 8628 device authorization endpoint, for
// providers.WithDeviceAuthURL.
func (g *Generic) DeviceAuthURL() string { return g.URL + "/oauth2/device_authorization" }

// VerificationURL is the page where the user enters a user code: GET it
// with ?user_code=CODE to consent, as a browser would (add &deny=1 to
// refuse).
func (g *Generic) VerificationURL() string { return g.URL + "/device" }

// ApproveDevice plays the user consenting for userCode; it reports false
// for a code that is unknown or no longer pending.
func (g *Generic) ApproveDevice(userCode string) bool {
	return g.decideDevice(userCode, deviceApproved)
}

// DenyDevice plays the user refusing for userCode.
func (g *Generic) DenyDevice(userCode string) bool { return g.decideDevice(userCode, deviceDenied) }

// SlowDownDevice makes the next poll of userCode's device code answer
// slow_down (as a loaded server may at any time), growing its interval.
func (g *Generic) SlowDownDevice(userCode string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, d := range g.ext.devices {
		if d.userCode == userCode && d.state == devicePending {
			d.slowDown = true
			return true
		}
	}
	return false
}

func (g *Generic) decideDevice(userCode string, to deviceState) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, d := range g.ext.devices {
		if d.userCode == userCode && d.state == devicePending && g.cfg.now().Before(d.expiry) {
			d.state = to
			return true
		}
	}
	return false
}

// deviceAuthorization is RFC 8628 §3.1–3.2.
func (g *Generic) deviceAuthorization(w http.ResponseWriter, r *http.Request) {
	p, ok := g.formParams(w, r, withAssertionParams([]string{"client_id", "client_secret", "scope"}))
	if !ok {
		return
	}
	if !g.authenticate(r, p) {
		g.fail(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return
	}
	cfg := g.cfg.ext.device
	interval, lifetime := cfg.interval, cfg.lifetime
	if interval <= 0 {
		interval = 5 * time.Second
	}
	if lifetime <= 0 {
		lifetime = 10 * time.Minute
	}
	code, user := randomToken("dc_"), userCode()
	verification := baseOf(r) + "/device"
	g.mu.Lock()
	g.ext.devices[code] = &deviceGrantState{userCode: user, scopes: strings.Fields(p.Get("scope")),
		expiry: g.cfg.now().Add(lifetime), interval: interval}
	g.stats.DeviceAuthorizations++
	g.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"device_code":               code,
		"user_code":                 user,
		"verification_uri":          verification,
		"verification_uri_complete": verification + "?user_code=" + url.QueryEscape(user),
		"expires_in":                int(lifetime / time.Second),
		"interval":                  seconds(interval),
	})
}

// seconds is d in seconds: a whole number when it is one.
func seconds(d time.Duration) any {
	if d%time.Second == 0 {
		return int(d / time.Second)
	}
	return math.Round(d.Seconds()*1000) / 1000
}

// pollDevice answers a device_code token request (RFC 8628 §3.4–3.5).
func (g *Generic) pollDevice(w http.ResponseWriter, p url.Values, jkt string) {
	code := p.Get("device_code")
	now := g.cfg.now()
	g.mu.Lock()
	g.stats.DevicePolls++
	d, ok := g.ext.devices[code]
	if !ok || d.state == deviceEnded {
		if ok {
			g.stats.DeviceCodesReused++
		}
		g.mu.Unlock()
		g.fail(w, http.StatusBadRequest, "invalid_grant", "device code is invalid or was already used")
		return
	}
	var errCode, desc string
	switch {
	case !now.Before(d.expiry):
		d.state, errCode, desc = deviceEnded, "expired_token", "the device code expired"
	case d.state == deviceDenied:
		d.state, errCode, desc = deviceEnded, "access_denied", "the user refused"
	case d.slowDown || (!d.lastPoll.IsZero() && now.Sub(d.lastPoll) < d.interval):
		d.slowDown = false
		d.interval += 5 * time.Second
		errCode, desc = "slow_down", "polling too fast: interval is now "+d.interval.String()
	case d.state == devicePending:
		errCode, desc = "authorization_pending", "the user has not answered yet"
	}
	d.lastPoll = now
	if errCode != "" {
		g.mu.Unlock()
		g.fail(w, http.StatusBadRequest, errCode, desc)
		return
	}
	d.state = deviceEnded
	scopes := d.scopes
	g.mu.Unlock()
	g.issueTokens(w, deviceGrant, "user-1", scopes, true, jkt)
}

// verify is the user's page: ?user_code=CODE consents (&deny=1 refuses).
func (g *Generic) verify(w http.ResponseWriter, r *http.Request) {
	code := r.URL.Query().Get("user_code")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if code == "" {
		_, _ = w.Write([]byte("<!doctype html><form><input name=user_code><button>Continue</button></form>\n"))
		return
	}
	ok := false
	if r.URL.Query().Get("deny") == "1" {
		ok = g.DenyDevice(code)
	} else {
		ok = g.ApproveDevice(code)
	}
	if !ok {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte("<!doctype html><p>Unknown or expired code " + html.EscapeString(code) + "</p>\n"))
		return
	}
	_, _ = w.Write([]byte("<!doctype html><p>Done. You can return to your device.</p>\n"))
}

// userCode is an RFC 8628 §6.1 user code: 8 characters of a 20-letter
// alphabet without vowels, as XXXX-XXXX.
func userCode() string {
	const alphabet = "BCDFGHJKLMNPQRSTVWXZ"
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	out := make([]byte, 0, 9)
	for i, c := range b {
		if i == 4 {
			out = append(out, '-')
		}
		out = append(out, alphabet[int(c)%len(alphabet)])
	}
	return string(out)
}

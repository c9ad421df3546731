package providertest

import (
	"html"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// ConsentLifetime is how long a consent page of the generic fake
// (WithConsentPage) can be answered.
const ConsentLifetime = 10 * time.Minute

// WithConsentPage makes the generic fake's GET /oauth2/authorize answer a
// consent page instead of approving at once: an HTML form with an Allow
// button (id "allow") and a Deny button (id "deny") that posts to
// /oauth2/consent. Allow sends the browser back to redirect_uri with a
// code and the state; Deny sends it back with error=access_denied, an
// error_description (ConsentDeniedDescription) and the state. Each page
// can be answered once, within ConsentLifetime.
func WithConsentPage() GenericOption {
	return genericOption(func(c *genericConfig) { c.consent = true })
}

// ConsentDeniedDescription is the error_description the generic fake
// sends back when the user clicks Deny on its consent page for clientID.
// It holds characters that HTML must escape (<, >, & and quotes), so a
// page that shows it proves it escapes what the provider says.
func ConsentDeniedDescription(clientID string) string {
	return `The user clicked "Deny": <` + clientID + `> gets no access & no code.`
}

// consentPending is one consent page not answered yet.
type consentPending struct {
	grant  codeGrant
	target string // redirect_uri, validated
	state  string
	shown  time.Time
}

// consentPage answers the authorize request with the consent page; the
// request has been checked.
func (g *Generic) consentPage(w http.ResponseWriter, target *url.URL, state string, grant codeGrant) {
	id := randomToken("consent_")
	g.mu.Lock()
	g.consents[id] = consentPending{grant: grant, target: target.String(), state: state, shown: g.cfg.now()}
	g.stats.ConsentPages++
	g.mu.Unlock()

	scopes := "(none)"
	if len(grant.scopes) > 0 {
		scopes = strings.Join(grant.scopes, " ")
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Authorize ` + html.EscapeString(g.cfg.clientID) + `</title>
<style>body{font:16px/1.5 system-ui,sans-serif;margin:3rem auto;max-width:30rem}button{font-size:1rem;padding:.5rem 1.5rem;margin-right:1rem}</style>
</head><body>
<h1>Authorize <span id="client">` + html.EscapeString(g.cfg.clientID) + `</span></h1>
<p>It asks for: <span id="scopes">` + html.EscapeString(scopes) + `</span></p>
<p>It will be sent back to <code>` + html.EscapeString(target.Scheme+"://"+target.Host+target.Path) + `</code>.</p>
<form method="post" action="/oauth2/consent">
<input type="hidden" name="consent" value="` + id + `">
<button type="submit" id="allow" name="decision" value="allow">Allow</button>
<button type="submit" id="deny" name="decision" value="deny">Deny</button>
</form>
</body></html>
`))
}

// consent takes the answer to a consent page: POST /oauth2/consent with
// the page's consent id and decision=allow or decision=deny.
func (g *Generic) consent(w http.ResponseWriter, r *http.Request) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/x-www-form-urlencoded" {
		http.Error(w, "the consent form is posted as application/x-www-form-urlencoded", http.StatusUnsupportedMediaType)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "unreadable consent form", http.StatusBadRequest)
		return
	}
	decision := r.PostForm.Get("decision")
	if decision != "allow" && decision != "deny" {
		http.Error(w, "decision must be allow or deny", http.StatusBadRequest)
		return
	}
	id := r.PostForm.Get("consent")
	g.mu.Lock()
	p, ok := g.consents[id]
	delete(g.consents, id)
	if ok && g.cfg.now().Sub(p.shown) >= ConsentLifetime {
		ok = false
	}
	if ok && decision == "allow" {
		g.stats.Consented++
	} else if ok {
		g.stats.Denied++
	}
	g.mu.Unlock()
	if !ok {
		http.Error(w, "unknown, answered or expired consent page", http.StatusBadRequest)
		return
	}
	target, _ := url.Parse(p.target) // parsed once already
	if decision == "deny" {
		redirectBack(w, r, target, p.state, url.Values{
			"error":             {"access_denied"},
			"error_description": {ConsentDeniedDescription(g.cfg.clientID)},
		})
		return
	}
	redirectWithCode(w, r, target, g.issueCode(p.grant), p.state)
}

package shopify

import (
	"html"
	"net/http"
	"net/url"
	"strings"
)

// DefaultBouncePath is where the middleware sends document requests
// without a good session token, and serves the bounce page.
const DefaultBouncePath = "/auth/session-token"

// DefaultAppBridgeURL is App Bridge's script, which the bounce page loads.
const DefaultAppBridgeURL = "https://cdn.shopify.com/shopifycloud/app-bridge.js"

// ReloadParam is the bounce page's query parameter naming the URL to
// reload with a fresh session token.
const ReloadParam = "shopify-reload"

// bounceRedirect sends a document request to the bounce page: its query
// without id_token, plus shopify-reload = its own path and that query.
func (m *middleware) bounceRedirect(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	q.Del("id_token")
	q.Del(ReloadParam)
	reload := r.URL.EscapedPath()
	if enc := q.Encode(); enc != "" {
		reload += "?" + enc
	}
	q.Set(ReloadParam, reload)
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, m.cfg.BouncePath+"?"+q.Encode(), http.StatusFound)
}

// serveBounce serves the bounce page: it loads App Bridge, which fetches
// a fresh session token, and reloads the shopify-reload URL with it as
// id_token. The URL must be of this app (a path, or this host): anything
// else is answered 400, and the page checks it again before navigating.
func (m *middleware) serveBounce(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if !sameOrigin(r, r.URL.Query().Get(ReloadParam)) {
		http.Error(w, "shopify-reload must be a URL of this app", http.StatusBadRequest)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	_, _ = w.Write(m.bouncePage)
}

// sameOrigin accepts a path-absolute reference (/x, not //x) or an http(s)
// URL of the request's own host, with no user info and no backslash or
// control character anywhere.
func sameOrigin(r *http.Request, target string) bool {
	if target == "" || strings.ContainsAny(target, "\\") || strings.ContainsFunc(target, func(c rune) bool { return c < 0x20 || c == 0x7f }) {
		return false
	}
	u, err := url.Parse(target)
	if err != nil || u.User != nil || u.Opaque != "" {
		return false
	}
	if u.Scheme == "" && u.Host == "" {
		return strings.HasPrefix(target, "/") && !strings.HasPrefix(target, "//")
	}
	return (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && strings.EqualFold(u.Host, r.Host)
}

// bouncePage renders the page once per middleware.
func bouncePage(apiKey, appBridgeURL string) []byte {
	return []byte(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><meta name="shopify-api-key" content="` + html.EscapeString(apiKey) + `">
<script src="` + html.EscapeString(appBridgeURL) + `"></script></head>
<body><script>
(function () {
  var target = new URL(new URLSearchParams(location.search).get("` + ReloadParam + `") || "/", location.href);
  if (target.origin !== location.origin) { document.body.textContent = "refused: not a URL of this app"; return; }
  target.searchParams.delete("id_token");
  shopify.idToken().then(function (token) {
    target.searchParams.set("id_token", token);
    location.replace(target.href);
  });
})();
</script></body></html>
`)
}

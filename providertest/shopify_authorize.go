package providertest

import (
	"encoding/base64"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// shopifyScopeList is a comma-separated list of access scopes.
var shopifyScopeList = regexp.MustCompile(`^[a-z_]+(,[a-z_]+)*$`)

// routeDoors adds the endpoints of Shopify's other doors to the fake: the
// authorize page of the code grant.
func (f *Shopify) routeDoors(mux *http.ServeMux) {
	mux.HandleFunc("GET /{shop}/admin/oauth/authorize", f.authorize)
}

// authorize is GET /{shop}/admin/oauth/authorize: the merchant approves at
// once, and the browser is sent back to redirect_uri with a fresh code and
// the query Shopify signs (code, hmac, host, shop, state, timestamp).
// It answers 400 for an unknown client_id, a redirect_uri that is not
// absolute, a missing state or scope, or grant_options[] (online tokens
// through the code grant are not modeled: use token exchange).
func (f *Shopify) authorize(w http.ResponseWriter, r *http.Request) {
	shop := r.PathValue("shop")
	if !fakeShopPattern.MatchString(shop) {
		http.Error(w, "no such shop", http.StatusNotFound)
		return
	}
	q := r.URL.Query()
	target, ok := authorizeTarget(w, q, f.cfg.apiKey)
	if !ok {
		return
	}
	for _, k := range []string{"client_id", "redirect_uri", "state", "scope"} {
		if len(q[k]) != 1 {
			http.Error(w, k+" must be given once", http.StatusBadRequest)
			return
		}
	}
	switch {
	case q.Get("state") == "":
		http.Error(w, "state is required", http.StatusBadRequest)
		return
	case !shopifyScopeList.MatchString(q.Get("scope")):
		http.Error(w, "scope must be a comma-separated list of access scopes", http.StatusBadRequest)
		return
	case q.Has("grant_options[]"):
		http.Error(w, "this fake issues offline codes only (grant_options[] is not modeled)", http.StatusBadRequest)
		return
	}
	name, _, _ := strings.Cut(shop, ".")
	back := target.Query()
	back.Set("code", f.IssueCode(shop))
	back.Set("host", base64.StdEncoding.EncodeToString([]byte("admin.shopify.com/store/"+name)))
	back.Set("shop", shop)
	back.Set("state", q.Get("state"))
	back.Set("timestamp", strconv.FormatInt(f.cfg.now().Unix(), 10))
	target.RawQuery = SignShopifyQuery(f.cfg.apiSecret, back).Encode()
	http.Redirect(w, r, target.String(), http.StatusFound)
}

package providertest

import (
	"encoding/base64"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// shopifyScopeList is a comma-separated list of access scopes.
var shopifyScopeList = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z_]+(,[a-z_]+)*$`) }) // compiled on first use, not at init

// routeDoors adds the endpoints of Shopify's other doors to the fake: the
// authorize page of the code grant.
func (f *Shopify) routeDoors(mux *http.ServeMux) {
	mux.HandleFunc("GET /{shop}/admin/oauth/authorize", f.authorize)
}

// authorize is GET /{shop}/admin/oauth/authorize: the merchant approves at
// once, and the browser is sent back to redirect_uri with a fresh code and
// the query Shopify signs (code, hmac, host, shop, state, timestamp).
// With grant_options[]=per-user the code is for an online token of the
// approving staff member, set by SetOnlineApprover (user 1, the account owner,
// unless set). It answers 400 for an unknown client_id, a redirect_uri
// that is not absolute, a missing state or scope, or another grant option.
func (f *Shopify) authorize(w http.ResponseWriter, r *http.Request) {
	shop := r.PathValue("shop")
	if !fakeShopPattern().MatchString(shop) {
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
	case !shopifyScopeList().MatchString(q.Get("scope")):
		http.Error(w, "scope must be a comma-separated list of access scopes", http.StatusBadRequest)
		return
	case q.Has("grant_options[]") && (len(q["grant_options[]"]) != 1 || q.Get("grant_options[]") != "per-user"):
		http.Error(w, "grant_options[] can only be per-user", http.StatusBadRequest)
		return
	}
	code := f.IssueCode(shop)
	if q.Has("grant_options[]") {
		f.doors.mu.Lock()
		if f.doors.users == nil {
			f.doors.users = map[string]int64{}
		}
		f.doors.users[code] = f.doors.approver
		if f.doors.approver == 0 {
			f.doors.users[code] = 1
		}
		f.doors.mu.Unlock()
	}
	name, _, _ := strings.Cut(shop, ".")
	back := target.Query()
	back.Set("code", code)
	back.Set("host", base64.StdEncoding.EncodeToString([]byte("admin.shopify.com/store/"+name)))
	back.Set("shop", shop)
	back.Set("state", q.Get("state"))
	back.Set("timestamp", strconv.FormatInt(f.cfg.now().Unix(), 10))
	target.RawQuery = SignShopifyQuery(f.cfg.apiSecret, back).Encode()
	http.Redirect(w, r, target.String(), http.StatusFound)
}

// SetOnlineApprover sets the staff member (user id > 0) who approves
// per-user installs on the authorize page (default 1, the account owner).
func (f *Shopify) SetOnlineApprover(userID int64) {
	f.doors.mu.Lock()
	defer f.doors.mu.Unlock()
	f.doors.approver = userID
}

// takeOnlineCode reports whether code was issued for a per-user install,
// and for whom, and forgets it.
func (f *Shopify) takeOnlineCode(code string) (int64, bool) {
	f.doors.mu.Lock()
	defer f.doors.mu.Unlock()
	id, ok := f.doors.users[code]
	delete(f.doors.users, code)
	return id, ok
}

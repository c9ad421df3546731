package shopify

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/oauthx/oauthx/client"
)

// AssociatedUser is the staff member an online access token acts for.
type AssociatedUser struct {
	// ID is the staff member's user id (the online session ID's suffix).
	ID int64 `json:"id"`
	// FirstName, LastName and Email are the staff member's.
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Email     string `json:"email"`
	// EmailVerified says whether Shopify verified Email.
	EmailVerified bool `json:"email_verified"`
	// AccountOwner is true for the shop's owner.
	AccountOwner bool `json:"account_owner"`
	// Locale is the staff member's locale (e.g. "en").
	Locale string `json:"locale"`
	// Collaborator is true for a collaborator account (a partner's, not
	// the shop's staff).
	Collaborator bool `json:"collaborator"`
}

// UserOf returns the associated user of an online session (from
// Session.Extra["associated_user"], as the token endpoint sent it or as
// stored). It reports false for an offline session or a malformed user.
func UserOf(s *client.Session) (AssociatedUser, bool) {
	if s == nil {
		return AssociatedUser{}, false
	}
	m, ok := s.Extra["associated_user"].(map[string]any)
	if !ok {
		return AssociatedUser{}, false
	}
	var u AssociatedUser
	switch id := m["id"].(type) {
	case json.Number:
		n, err := strconv.ParseInt(id.String(), 10, 64)
		if err != nil {
			return AssociatedUser{}, false
		}
		u.ID = n
	case float64:
		if id != float64(int64(id)) {
			return AssociatedUser{}, false
		}
		u.ID = int64(id)
	case string:
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			return AssociatedUser{}, false
		}
		u.ID = n
	default:
		return AssociatedUser{}, false
	}
	if u.ID <= 0 {
		return AssociatedUser{}, false
	}
	str := func(k string) string { v, _ := m[k].(string); return v }
	flag := func(k string) bool { v, _ := m[k].(bool); return v }
	u.FirstName, u.LastName, u.Email, u.Locale = str("first_name"), str("last_name"), str("email"), str("locale")
	u.EmailVerified, u.AccountOwner, u.Collaborator = flag("email_verified"), flag("account_owner"), flag("collaborator")
	return u, true
}

// AssociatedUserScopes returns the scopes the user of an online session has
// granted the app (associated_user_scope, comma-separated).
func AssociatedUserScopes(s *client.Session) []string {
	if s == nil {
		return nil
	}
	v, _ := s.Extra["associated_user_scope"].(string)
	var out []string
	for _, sc := range strings.Split(v, ",") {
		if sc = strings.TrimSpace(sc); sc != "" {
			out = append(out, sc)
		}
	}
	return out
}

// IsOnline reports whether s is an online (per-user) session.
func IsOnline(s *client.Session) bool {
	_, ok := UserOf(s)
	return ok
}

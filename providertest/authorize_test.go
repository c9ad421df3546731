package providertest_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/providertest"
)

// The fakes' authorize endpoints refuse what a real one refuses and send
// the browser back with a code and the state.
func TestAuthorizeEndpoints(t *testing.T) {
	t.Parallel()
	generic := providertest.NewGeneric()
	t.Cleanup(generic.Close)
	finch := providertest.NewFinch()
	t.Cleanup(finch.Close)
	passport := providertest.NewPassport()
	t.Cleanup(passport.Close)

	fakes := []struct {
		name     string
		endpoint string
		clientID string
		base     url.Values
		pkce     bool // Finch Connect takes no PKCE
	}{
		{"generic", generic.URL + "/oauth2/authorize", generic.ClientID, url.Values{"response_type": {"code"}, "state": {"st"}}, true},
		{"finch", finch.ConnectURL, finch.ClientID, url.Values{"products": {"company directory"}, "state": {"st"}}, false},
		{"passport", passport.URL + "/authorize", passport.ClientID, url.Values{"response_type": {"code"}, "state": {"st"}}, true},
	}
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(t *testing.T, endpoint string, q url.Values) *http.Response {
		resp, err := browser.Get(endpoint + "?" + q.Encode())
		require.NoError(t, err)
		resp.Body.Close()
		return resp
	}
	for _, f := range fakes {
		t.Run(f.name, func(t *testing.T) {
			query := func(change func(url.Values)) url.Values {
				q := url.Values{"client_id": {f.clientID}, "redirect_uri": {"http://127.0.0.1:1/cb?keep=1"}}
				for k, v := range f.base {
					q[k] = v
				}
				change(q)
				return q
			}
			bad := map[string]func(url.Values){
				"unknown client":    func(q url.Values) { q.Set("client_id", "someone-else") },
				"no redirect_uri":   func(q url.Values) { q.Del("redirect_uri") },
				"relative redirect": func(q url.Values) { q.Set("redirect_uri", "/cb") },
			}
			if f.pkce {
				bad["plain PKCE refused"] = func(q url.Values) { q.Set("code_challenge", "abc"); q.Set("code_challenge_method", "plain") }
				bad["PKCE without method"] = func(q url.Values) { q.Set("code_challenge", "abc") }
			}
			for name, change := range bad {
				assert.Equal(t, http.StatusBadRequest, get(t, f.endpoint, query(change)).StatusCode, name)
			}
			resp := get(t, f.endpoint, query(func(url.Values) {}))
			require.Equal(t, http.StatusFound, resp.StatusCode)
			loc, err := url.Parse(resp.Header.Get("Location"))
			require.NoError(t, err)
			assert.Equal(t, "127.0.0.1:1", loc.Host)
			assert.Equal(t, "st", loc.Query().Get("state"))
			assert.Equal(t, "1", loc.Query().Get("keep"))
			assert.NotEmpty(t, loc.Query().Get("code"))
		})
	}
}

package providertest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providertest"
)

var consentID = regexp.MustCompile(`name="consent" value="([^"]+)"`)

// consentBrowser follows no redirects: each answer is looked at.
var consentBrowser = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// openConsent GETs the authorize endpoint of g for a PKCE login and returns
// the consent page's body and its consent id.
func openConsent(t *testing.T, g *providertest.Generic, verifier string) (string, string) {
	t.Helper()
	q := url.Values{
		"response_type": {"code"}, "client_id": {g.ClientID}, "state": {"st-1"},
		"redirect_uri": {"http://127.0.0.1:1/cb?keep=1"}, "scope": {"read write"},
		"code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"},
	}
	resp, err := consentBrowser.Get(g.URL + "/oauth2/authorize?" + q.Encode())
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	assert.Equal(t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"))
	m := consentID.FindSubmatch(body)
	require.NotNil(t, m, "no consent id on the page: %s", body)
	return string(body), string(m[1])
}

// answerConsent posts the consent form.
func answerConsent(t *testing.T, g *providertest.Generic, contentType string, form url.Values) *http.Response {
	t.Helper()
	resp, err := consentBrowser.Post(g.URL+"/oauth2/consent", contentType, strings.NewReader(form.Encode()))
	require.NoError(t, err)
	resp.Body.Close()
	return resp
}

// TestGenericConsentPage walks the consent page: Allow sends the browser
// back with a code the token endpoint takes (with the PKCE verifier of the
// authorize request), Deny with access_denied and the escaped-worthy
// description; each page is answered once, within ConsentLifetime.
func TestGenericConsentPage(t *testing.T) {
	t.Parallel()
	var now atomic.Int64 // seconds; the fake reads it on its own goroutines
	now.Store(1_700_000_000)
	g := providertest.NewGeneric(providertest.WithConsentPage(), providertest.WithClock(func() time.Time { return time.Unix(now.Load(), 0) }))
	t.Cleanup(g.Close)
	const form = "application/x-www-form-urlencoded"
	verifier := client.GenerateVerifier()

	t.Run("allow", func(t *testing.T) {
		body, id := openConsent(t, g, verifier)
		for _, want := range []string{`id="allow"`, `id="deny"`, `action="/oauth2/consent"`, `read write`, g.ClientID} {
			assert.Contains(t, body, want)
		}
		resp := answerConsent(t, g, form, url.Values{"consent": {id}, "decision": {"allow"}})
		require.Equal(t, http.StatusFound, resp.StatusCode)
		loc, err := url.Parse(resp.Header.Get("Location"))
		require.NoError(t, err)
		assert.Equal(t, "127.0.0.1:1", loc.Host)
		assert.Equal(t, "st-1", loc.Query().Get("state"))
		assert.Equal(t, "1", loc.Query().Get("keep"))
		code := loc.Query().Get("code")
		require.NotEmpty(t, code)

		tok, err := http.PostForm(g.URL+"/oauth2/token", url.Values{
			"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {"http://127.0.0.1:1/cb?keep=1"},
			"code_verifier": {verifier}, "client_id": {g.ClientID}, "client_secret": {g.ClientSecret},
		})
		require.NoError(t, err)
		defer tok.Body.Close()
		var out map[string]any
		require.NoError(t, json.NewDecoder(tok.Body).Decode(&out))
		require.Equal(t, http.StatusOK, tok.StatusCode, "%v", out)
		assert.NotEmpty(t, out["access_token"])
		assert.Equal(t, "read write", out["scope"])

		again := answerConsent(t, g, form, url.Values{"consent": {id}, "decision": {"allow"}})
		assert.Equal(t, http.StatusBadRequest, again.StatusCode, "a consent page answered twice")
	})

	t.Run("deny", func(t *testing.T) {
		_, id := openConsent(t, g, verifier)
		resp := answerConsent(t, g, form, url.Values{"consent": {id}, "decision": {"deny"}})
		require.Equal(t, http.StatusFound, resp.StatusCode)
		loc, err := url.Parse(resp.Header.Get("Location"))
		require.NoError(t, err)
		q := loc.Query()
		assert.Equal(t, "access_denied", q.Get("error"))
		assert.Equal(t, providertest.ConsentDeniedDescription(g.ClientID), q.Get("error_description"))
		assert.Contains(t, q.Get("error_description"), "<"+g.ClientID+">")
		assert.Equal(t, "st-1", q.Get("state"))
		assert.Empty(t, q.Get("code"))
	})

	t.Run("refused", func(t *testing.T) {
		_, id := openConsent(t, g, verifier)
		for name, tc := range map[string]struct {
			contentType string
			form        url.Values
			status      int
		}{
			"JSON body":      {"application/json", url.Values{"consent": {id}, "decision": {"allow"}}, http.StatusUnsupportedMediaType},
			"no decision":    {form, url.Values{"consent": {id}}, http.StatusBadRequest},
			"other decision": {form, url.Values{"consent": {id}, "decision": {"maybe"}}, http.StatusBadRequest},
			"unknown page":   {form, url.Values{"consent": {"consent_nope"}, "decision": {"allow"}}, http.StatusBadRequest},
		} {
			assert.Equal(t, tc.status, answerConsent(t, g, tc.contentType, tc.form).StatusCode, name)
		}
		// None of those used the page up.
		assert.Equal(t, http.StatusFound, answerConsent(t, g, form, url.Values{"consent": {id}, "decision": {"deny"}}).StatusCode)
	})

	t.Run("expired", func(t *testing.T) {
		_, id := openConsent(t, g, verifier)
		now.Add(int64(providertest.ConsentLifetime / time.Second))
		assert.Equal(t, http.StatusBadRequest, answerConsent(t, g, form, url.Values{"consent": {id}, "decision": {"allow"}}).StatusCode)
	})

	st := g.Stats()
	assert.Equal(t, 4, st.ConsentPages)
	assert.Equal(t, 1, st.Consented)
	assert.Equal(t, 2, st.Denied)
	assert.Equal(t, 1, st.CodeExchanges)
}

// TestGenericConsentPageEscapes checks that the page escapes what it shows.
func TestGenericConsentPageEscapes(t *testing.T) {
	t.Parallel()
	g := providertest.NewGeneric(providertest.WithConsentPage(), providertest.WithClientCredentials(`<b>"cli&ent"</b>`, "s"))
	t.Cleanup(g.Close)
	body, _ := openConsent(t, g, client.GenerateVerifier())
	assert.NotContains(t, body, `<b>`)
	assert.Contains(t, body, `&lt;b&gt;&#34;cli&amp;ent&#34;&lt;/b&gt;`)
}

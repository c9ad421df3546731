package providertest

import (
	"crypto/subtle"
	"net/http"
	"net/url"
)

// authorizeTarget checks what every fake's authorize endpoint needs — the
// expected client_id and an absolute redirect_uri — and returns where to
// send the browser back. It answers 400 and reports false otherwise.
func authorizeTarget(w http.ResponseWriter, q url.Values, clientID string) (*url.URL, bool) {
	if q.Get("client_id") != clientID {
		http.Error(w, "unknown client_id", http.StatusBadRequest)
		return nil, false
	}
	target, err := url.Parse(q.Get("redirect_uri"))
	if q.Get("redirect_uri") == "" || err != nil || !target.IsAbs() {
		http.Error(w, "redirect_uri must be an absolute URL", http.StatusBadRequest)
		return nil, false
	}
	return target, true
}

// pkceChallenge reads an optional PKCE challenge; only S256 is accepted.
// It answers 400 and reports false for another method.
func pkceChallenge(w http.ResponseWriter, q url.Values) (string, bool) {
	ch := q.Get("code_challenge")
	if ch != "" && q.Get("code_challenge_method") != "S256" {
		http.Error(w, "only S256 code challenges are supported", http.StatusBadRequest)
		return "", false
	}
	return ch, true
}

// redirectWithCode sends the browser back to target with the code and,
// when there is one, the state.
func redirectWithCode(w http.ResponseWriter, r *http.Request, target *url.URL, code, state string) {
	redirectBack(w, r, target, state, url.Values{"code": {code}})
}

// redirectBack sends the browser back to target with params added to its
// query and, when there is one, the state.
func redirectBack(w http.ResponseWriter, r *http.Request, target *url.URL, state string, params url.Values) {
	tq := target.Query()
	for k, v := range params {
		tq[k] = v
	}
	if state != "" {
		tq.Set("state", state)
	}
	target.RawQuery = tq.Encode()
	http.Redirect(w, r, target.String(), http.StatusFound)
}

// pkceFailure says why verifier does not answer a code's challenge (""
// when it does, or when neither is there); unexpected is true when the
// code was issued without a challenge and a verifier came anyway. The
// check is in constant time.
func pkceFailure(challenge, verifier string) (desc string, unexpected bool) {
	switch {
	case challenge == "" && verifier != "":
		return "code_verifier sent for a code issued without a challenge", true
	case challenge != "" && subtle.ConstantTimeCompare([]byte(s256(verifier)), []byte(challenge)) != 1:
		return "PKCE verification failed", false
	}
	return "", false
}

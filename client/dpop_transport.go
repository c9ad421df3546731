package client

import (
	"context"
	"errors"
	"io"
	"net/http"
	"time"
)

// SessionSource hands out a live session, refreshed when needed.
// tokenstore.TokenSource implements it (its Session method).
type SessionSource interface {
	// Session returns a copy of the current session, refreshed first if
	// it needs to be, under ctx.
	Session(ctx context.Context) (*Session, error)
}

// DPoPTransport is an http.RoundTripper for calls to resource servers with
// the session of Source (RFC 9449 §7): for a session whose TokenType is
// DPoP it sends "Authorization: DPoP <access token>" and a DPoP header
// with a fresh proof signed with the session's DPoPKey, whose ath is the
// hash of the access token; for a Bearer session, "Authorization: Bearer
// <access token>" and no proof. The session is read from Source for every
// request, under the request's context, so a tokenstore.TokenSource
// refreshes it (with a proof signed by the same key) when it nears
// expiry.
//
// A 401 answer with WWW-Authenticate: DPoP error="use_dpop_nonce" and a
// DPoP-Nonce header (RFC 9449 §9) is answered once: the request is sent
// again with a proof carrying the new nonce, if its body can be read again
// (no body, or http.Request.GetBody set, as http.NewRequest does for
// in-memory bodies); otherwise the 401 is returned. The latest nonce each
// server sent is used for later requests to it.
//
// Like the token endpoints, a resource URL must be https://, or http:// to
// a loopback host (see CheckEndpoint): a token is never sent in clear.
// The request given is not modified. Use it as the Transport of an
// http.Client; do not copy a DPoPTransport after first use.
type DPoPTransport struct {
	// Source gives the session. Required.
	Source SessionSource
	// Base sends the requests; nil means http.DefaultTransport.
	Base http.RoundTripper
	// Now is the clock of the proofs' iat; nil means time.Now.
	Now func() time.Time

	nonces dpopNonces
}

// RoundTrip implements http.RoundTripper.
func (t *DPoPTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	closeBody := func() {
		if req.Body != nil {
			_ = req.Body.Close()
		}
	}
	if t.Source == nil {
		closeBody()
		return nil, &Error{Kind: ErrInvalidRequest, Description: "DPoPTransport has no Source"}
	}
	if err := CheckEndpoint(req.URL); err != nil {
		closeBody()
		return nil, &Error{Kind: ErrInvalidRequest, Err: err}
	}
	s, err := t.Source.Session(req.Context())
	if err != nil {
		closeBody()
		return nil, err
	}
	if s == nil || s.AccessToken == "" {
		closeBody()
		return nil, &Error{Kind: ErrReauthorize, Description: "no access token to call the resource server with"}
	}
	dpop := s.TokenType == TokenTypeDPoP
	if dpop && s.DPoPKey == nil {
		closeBody()
		return nil, &Error{Kind: ErrInvalidRequest, Provider: s.Provider, Description: "session " + s.ID + " holds a DPoP token but no DPoP key"}
	}
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	out, err := t.authorize(req, s, dpop)
	if err != nil {
		closeBody()
		return nil, err
	}
	resp, err := base.RoundTrip(out)
	if err != nil || !dpop {
		return resp, err
	}
	t.nonces.update(req.URL, resp.Header)
	if resp.StatusCode != http.StatusUnauthorized || !isNonceChallenge(resp.StatusCode, resp.Header, nil) ||
		(req.Body != nil && req.Body != http.NoBody && req.GetBody == nil) {
		return resp, nil
	}
	// The resource server refused the request before acting on it: send it
	// once more with its nonce.
	retry := req.Clone(req.Context())
	if req.GetBody != nil && req.Body != nil && req.Body != http.NoBody {
		body, err := req.GetBody()
		if err != nil {
			return resp, nil
		}
		retry.Body = body
	}
	out, err = t.authorize(retry, s, dpop)
	if err != nil {
		return resp, nil
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	resp, err = base.RoundTrip(out)
	if err == nil {
		t.nonces.update(req.URL, resp.Header)
	}
	return resp, err
}

// authorize returns a copy of req with the Authorization header, and for
// a DPoP session a fresh proof.
func (t *DPoPTransport) authorize(req *http.Request, s *Session, dpop bool) (*http.Request, error) {
	out := req.Clone(req.Context())
	out.Body = req.Body // Clone shares it; keep the one given
	if !dpop {
		out.Header.Set("Authorization", "Bearer "+s.AccessToken)
		return out, nil
	}
	now := time.Now
	if t.Now != nil {
		now = t.Now
	}
	proof, err := s.DPoPKey.proof(req.Method, req.URL, t.nonces.get(req.URL), s.AccessToken, now())
	if err != nil {
		return nil, &Error{Kind: ErrInvalidRequest, Provider: s.Provider, Err: errors.New("oauthx: DPoP proof could not be signed")}
	}
	out.Header.Set("Authorization", TokenTypeDPoP+" "+s.AccessToken)
	out.Header.Set("DPoP", proof)
	return out, nil
}

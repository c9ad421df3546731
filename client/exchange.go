package client

import (
	"context"
	"errors"
	"net/http"
	"net/url"
)

// ExchangeOption adjusts one ExchangeCode or Refresh call.
type ExchangeOption func(*TokenRequest)

// applyExchangeOptions applies opts to r in order, skipping nil ones.
func applyExchangeOptions(r *TokenRequest, opts []ExchangeOption) {
	for _, o := range opts {
		if o != nil {
			o(r)
		}
	}
}

// WithRedirectURL sends redirect_uri with a code exchange, overriding
// Config.RedirectURL. It must be the one the authorize request used.
func WithRedirectURL(u string) ExchangeOption {
	return func(r *TokenRequest) { r.RedirectURL = u }
}

// WithCodeVerifier sends the PKCE code_verifier (RFC 7636) whose challenge
// went into the authorize URL.
func WithCodeVerifier(verifier string) ExchangeOption {
	return func(r *TokenRequest) { r.CodeVerifier = verifier }
}

// WithScopes requests these scopes. On a refresh it narrows the grant
// (RFC 6749 §6: never wider than the original).
func WithScopes(scopes ...string) ExchangeOption {
	return func(r *TokenRequest) { r.Scopes = append([]string(nil), scopes...) }
}

// WithParam adds an extra body parameter.
func WithParam(key, value string) ExchangeOption {
	return func(r *TokenRequest) {
		if r.Params == nil {
			r.Params = url.Values{}
		}
		r.Params.Add(key, value)
	}
}

// WithSessionID sets the resulting Session's ID instead of the provider's
// default.
func WithSessionID(id string) ExchangeOption {
	return func(r *TokenRequest) { r.SessionID = id }
}

// WithTenant names the account a per-tenant provider sends the request to
// (see TokenRequest.Tenant).
func WithTenant(tenant string) ExchangeOption {
	return func(r *TokenRequest) { r.Tenant = tenant }
}

// ExchangeCode exchanges an authorization code (RFC 6749 §4.1.3) for a
// Session. The code is single-use: it is sent at most once, whatever
// fails (see the retry policy).
func (c *Client) ExchangeCode(ctx context.Context, code string, opts ...ExchangeOption) (*Session, error) {
	if code == "" {
		return nil, c.invalid("empty authorization code")
	}
	r := c.newRequest(GrantAuthorizationCode)
	r.Code = code
	r.RedirectURL = c.cfg.RedirectURL
	applyExchangeOptions(r, opts)
	return c.Do(ctx, r)
}

// Refresh uses s's refresh token (RFC 6749 §6) and returns the new Session.
// s is not modified. A session from ClientCredentials without a refresh
// token is renewed by a new client credentials grant instead. What the
// answer does not repeat is carried over from s: its ID and Subject, the
// refresh token and id_token (providers that do not rotate them), the
// grant, the scopes, and the Extra fields.
//
// A rotating refresh token is single-use: persist the result before using
// it, or use tokenstore.TokenSource, which does.
func (c *Client) Refresh(ctx context.Context, s *Session, opts ...ExchangeOption) (*Session, error) {
	if s == nil {
		return nil, c.invalid("nil session")
	}
	if s.RefreshToken == "" {
		if s.Grant == GrantClientCredentials {
			return c.renewClientCredentials(ctx, s, opts...)
		}
		if s.NeverExpires() {
			// Nothing to renew (Finch): not a dead grant, so not ErrReauthorize,
			// which would make a token source delete a good session.
			return nil, &Error{Provider: c.cfg.Provider.Name(), Kind: ErrInvalidRequest, Description: "session " + s.ID + " never expires and has no refresh token: nothing to refresh"}
		}
		return nil, &Error{Provider: c.cfg.Provider.Name(), Kind: ErrReauthorize, Description: "session " + s.ID + " has no refresh token"}
	}
	r := c.newRequest(GrantRefreshToken)
	r.RefreshToken = s.RefreshToken
	r.Previous = s
	r.Tenant = s.Subject
	r.SessionID = s.ID
	applyExchangeOptions(r, opts)
	return c.Do(ctx, r)
}

// ExchangeToken performs an RFC 8693 token exchange.
func (c *Client) ExchangeToken(ctx context.Context, req TokenExchangeRequest) (*Session, error) {
	if req.SubjectToken == "" || req.SubjectTokenType == "" {
		return nil, c.invalid("token exchange needs subject_token and subject_token_type")
	}
	if (req.ActorToken == "") != (req.ActorTokenType == "") {
		return nil, c.invalid("token exchange needs actor_token and actor_token_type together")
	}
	r := c.newRequest(GrantTokenExchange)
	r.Exchange = &req
	r.Scopes = req.Scopes
	r.Tenant = req.Tenant
	r.SessionID = req.SessionID
	r.Params = req.Params
	return c.Do(ctx, r)
}

func (c *Client) newRequest(grant string) *TokenRequest {
	return &TokenRequest{
		Grant:        grant,
		ClientID:     c.cfg.ClientID,
		ClientSecret: c.cfg.ClientSecret,
		Now:          c.opts.now(),
	}
}

func (c *Client) invalid(msg string) error {
	return &Error{Provider: c.cfg.Provider.Name(), Kind: ErrInvalidRequest, Description: msg}
}

// Do sends a prepared token request through the provider and the retry
// policy, and returns the normalized Session. ExchangeCode, Refresh and
// ExchangeToken call it; provider packages call it for grants of their own.
//
// When the provider uses DPoP (see DPoPProvider), every attempt carries a
// fresh proof signed with the request's key, and an answer asking for a
// server nonce (400 use_dpop_nonce with a DPoP-Nonce header, RFC 9449 §8)
// is answered once with the request rebuilt and a proof carrying the new
// nonce: the server did not act on the first request, so this holds for
// single-use codes too. A second such answer is returned as an error
// (ErrTransient). The latest nonce each server sent is remembered for the
// Client's later requests.
func (c *Client) Do(ctx context.Context, r *TokenRequest) (*Session, error) {
	if ctx == nil {
		return nil, c.invalid("nil context")
	}
	if r.Now.IsZero() {
		r.Now = c.opts.now()
	}
	if err := c.dpopKeyFor(r); err != nil {
		return nil, c.requestError(err, r)
	}
	rc := c.grants
	if c.replaySafe(r) {
		rc = c.reads // the same retry policy as an idempotent request
	}
	var resp *Response
	for attempt := 0; ; attempt++ {
		hreq, err := c.cfg.Provider.NewTokenRequest(ctx, r)
		if err != nil {
			return nil, c.requestError(err, r)
		}
		var signer *dpopSigner
		if r.DPoPKey != nil {
			signer = &dpopSigner{key: r.DPoPKey, nonces: &c.nonces, now: c.opts.now}
			if hreq, err = signer.attach(hreq); err != nil {
				return nil, c.requestError(err, r)
			}
		}
		resp, err = c.send(hreq, rc)
		if signer != nil {
			for _, p := range signer.proofs {
				r.AddSecret(p)
			}
		}
		if err != nil {
			return nil, c.finishError(err, r, nil)
		}
		if signer == nil {
			break
		}
		c.nonces.update(hreq.URL, resp.Header)
		if attempt > 0 || !isNonceChallenge(resp.StatusCode, resp.Header, resp.Body) {
			break
		}
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		// Never followed (see noRedirects): the client secret and the
		// grant stay with the endpoint that passed CheckEndpoint.
		return nil, c.finishError(&Error{Kind: ErrBadResponse, ContentType: resp.Header.Get("Content-Type"),
			Description: "the token endpoint answered a redirect, which grant requests never follow"}, r, resp)
	}
	s, err := c.cfg.Provider.ParseTokenResponse(r, resp)
	if err != nil {
		return nil, c.finishError(err, r, resp)
	}
	if s == nil || s.AccessToken == "" {
		return nil, c.finishError(&Error{Kind: ErrBadResponse, Description: "response has no access_token"}, r, resp)
	}
	c.complete(s, r)
	return s, nil
}

// complete fills what the provider left out and carries over what a
// refresh answer did not repeat.
func (c *Client) complete(s *Session, r *TokenRequest) {
	if s.Provider == "" {
		s.Provider = c.cfg.Provider.Name()
	}
	s.TokenType = NormalizeTokenType(s.TokenType)
	if s.IssuedAt.IsZero() {
		s.IssuedAt = r.Now
	}
	if r.DPoPKey != nil {
		s.DPoPKey = r.DPoPKey
	}
	if r.SessionID != "" {
		s.ID = r.SessionID
	}
	if p := r.Previous; p != nil {
		if s.ID == "" {
			s.ID = p.ID
		}
		if s.Subject == "" {
			s.Subject = p.Subject
		}
		if s.RefreshToken == "" {
			s.RefreshToken = p.RefreshToken
			s.RefreshExpiry = p.RefreshExpiry
		}
		if s.IDToken == "" {
			s.IDToken = p.IDToken
		}
		if s.Grant == "" {
			s.Grant = p.Grant
		}
		for k, v := range p.Extra {
			if _, ok := s.Extra[k]; !ok {
				if s.Extra == nil {
					s.Extra = make(map[string]any, len(p.Extra))
				}
				s.Extra[k] = v
			}
		}
		if len(s.Scopes) == 0 {
			if len(r.Scopes) > 0 {
				s.Scopes = append([]string(nil), r.Scopes...)
			} else {
				s.Scopes = append([]string(nil), p.Scopes...)
			}
		}
	}
	if s.ID == "" {
		s.ID = s.Provider
		if s.Subject != "" {
			s.ID += ":" + s.Subject
		}
	}
}

// requestError wraps a failure to build the request.
func (c *Client) requestError(err error, r *TokenRequest) error {
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{Kind: ErrInvalidRequest, Err: err}
	}
	return c.finishError(e, r, nil)
}

// finishError is finish with the secrets of r (requestSecrets).
func (c *Client) finishError(err error, r *TokenRequest, resp *Response) error {
	return c.finish(err, requestSecrets(r), resp)
}

// finish makes every failure an *Error with the provider, status, request
// id and Retry-After filled in, the kind of an unreadable error answer
// decided by its status, MaybeConsumed set wherever the provider may have
// acted, and every secret, and every token of the answer, scrubbed from
// what the provider echoed, before it is clipped.
func (c *Client) finish(err error, secrets []string, resp *Response) error {
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{Kind: ErrBadResponse, Err: err}
	}
	if e.Provider == "" {
		e.Provider = c.cfg.Provider.Name()
	}
	if resp != nil {
		if e.StatusCode == 0 {
			e.StatusCode = resp.StatusCode
		}
		if e.RequestID == "" {
			e.RequestID = requestID(resp)
		}
		if e.RetryAfter == 0 {
			if d, ok := RetryAfter(resp.Header, c.opts.now()); ok {
				e.RetryAfter = d
			}
		}
		// An error status whose body is not the provider's error (an HTML
		// page from a proxy) still says "wait" or "failed".
		if k := KindForStatus(resp.StatusCode); k == ErrRateLimited ||
			(k == ErrTransient && (e.Kind == nil || e.Kind == ErrBadResponse)) {
			e.Kind = k
		}
		secrets = append(secrets, ResponseTokens(resp.Body)...)
	}
	// By the status, whether the answer was read (resp) or refused while
	// reading (an oversized body).
	switch st := e.StatusCode; {
	case st == http.StatusInternalServerError, st == http.StatusBadGateway, st == http.StatusGatewayTimeout,
		st == http.StatusRequestTimeout, st == http.StatusSwitchingProtocols,
		st >= 300 && st < 400, st >= 200 && st < 300:
		// The provider read the request and may have acted on it: a 5xx
		// after handling, a 408 sent after reading, a switch of protocols,
		// a redirect (not followed), a 2xx that is no usable answer.
		e.MaybeConsumed = true
	}
	if e.Kind == nil {
		e.Kind = ErrorKind(e.StatusCode, e.Code)
	}
	// Scrub first, then clip: a secret cut in two would not be found.
	e.Code = Clip(Scrub(e.Code, secrets...), maxCodeLen)
	e.Description = Clip(Scrub(e.Description, secrets...), maxDescriptionLen)
	e.URI = Clip(Scrub(e.URI, secrets...), maxURILen)
	if e.Err != nil {
		e.Err = scrubError(e.Err, secrets)
	}
	return e
}

func requestID(resp *Response) string {
	for _, k := range [...]string{"X-Request-Id", "Request-Id", "X-Amzn-Requestid", "Cf-Ray"} {
		if v := resp.Header.Get(k); v != "" {
			if len(v) > 128 {
				v = v[:128]
			}
			return v
		}
	}
	return ""
}

// scrubError replaces an error whose text held a secret by one with the
// scrubbed text. The original is dropped on purpose: unwrapping it would
// give the secret back.
func scrubError(err error, secrets []string) error {
	msg := err.Error()
	if clean := Scrub(msg, secrets...); clean != msg {
		return errors.New(Clip(clean, maxDescriptionLen))
	}
	return err
}

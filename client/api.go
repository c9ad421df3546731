package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
)

// APIRequest is one authenticated call to a provider's API besides its
// token endpoint: userinfo, introspection, disconnect, an Admin API. A
// provider package fills it and sends it with Client.CallAPI.
type APIRequest struct {
	// Method and URL of the call. The URL is checked like a token
	// endpoint (https, or http only to loopback).
	Method, URL string
	// AccessToken authenticates the call: as "Authorization: Bearer …",
	// or in TokenHeader when that is set (Shopify's Admin API takes
	// X-Shopify-Access-Token). Required unless BasicAuth is set.
	AccessToken string
	// TokenHeader names the header that carries AccessToken instead of
	// Authorization.
	TokenHeader string
	// BasicAuth authenticates with the client's own id and secret as HTTP
	// Basic (RFC 6749 §2.3.1) instead of an access token.
	BasicAuth bool
	// Header holds further request headers (an API version).
	Header http.Header
	// Body, when not nil, is sent JSON-encoded.
	Body any
	// ErrorShapes read the provider's error bodies, tried in order. Nil:
	// only the status is read.
	ErrorShapes []ErrorShape
	// ErrorCodes maps the provider's own error codes to sentinels.
	ErrorCodes ErrorCodes
	// Secrets are scrubbed from every error, besides AccessToken and the
	// client secret.
	Secrets []string
}

// CallAPI sends r and decodes a 2xx JSON answer into out (nil: the body is
// not read as JSON). It goes through the same endpoint check, body cap
// (MaxResponseBytes) and retry policy as token requests: GET and HEAD
// calls are retried after any failure that may pass, other methods only
// when the provider certainly did not act (connection refused, 429, 503).
//
// Every failure is an *Error with the provider's name, status, request id,
// Retry-After and the fields its error shape reads, scrubbed of the access
// token and every other secret the call carried. Its Kind comes from
// ErrorCodes.Kind, with one rule for token-authenticated calls: a 401
// means the access token is dead (disconnected, revoked, expired), which
// is ErrReauthorize, not ErrInvalidClient. A 2xx answer that is not a JSON
// object, or does not decode into out, is ErrBadResponse.
func (c *Client) CallAPI(ctx context.Context, r APIRequest, out any) (*Response, error) {
	switch {
	case ctx == nil:
		return nil, c.invalid("nil context")
	case !r.BasicAuth && r.AccessToken == "":
		return nil, c.invalid("no access token for the API call")
	}
	var body *bytes.Reader
	if r.Body != nil {
		b, err := json.Marshal(r.Body)
		if err != nil {
			return nil, c.finishAPI(&Error{Kind: ErrInvalidRequest, Description: "API request body is not JSON-encodable"}, &r, nil)
		}
		body = bytes.NewReader(b)
	}
	req, err := newAPIRequest(ctx, r.Method, r.URL, body)
	if err != nil {
		// The URL is not echoed: it may carry caller input.
		return nil, c.invalid("bad API URL")
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, vals := range r.Header {
		req.Header[http.CanonicalHeaderKey(k)] = append([]string(nil), vals...)
	}
	switch {
	case r.BasicAuth:
		req.SetBasicAuth(c.cfg.ClientID, c.cfg.ClientSecret)
	case r.TokenHeader != "":
		req.Header.Set(r.TokenHeader, r.AccessToken)
	default:
		req.Header.Set("Authorization", "Bearer "+r.AccessToken)
	}
	resp, err := c.Send(req)
	if err != nil {
		return nil, c.finishAPI(err, &r, nil)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, c.finishAPI(apiError(r, resp), &r, resp)
	}
	if out == nil {
		return resp, nil
	}
	if bad, misfit := decodeJSONObject(resp, out, false); bad != nil {
		return nil, c.finishAPI(bad, &r, resp)
	} else if misfit != nil {
		return nil, c.finishAPI(&Error{Kind: ErrBadResponse, Description: "answer does not have the documented shape"}, &r, resp)
	}
	return resp, nil
}

// finishAPI is finish for a failed API call, scrubbing the secrets it
// carried: only built when a call fails.
func (c *Client) finishAPI(err error, r *APIRequest, resp *Response) error {
	secrets := append([]string{r.AccessToken, c.cfg.ClientSecret}, r.Secrets...)
	return c.finish(err, secrets, resp)
}

// newAPIRequest builds the request, with no body when there is none (a
// nil *bytes.Reader in the io.Reader would not be nil).
func newAPIRequest(ctx context.Context, method, url string, body *bytes.Reader) (*http.Request, error) {
	if body == nil {
		return http.NewRequestWithContext(ctx, method, url, nil)
	}
	return http.NewRequestWithContext(ctx, method, url, body)
}

// apiError reads an error answer of an API call.
func apiError(r APIRequest, resp *Response) *Error {
	e := &Error{StatusCode: resp.StatusCode}
	raw, err := DecodeJSONObject(resp)
	if err != nil {
		e.ContentType = resp.Header.Get("Content-Type")
		e.Description = "error status without a JSON error body"
		e.Kind = ErrBadResponse
		return e
	}
	f := ReadErrorFields(resp.StatusCode, raw, r.ErrorShapes)
	e.Code, e.Description, e.URI = f.Code, f.Description, f.URI
	e.Kind = r.ErrorCodes.Kind(resp.StatusCode, f)
	if resp.StatusCode == http.StatusUnauthorized && !r.BasicAuth && e.Kind == ErrInvalidClient {
		e.Kind = ErrReauthorize
	}
	return e
}

// ErrorFields are what an ErrorShape finds in an error body.
type ErrorFields struct {
	// Code, Description and URI become the Error's fields.
	Code, Description, URI string
	// Kind, when set, is the sentinel the shape knows the error to be
	// (for providers whose codes alone do not tell, e.g. Rollup's
	// UNAUTHORIZED for both a dead code and a bad client).
	Kind error
}

// ErrorShape recognizes one provider's error body. It reports false when
// the body is not of its shape.
type ErrorShape func(status int, body map[string]any) (ErrorFields, bool)

// ReadErrorFields returns what the first shape that recognizes body reads
// from it (zero fields when none does).
func ReadErrorFields(status int, body map[string]any, shapes []ErrorShape) ErrorFields {
	for _, shape := range shapes {
		if f, ok := shape(status, body); ok {
			return f
		}
	}
	return ErrorFields{}
}

// DecodeJSONObject decodes a response body that must be one JSON object,
// numbers kept as json.Number. Anything else (HTML, empty, truncated,
// trailing data) is an *Error matching ErrBadResponse, naming the status
// and content type.
func DecodeJSONObject(resp *Response) (map[string]any, error) {
	var obj map[string]any
	bad, misfit := decodeJSONObject(resp, &obj, true)
	switch {
	case bad != nil:
		return nil, bad
	case misfit != nil: // no JSON object misfits a map; kept for safety
		return nil, &Error{Kind: ErrBadResponse, StatusCode: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Description: "malformed JSON"}
	}
	return obj, nil
}

// malformed reports whether a decoding error is about the JSON text
// itself (syntax, truncation), not about what it was decoded into.
func malformed(err error) bool {
	var syn *json.SyntaxError
	return errors.As(err, &syn) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

// decodeJSONObject decodes a response body that must be one JSON object
// into v, in one pass. An answer that is not one JSON object (HTML,
// empty, malformed, truncated, trailing data) is bad, an *Error matching
// ErrBadResponse that names the status and content type; an object that
// does not fit v is misfit, the decoder's error. useNumber keeps numbers
// as json.Number in an any.
func decodeJSONObject(resp *Response, v any, useNumber bool) (bad *Error, misfit error) {
	ct := resp.Header.Get("Content-Type")
	notObject := func(desc string) *Error {
		return &Error{Kind: ErrBadResponse, StatusCode: resp.StatusCode, ContentType: ct, Description: desc}
	}
	if mt, _, err := mime.ParseMediaType(ct); err == nil && (mt == "text/html" || mt == "application/xhtml+xml") {
		return notObject("HTML page instead of a JSON answer"), nil
	}
	body := bytes.TrimSpace(resp.Body)
	if len(body) == 0 {
		return notObject("empty body"), nil
	}
	if body[0] != '{' {
		return notObject("body is not a JSON object"), nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if useNumber {
		dec.UseNumber()
	}
	// The decoder reads the whole value before it fills v: a malformed or
	// truncated body is reported as such, before any mismatch with v.
	err := dec.Decode(v)
	if err != nil && malformed(err) {
		return notObject("malformed JSON"), nil
	}
	if dec.More() {
		return notObject("trailing data after JSON object"), nil
	}
	return nil, err
}

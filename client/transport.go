package client

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/hashicorp/go-retryablehttp"
)

// MaxResponseBytes caps how much of a response body is read. A larger body
// is ErrBadResponse.
const MaxResponseBytes = 1 << 20

// CheckEndpoint refuses a URL that would send credentials in clear text or
// to a malformed place: it must be https://, or http:// to a loopback host
// (127.0.0.0/8, ::1, localhost), have a host, and carry no user info.
func CheckEndpoint(u *url.URL) error {
	if u == nil {
		return errors.New("oauthx: no endpoint URL")
	}
	if u.Host == "" || u.Hostname() == "" {
		return fmt.Errorf("oauthx: endpoint %q has no host", u.Redacted())
	}
	if u.User != nil {
		return fmt.Errorf("oauthx: endpoint %q carries user info", u.Redacted())
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if IsLoopback(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("oauthx: refusing plain http:// endpoint %s://%s: only loopback hosts may use http", u.Scheme, u.Host)
	default:
		return fmt.Errorf("oauthx: endpoint scheme %q is not https", u.Scheme)
	}
}

// IsLoopback reports whether host (no port) is localhost, 127.0.0.0/8 or ::1.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// send checks the endpoint, sends hreq under rc's retry policy, and reads
// the body (capped). Errors are *Error values.
func (c *Client) send(hreq *http.Request, rc *retryablehttp.Client) (*Response, error) {
	if err := CheckEndpoint(hreq.URL); err != nil {
		return nil, &Error{Kind: ErrInvalidRequest, Err: err}
	}
	rreq, err := retryablehttp.FromRequest(hreq)
	if err != nil {
		return nil, &Error{Kind: ErrInvalidRequest, Err: err}
	}
	hresp, err := rc.Do(rreq)
	if err != nil {
		return nil, transportError(hreq, err)
	}
	defer hresp.Body.Close()
	if hresp.StatusCode == http.StatusSwitchingProtocols {
		// Its body would be the raw connection: not read. The provider
		// read the request and may have acted on it.
		return nil, &Error{
			Kind:          ErrBadResponse,
			StatusCode:    hresp.StatusCode,
			MaybeConsumed: true,
			Description:   hreq.Method + " " + safeEndpoint(hreq) + ": the server switched protocols instead of answering",
		}
	}
	body, err := io.ReadAll(io.LimitReader(hresp.Body, MaxResponseBytes+1))
	if err != nil {
		e := transportError(hreq, err)
		e.StatusCode = hresp.StatusCode
		return nil, e
	}
	resp := &Response{StatusCode: hresp.StatusCode, Header: hresp.Header, Body: body}
	if len(body) > MaxResponseBytes {
		return nil, &Error{
			Kind:        ErrBadResponse,
			StatusCode:  hresp.StatusCode,
			ContentType: hresp.Header.Get("Content-Type"),
			Description: "response body exceeds 1 MiB",
		}
	}
	return resp, nil
}

// TransportError is the *Error for a request sent outside a Client (a
// provider's discovery fetch) that got no complete answer, as Client
// calls report theirs: ErrTransient, MaybeConsumed unless the
// connection was never made, a Description naming the method and the
// endpoint without its query, and as Err only a cause whose text cannot
// quote the answer or the URL (net, crypto/tls, context and timeout
// errors; for anything else a fixed description of what went wrong).
func TransportError(req *http.Request, err error) *Error { return transportError(req, err) }

// transportError describes a failure with no complete answer. The request
// may have reached the provider unless the connection was never made. The
// cause is kept only when its text cannot quote the answer (see
// safeCause).
func transportError(hreq *http.Request, err error) *Error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // its text repeats the URL; the endpoint is added below
	}
	desc := hreq.Method + " " + safeEndpoint(hreq)
	what, cause := safeCause(err)
	if what != "" {
		desc += ": " + what
	}
	return &Error{
		Kind:          ErrTransient,
		MaybeConsumed: !notSent(err),
		Description:   desc,
		Err:           cause,
	}
}

// noRedirects returns a copy of hc that never follows a redirect: the
// 3xx answer itself comes back (http.ErrUseLastResponse), whatever
// CheckRedirect hc had. Following one would resend the client secret and
// a single-use grant to wherever the Location header points.
func noRedirects(hc *http.Client) *http.Client {
	cp := *hc
	cp.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cp
}

// Send sends a request that is not a token grant (userinfo, introspection,
// disconnect) under the same endpoint check and retry policy, never
// following a redirect (a 3xx is returned as it is), and returns
// the answer with its body read (capped at MaxResponseBytes). GET and HEAD
// requests are treated as idempotent. Any status is returned as a
// Response; only a failure to get one is an error (*Error, ErrTransient).
func (c *Client) Send(req *http.Request) (*Response, error) {
	rc := c.grants
	if req.Method == http.MethodGet || req.Method == http.MethodHead {
		rc = c.reads
	}
	resp, err := c.send(req, rc)
	if err != nil {
		var e *Error
		if errors.As(err, &e) && e.Provider == "" {
			e.Provider = c.cfg.Provider.Name()
		}
		return nil, err
	}
	return resp, nil
}

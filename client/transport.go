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

// transportError describes a failure with no complete answer. The request
// may have reached the provider unless the connection was never made.
func transportError(hreq *http.Request, err error) *Error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // its text repeats the URL; the endpoint is added below
	}
	return &Error{
		Kind:          ErrTransient,
		MaybeConsumed: !notSent(err),
		Description:   hreq.Method + " " + safeEndpoint(hreq),
		Err:           err,
	}
}

// Send sends a request that is not a token grant (userinfo, introspection,
// disconnect) under the same endpoint check and retry policy, and returns
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

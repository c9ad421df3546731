package client

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strings"
)

// Errors from the connection. net/http quotes a malformed answer in its
// error text ("malformed HTTP response \"HTTP/1.1 2OO {\\\"access_token…\""),
// so such a text never reaches an *Error: only the kind of failure does,
// in fixed words. Causes whose text is built by the net, crypto/tls and
// context packages from addresses, system errors and certificate names
// are kept for errors.Is and errors.As.

// safeCause returns, when err is not kept, a fixed description of what
// went wrong, and the part of err that may be kept as Error.Err.
func safeCause(err error) (string, error) {
	if errors.Is(err, context.Canceled) {
		return "", context.Canceled
	}
	var op *net.OpError
	if errors.As(err, &op) {
		return "", op
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return "", dns
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		// net/http's Client.Timeout error repeats the text of whatever
		// failed when the timer fired.
		return "", errTimeout{}
	}
	var cert *tls.CertificateVerificationError
	if errors.As(err, &cert) {
		return "", cert
	}
	var alert tls.AlertError
	if errors.As(err, &alert) {
		return "", alert
	}
	var rec tls.RecordHeaderError
	if errors.As(err, &rec) {
		return "", rec
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "", io.ErrUnexpectedEOF
	}
	if errors.Is(err, io.EOF) {
		return "connection closed before a complete answer", io.EOF
	}
	return protocolFailure(err.Error()), nil
}

// protocolFailures name what net/http found wrong, by the words its
// messages start with; the quoted rest of the message is never shown.
var protocolFailures = [...]struct{ marker, desc string }{
	{"malformed HTTP status code", "malformed HTTP status code in the answer"},
	{"malformed HTTP version", "malformed HTTP version in the answer"},
	{"malformed HTTP response", "malformed HTTP status line in the answer"},
	{"malformed MIME header", "malformed header line in the answer"},
	{"invalid header", "malformed header line in the answer"},
	{"headers exceeded", "answer headers too large"},
	{"chunk", "malformed chunked body in the answer"},
	{"gzip", "malformed compressed body in the answer"},
	{"flate", "malformed compressed body in the answer"},
	{"http2", "HTTP/2 protocol error"},
}

func protocolFailure(msg string) string {
	for _, f := range protocolFailures {
		if strings.Contains(msg, f.marker) {
			return f.desc
		}
	}
	return "unreadable answer (protocol error)"
}

// errTimeout stands for a timeout whose original text is not kept. It
// matches context.DeadlineExceeded and is a net.Error with Timeout true.
type errTimeout struct{}

// Error returns a fixed message.
func (errTimeout) Error() string { return "timeout awaiting the answer" }

// Timeout is true: this is a timeout (net.Error).
func (errTimeout) Timeout() bool { return true }

// Temporary is true (net.Error).
func (errTimeout) Temporary() bool { return true }

// Is matches context.DeadlineExceeded.
func (errTimeout) Is(target error) bool { return target == context.DeadlineExceeded }

package providertest

import (
	"net/http"
	"sync"
	"time"
)

// Fault is a failure a fake serves instead of (or after) handling a
// request. Build them with the functions below and queue them with Fail.
type Fault struct {
	kind       faultKind
	status     int
	retryAfter string
	delay      time.Duration
	body       string
	ctype      string
}

type faultKind int

const (
	faultStatus      faultKind = iota // answer status+body without handling
	faultResetBefore                  // close the connection without handling
	faultResetAfter                   // handle (consume the grant), then close the connection
	faultStatusAfter                  // handle (consume the grant), then answer status+body
	faultSlow                         // wait, then handle normally
	faultRaw                          // answer body with content type and status, without handling
)

// RateLimited answers 429 with Retry-After (seconds or an HTTP date; ""
// for none), without handling the request.
func RateLimited(retryAfter string) Fault {
	return Fault{kind: faultStatus, status: http.StatusTooManyRequests, retryAfter: retryAfter,
		body: `{"error":"rate_limited","error_description":"slow down"}`, ctype: "application/json"}
}

// Unavailable answers 503 with Retry-After ("" for none), without handling
// the request.
func Unavailable(retryAfter string) Fault {
	return Fault{kind: faultStatus, status: http.StatusServiceUnavailable, retryAfter: retryAfter,
		body: `{"error":"temporarily_unavailable"}`, ctype: "application/json"}
}

// ServerErrorAfterHandling handles the request — a code or refresh token in
// it is consumed — and then answers status (500, 502, 504) instead of the
// result: the ambiguous failure after which a client must not resend.
func ServerErrorAfterHandling(status int) Fault {
	return Fault{kind: faultStatusAfter, status: status, body: "internal error", ctype: "text/plain"}
}

// ServerError answers status without handling the request.
func ServerError(status int) Fault {
	return Fault{kind: faultStatus, status: status, body: `{"error":"server_error"}`, ctype: "application/json"}
}

// ResetBeforeHandling closes the connection without an answer and without
// handling the request.
func ResetBeforeHandling() Fault { return Fault{kind: faultResetBefore} }

// ResetAfterHandling handles the request (consuming its grant), then
// closes the connection without an answer.
func ResetAfterHandling() Fault { return Fault{kind: faultResetAfter} }

// Slow waits d (or until the client gives up), then handles the request.
func Slow(d time.Duration) Fault { return Fault{kind: faultSlow, delay: d} }

// HTMLPage answers status with an HTML error page, without handling.
func HTMLPage(status int) Fault {
	return Fault{kind: faultRaw, status: status, ctype: "text/html; charset=utf-8",
		body: "<html><head><title>Bad Gateway</title></head><body><h1>Oops</h1></body></html>"}
}

// Raw answers status with body and content type, without handling: for
// empty, truncated, oversized or oddly typed bodies.
func Raw(status int, contentType, body string) Fault {
	return Fault{kind: faultRaw, status: status, ctype: contentType, body: body}
}

// faults is a queue of faults served to the next requests, in order.
type faults struct {
	mu    sync.Mutex
	queue []Fault
}

func (f *faults) push(fs ...Fault) {
	f.mu.Lock()
	f.queue = append(f.queue, fs...)
	f.mu.Unlock()
}

func (f *faults) pop() (Fault, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.queue) == 0 {
		return Fault{}, false
	}
	ft := f.queue[0]
	f.queue = f.queue[1:]
	return ft, true
}

// serve runs handle under the next queued fault, if any.
func (f *faults) serve(w http.ResponseWriter, r *http.Request, handle http.HandlerFunc) {
	ft, ok := f.pop()
	if !ok {
		handle(w, r)
		return
	}
	switch ft.kind {
	case faultStatus, faultRaw:
		if ft.retryAfter != "" {
			w.Header().Set("Retry-After", ft.retryAfter)
		}
		w.Header().Set("Content-Type", ft.ctype)
		w.WriteHeader(ft.status)
		_, _ = w.Write([]byte(ft.body))
	case faultResetBefore:
		hangUp(w)
	case faultResetAfter:
		handle(discardWriter{}, r)
		hangUp(w)
	case faultStatusAfter:
		handle(discardWriter{}, r)
		w.Header().Set("Content-Type", ft.ctype)
		w.WriteHeader(ft.status)
		_, _ = w.Write([]byte(ft.body))
	case faultSlow:
		select {
		case <-time.After(ft.delay):
		case <-r.Context().Done():
		}
		handle(w, r)
	}
}

// hangUp closes the connection with no response at all.
func hangUp(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "providertest: cannot hang up on this connection", http.StatusInternalServerError)
		return
	}
	if conn, _, err := hj.Hijack(); err == nil {
		_ = conn.Close()
	}
}

// discardWriter swallows a response that the fault replaces.
type discardWriter struct{}

// Header returns a fresh header, which nothing reads.
func (discardWriter) Header() http.Header { return http.Header{} }

// Write discards b.
func (discardWriter) Write(b []byte) (int, error) { return len(b), nil }

// WriteHeader discards the status.
func (discardWriter) WriteHeader(int) {}

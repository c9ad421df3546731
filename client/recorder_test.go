package client_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
)

// recorded is one request a recorder saw.
type recorded struct {
	Method, Path, ContentType string
	Form                      url.Values
	BasicID, BasicSecret      string
	Header                    http.Header
}

// recorder is a loopback server that records every request and answers
// each with the next of its answers (the last one repeats).
type recorder struct {
	URL     string
	mu      sync.Mutex
	seen    []recorded
	answers []answer
}

type answer struct {
	status int
	header map[string]string
	body   string
}

func newRecorder(t *testing.T, answers ...answer) *recorder {
	t.Helper()
	rec := &recorder{answers: answers}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		id, secret, _ := r.BasicAuth()
		rec.mu.Lock()
		n := len(rec.seen)
		rec.seen = append(rec.seen, recorded{Method: r.Method, Path: r.URL.Path, ContentType: r.Header.Get("Content-Type"),
			Form: r.PostForm, BasicID: id, BasicSecret: secret, Header: r.Header.Clone()})
		a := rec.answers[min(n, len(rec.answers)-1)]
		rec.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		for k, v := range a.header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(a.status)
		_, _ = w.Write([]byte(a.body))
	}))
	t.Cleanup(srv.Close)
	rec.URL = srv.URL
	return rec
}

func (rec *recorder) requests() []recorded {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]recorded(nil), rec.seen...)
}

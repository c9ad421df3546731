package client

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
)

// The nonce memory is bounded, and a server it already knows updating its
// nonce never wipes the others'.
func TestDPoPNoncesBounded(t *testing.T) {
	var n dpopNonces
	server := func(i int) *url.URL {
		return &url.URL{Scheme: "https", Host: fmt.Sprintf("s%d.example", i), Path: "/token"}
	}
	nonce := func(v string) http.Header { return http.Header{"Dpop-Nonce": {v}} }
	for i := range maxDPoPNonces {
		n.update(server(i), nonce(fmt.Sprint("n", i)))
	}
	n.update(server(0), nonce("n0-rotated"))
	if got := n.get(server(0)); got != "n0-rotated" {
		t.Fatalf("server 0 nonce = %q", got)
	}
	if got := n.get(server(maxDPoPNonces - 1)); got != fmt.Sprint("n", maxDPoPNonces-1) {
		t.Fatalf("a known server's update wiped another server's nonce (got %q)", got)
	}
	n.update(server(maxDPoPNonces), nonce("new"))
	if len(n.m) > maxDPoPNonces {
		t.Fatalf("%d nonces kept, more than %d", len(n.m), maxDPoPNonces)
	}
	if got := n.get(server(maxDPoPNonces)); got != "new" {
		t.Fatalf("new server nonce = %q", got)
	}
}

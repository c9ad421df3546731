package client_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/oauthx/oauthx/client"
)

// FuzzSessionJSON: whatever decodes re-encodes to something that decodes to
// the same Session (stores rely on it).
func FuzzSessionJSON(f *testing.F) {
	full, _ := json.Marshal(fullSession())
	for _, seed := range []string{string(full), `{}`, `{"id":"x","expiry":"2026-01-01T00:00:00Z"}`,
		`{"extra":{"n":1e400}}`, `{"scopes":null,"extra":null}`, `{"expiry":"0001-01-01T00:00:00Z"}`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var a client.Session
		if err := json.Unmarshal(data, &a); err != nil {
			return
		}
		enc, err := json.Marshal(a)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		var b client.Session
		if err := json.Unmarshal(enc, &b); err != nil {
			t.Fatalf("decode of own encoding: %v\n%s", err, enc)
		}
		enc2, _ := json.Marshal(b)
		if !reflect.DeepEqual(enc, enc2) {
			t.Fatalf("not stable:\n%s\n%s", enc, enc2)
		}
	})
}

package tokenstore_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/oauthx/oauthx/tokenstore"
	"github.com/oauthx/oauthx/tokenstore/storetest"
)

// FuzzDecode: any stored value decodes to a session under the asked ID
// that encodes and decodes back to itself, or fails with a *FormatError
// (ErrCorrupt or ErrFutureFormat) whose text quotes nothing of the value;
// never a panic. Every store (file, keyring, Redis, PostgreSQL, memory)
// reads through Decode.
func FuzzDecode(f *testing.F) {
	good, err := tokenstore.Encode(storetest.Sample("fz"))
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{
		string(good),
		`{"v":1,"session":{"id":"fz","access_token":"at-zzzzzzzz"}}`,
		`{"v":2,"session":{"id":"fz"}}`,
		`{"v":0}`, `{"v":1,"session":null}`, `{"v":1,"session":"fz"}`,
		`{"v":1,"session":{"id":"fz","expiry":"not a time"}}`,
		`{"v":1,"session":{"id":"fz","extra":{"n":1e400}}}`,
		`{"v":1e3,"session":{}}`, `[]`, ``, `{"v":1,"session":{"id":"fz","scopes":[1]}}`,
	} {
		f.Add("fz", []byte(seed))
	}
	f.Fuzz(func(t *testing.T, id string, data []byte) {
		s, err := tokenstore.Decode(id, data)
		if err != nil {
			var fe *tokenstore.FormatError
			if !errors.As(err, &fe) || !(errors.Is(err, tokenstore.ErrCorrupt) || errors.Is(err, tokenstore.ErrFutureFormat)) {
				t.Fatalf("error %T is not a *FormatError of a known kind: %v", err, err)
			}
			msg := err.Error()
			for _, field := range strings.FieldsFunc(string(data), func(r rune) bool { return !('a' <= r && r <= 'z' || '0' <= r && r <= '9') }) {
				if len(field) >= 12 && !strings.Contains(id, field) && strings.Contains(msg, field) {
					t.Fatalf("error quotes the stored value (%q): %s", field, msg)
				}
			}
			return
		}
		if s == nil || s.ID != id {
			t.Fatalf("decoded session for another ID: %v", s)
		}
		if tokenstore.CheckSession(s) != nil {
			return // Encode refuses what Save would refuse; nothing to round-trip
		}
		enc, err := tokenstore.Encode(s)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		back, err := tokenstore.Decode(id, enc)
		if err != nil {
			t.Fatalf("decode of own encoding: %v", err)
		}
		enc2, err := tokenstore.Encode(back)
		if err != nil || string(enc) != string(enc2) {
			t.Fatalf("not stable (%v):\n%s\n%s", err, enc, enc2)
		}
	})
}

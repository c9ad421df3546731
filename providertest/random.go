package providertest

import (
	"crypto/rand"
	"encoding/base64"
)

// randomToken returns prefix followed by 24 random bytes, base64url.
func randomToken(prefix string) string {
	b := make([]byte, 24)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

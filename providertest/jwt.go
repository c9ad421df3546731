package providertest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
)

// jwtSegment is one base64url-encoded JSON part of a JWT.
func jwtSegment(v any) string {
	b, _ := json.Marshal(v) // maps of plain values always marshal
	return base64.RawURLEncoding.EncodeToString(b)
}

// signES256 makes a compact JWS signed with key (RFC 7518 §3.4: the
// signature is R || S, 32 bytes each).
func signES256(key *ecdsa.PrivateKey, kid string, claims map[string]any) string {
	return signES256Header(key, map[string]any{"alg": "ES256", "typ": "JWT", "kid": kid}, claims)
}

func signES256Header(key *ecdsa.PrivateKey, header, claims map[string]any) string {
	input := jwtSegment(header) + "." + jwtSegment(claims)
	sum := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, key, sum[:])
	if err != nil { // crypto/rand does not fail; keep the signature empty if it did
		return input + "."
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// signHS256 makes a compact JWS with an HMAC-SHA256 signature.
func signHS256(secret []byte, header, claims map[string]any) string {
	input := jwtSegment(header) + "." + jwtSegment(claims)
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(input))
	return input + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// newES256Key makes a P-256 key.
func newES256Key() *ecdsa.PrivateKey {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader) // crypto/rand never fails (Go 1.24+)
	return k
}

// publicJWK is the RFC 7517 form of key's public half.
func publicJWK(key *ecdsa.PrivateKey, kid string) map[string]any {
	pub, err := key.PublicKey.Bytes() // uncompressed point: 0x04 || X || Y
	if err != nil || len(pub) != 65 {
		return nil
	}
	return map[string]any{
		"kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": kid,
		"x": base64.RawURLEncoding.EncodeToString(pub[1:33]),
		"y": base64.RawURLEncoding.EncodeToString(pub[33:]),
	}
}

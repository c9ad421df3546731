package providertest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"time"
)

// SessionTokenFields are the header and claims of a Shopify session token
// for MintSessionToken. Zero fields are left out of the token.
type SessionTokenFields struct {
	// Alg is the header's alg (default "HS256"). With "HS256" the token is
	// signed with the key; with any other value it carries that alg and an
	// HS256 signature anyway (a token a lax verifier might accept); with
	// "none" it has an empty signature.
	Alg string
	// Iss, Dest, Aud, Sub, Jti, Sid and Sig are the string claims.
	Iss, Dest, Aud, Sub, Jti, Sid, Sig string
	// Exp, Nbf and Iat are the time claims.
	Exp, Nbf, Iat time.Time
}

// MintSessionToken builds a session token from f, signed with key (the app
// secret) as f.Alg says.
func MintSessionToken(key string, f SessionTokenFields) string {
	alg := f.Alg
	if alg == "" {
		alg = "HS256"
	}
	header, _ := json.Marshal(map[string]string{"alg": alg, "typ": "JWT"})
	claims := map[string]any{}
	for k, v := range map[string]string{"iss": f.Iss, "dest": f.Dest, "aud": f.Aud, "sub": f.Sub, "jti": f.Jti, "sid": f.Sid, "sig": f.Sig} {
		if v != "" {
			claims[k] = v
		}
	}
	for k, v := range map[string]time.Time{"exp": f.Exp, "nbf": f.Nbf, "iat": f.Iat} {
		if !v.IsZero() {
			claims[k] = v.Unix()
		}
	}
	payload, _ := json.Marshal(claims)
	signing := b64url(header) + "." + b64url(payload)
	if alg == "none" {
		return signing + "."
	}
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(signing))
	return signing + "." + b64url(mac.Sum(nil))
}

func b64url(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// SessionTokenBreak is a way to spoil a session token, for tests of the
// verifier's rejections.
type SessionTokenBreak int

// Ways to spoil a session token.
const (
	// BreakNothing mints a valid token.
	BreakNothing SessionTokenBreak = iota
	// BreakSignature signs with another key.
	BreakSignature
	// BreakAlgNone uses alg "none" and no signature.
	BreakAlgNone
	// BreakAlgRS256 claims RS256 (signed with HMAC anyway).
	BreakAlgRS256
	// BreakAlgHS512 claims HS512.
	BreakAlgHS512
	// BreakExpired sets exp two minutes ago.
	BreakExpired
	// BreakNotYetValid sets nbf two minutes ahead.
	BreakNotYetValid
	// BreakAudience names another app's API key.
	BreakAudience
	// BreakDestination points dest at a host that is not a shop.
	BreakDestination
	// BreakIssuer names another shop in iss.
	BreakIssuer
	// BreakMalformed returns something that is not a JWT.
	BreakMalformed
	// BreakMissingExp leaves exp out.
	BreakMissingExp
)

// ShopifySessionTokenLifetime is how long a session token from
// SessionToken lives (its exp), as App Bridge's do.
const ShopifySessionTokenLifetime = time.Minute

// sessionTokenFields returns valid fields for shop and user at now.
func sessionTokenFields(apiKey, shop string, userID int64, now time.Time) SessionTokenFields {
	return SessionTokenFields{
		Iss:  "https://" + shop + "/admin",
		Dest: "https://" + shop,
		Aud:  apiKey,
		Sub:  strconv.FormatInt(userID, 10),
		Exp:  now.Add(ShopifySessionTokenLifetime),
		Nbf:  now.Add(-time.Second),
		Iat:  now.Add(-time.Second),
		Jti:  randomToken("jti_"),
		Sid:  randomToken("sid_"),
		Sig:  randomToken(""),
	}
}

// breakFields spoils f as b says and returns the key to sign with.
func breakFields(f *SessionTokenFields, b SessionTokenBreak, key string, now time.Time) (string, bool) {
	switch b {
	case BreakSignature:
		key = "not-the-app-secret"
	case BreakAlgNone:
		f.Alg = "none"
	case BreakAlgRS256:
		f.Alg = "RS256"
	case BreakAlgHS512:
		f.Alg = "HS512"
	case BreakExpired:
		f.Exp = now.Add(-2 * time.Minute)
		f.Nbf = now.Add(-3 * time.Minute)
		f.Iat = f.Nbf
	case BreakNotYetValid:
		f.Nbf = now.Add(2 * time.Minute)
		f.Exp = now.Add(3 * time.Minute)
	case BreakAudience:
		f.Aud = "another-apps-api-key"
	case BreakDestination:
		f.Dest = "https://evil.example.com"
	case BreakIssuer:
		f.Iss = "https://other-shop.myshopify.com/admin"
	case BreakMissingExp:
		f.Exp = time.Time{}
	case BreakMalformed:
		return "", false
	}
	return key, true
}

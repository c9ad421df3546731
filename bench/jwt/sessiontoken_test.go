package jwt

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	gojwt "github.com/golang-jwt/jwt/v5"

	"github.com/oauthx/oauthx/providertest"
	"github.com/oauthx/oauthx/shopify"
)

const (
	apiKey    = "bench-api-key"
	apiSecret = "bench-api-secret-0123456789"
	shop      = "bench-shop.myshopify.com"
)

var now = time.Unix(1_800_000_000, 0)

func clock() time.Time { return now }

func fields() providertest.SessionTokenFields {
	return providertest.SessionTokenFields{
		Iss: "https://" + shop + "/admin", Dest: "https://" + shop, Aud: apiKey, Sub: "42",
		Exp: now.Add(time.Minute), Nbf: now.Add(-time.Second), Iat: now.Add(-time.Second),
		Jti: "00000000-0000-4000-8000-000000000000", Sid: "b0a7a6bc-2b7c-4d2c-9e41-0f0bd1a1c0de",
		Sig: "8a5e7a9b1c3d5e7f9a1b3c5d7e9f1a3b5c7d9e1f3a5b7c9d1e3f5a7b9c1d3e5f",
	}
}

// claims is a session token's payload for golang-jwt.
type claims struct {
	gojwt.RegisteredClaims
	Dest string `json:"dest"`
	Sid  string `json:"sid"`
	Sig  string `json:"sig"`
}

// jwtDecoder does with golang-jwt what DecodeSessionToken does: HS256
// only, the HMAC, exp required, exp and nbf with 10 s leeway, aud the API
// key, dest https:// and a valid shop, iss https://{same shop}/admin.
type jwtDecoder struct{ parser *gojwt.Parser }

func newJWTDecoder() *jwtDecoder {
	return &jwtDecoder{parser: gojwt.NewParser(
		gojwt.WithValidMethods([]string{"HS256"}),
		gojwt.WithExpirationRequired(),
		gojwt.WithLeeway(10*time.Second),
		gojwt.WithAudience(apiKey),
		gojwt.WithTimeFunc(clock),
	)}
}

var key = func(*gojwt.Token) (any, error) { return []byte(apiSecret), nil }

func (d *jwtDecoder) decode(tok string) (string, error) {
	var c claims
	if _, err := d.parser.ParseWithClaims(tok, &c, key); err != nil {
		return "", err
	}
	dest, err := url.Parse(c.Dest)
	if err != nil || dest.Scheme != "https" || dest.User != nil || dest.Port() != "" || (dest.Path != "" && dest.Path != "/") ||
		dest.RawQuery != "" || dest.Fragment != "" {
		return "", errors.New("bad dest")
	}
	s, err := shopify.SanitizeShop(dest.Host)
	if err != nil || s != strings.ToLower(dest.Host) {
		return "", errors.New("bad dest")
	}
	iss, err := url.Parse(c.Issuer)
	if err != nil || iss.Scheme != "https" || iss.Path != "/admin" || !strings.EqualFold(iss.Host, dest.Host) {
		return "", errors.New("bad iss")
	}
	return s, nil
}

func newClient(tb testing.TB) *shopify.Client {
	c, err := shopify.New(shopify.Config{APIKey: apiKey, APISecret: apiSecret, Now: clock})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// Both halves accept the same token and refuse the same broken ones, so
// the benchmark compares equal work.
func TestSameVerdicts(t *testing.T) {
	c, d := newClient(t), newJWTDecoder()
	good := providertest.MintSessionToken(apiSecret, fields())
	cl, err := c.DecodeSessionToken(good)
	if err != nil || cl.Shop != shop {
		t.Fatalf("oauthx refused the good token: %v", err)
	}
	if s, err := d.decode(good); err != nil || s != shop {
		t.Fatalf("golang-jwt refused the good token: %v", err)
	}
	for name, fn := range map[string]func(*providertest.SessionTokenFields) (key string){
		"wrong key": func(*providertest.SessionTokenFields) string { return "other" },
		"expired":   func(f *providertest.SessionTokenFields) string { f.Exp = now.Add(-time.Minute); return apiSecret },
		"early":     func(f *providertest.SessionTokenFields) string { f.Nbf = now.Add(time.Minute); return apiSecret },
		"audience":  func(f *providertest.SessionTokenFields) string { f.Aud = "x"; return apiSecret },
		"dest":      func(f *providertest.SessionTokenFields) string { f.Dest = "https://evil.com"; return apiSecret },
		"iss": func(f *providertest.SessionTokenFields) string {
			f.Iss = "https://a.myshopify.com/admin"
			return apiSecret
		},
		"alg":    func(f *providertest.SessionTokenFields) string { f.Alg = "HS512"; return apiSecret },
		"no exp": func(f *providertest.SessionTokenFields) string { f.Exp = time.Time{}; return apiSecret },
	} {
		f := fields()
		tok := providertest.MintSessionToken(fn(&f), f)
		if _, err := c.DecodeSessionToken(tok); err == nil {
			t.Errorf("%s: oauthx accepted it", name)
		}
		if _, err := d.decode(tok); err == nil {
			t.Errorf("%s: golang-jwt accepted it", name)
		}
	}
}

// BenchmarkDecodeSessionToken pairs oauthx's verifier with golang-jwt v5
// on the same token; scripts/bench.sh prints the ratio.
func BenchmarkDecodeSessionToken(b *testing.B) {
	tok := providertest.MintSessionToken(apiSecret, fields())
	b.Run("oauthx", func(b *testing.B) {
		c := newClient(b)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.DecodeSessionToken(tok); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("golang-jwt", func(b *testing.B) {
		d := newJWTDecoder()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := d.decode(tok); err != nil {
				b.Fatal(err)
			}
		}
	})
}

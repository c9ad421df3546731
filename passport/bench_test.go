package passport_test

import (
	"context"
	"testing"

	"github.com/oauthx/oauthx/passport"
	"github.com/oauthx/oauthx/providertest"
)

// Verifying an id_token once the keys are cached: no network.
func BenchmarkVerify(b *testing.B) {
	fake := providertest.NewPassport()
	defer fake.Close()
	c, err := passport.New(passport.Config{BaseURL: fake.URL, ClientID: fake.ClientID})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	v, err := c.NewVerifier(ctx)
	if err != nil {
		b.Fatal(err)
	}
	tok := fake.MintIDToken("", providertest.IDTokenValid)
	if _, err := v.Verify(ctx, tok); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(ctx, tok); err != nil {
			b.Fatal(err)
		}
	}
}

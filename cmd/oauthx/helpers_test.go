package main

import (
	"testing"

	"github.com/oauthx/oauthx/providertest"
)

func newGeneric(t *testing.T, opts ...providertest.GenericOption) *providertest.Generic {
	t.Helper()
	g := providertest.NewGeneric(append([]providertest.GenericOption{providertest.WithClientCredentials("cli-generic", secretMark+"generic")}, opts...)...)
	t.Cleanup(g.Close)
	return g
}

func newFinch(t *testing.T) *providertest.Finch {
	t.Helper()
	f := providertest.NewFinch(providertest.WithFinchCredentials("cli-finch", secretMark+"finch"))
	t.Cleanup(f.Close)
	return f
}

func newPassport(t *testing.T) *providertest.Passport {
	t.Helper()
	p := providertest.NewPassport(providertest.WithPassportCredentials("cli-passport", secretMark+"passport"))
	t.Cleanup(p.Close)
	return p
}

func newShopify(t *testing.T) *providertest.Shopify {
	t.Helper()
	s := providertest.NewShopify(providertest.WithShopifyCredentials("cli-api-key", secretMark+"shopify"))
	t.Cleanup(s.Close)
	return s
}

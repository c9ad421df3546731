package shopify_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/oauthx/oauthx/shopify"
)

func TestParamsAndConfigPrintRedacted(t *testing.T) {
	t.Parallel()
	const token, secret = "SENTINEL-SESSION-TOKEN-77", "SENTINEL-API-SECRET-88"
	p := shopify.TokenExchangeParams{Shop: "a.myshopify.com", SessionToken: token, Expiring: true}
	cfg := shopify.Config{APIKey: "key", APISecret: secret}
	var logs bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, nil)).Info("x", "p", p, "cfg", cfg)
	out := fmt.Sprintf("%v %+v %#v %s %q %v %+v %#v %s", p, &p, p, p, p, cfg, &cfg, cfg, struct{ C shopify.Config }{cfg}) + logs.String()
	assert.NotContains(t, out, token)
	assert.NotContains(t, out, secret)
	assert.Contains(t, out, "a.myshopify.com")
}

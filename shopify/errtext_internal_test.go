package shopify

import (
	"errors"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/internal/errtext/errtexttest"
	"github.com/oauthx/oauthx/tokenstore"
)

// Every sentinel and error type of the package, and what its checks
// really return (a hostile shop, a malformed session token, an unsigned
// webhook, app-proxy request and callback, a failed install, a storage
// failure in the middleware), say each label once.
func TestErrorsReadOnce(t *testing.T) {
	c, err := New(Config{APIKey: "key", APISecret: "secret"})
	require.NoError(t, err)
	_, shop := SanitizeShop("evil.com")
	require.ErrorIs(t, shop, ErrInvalidShop)
	_, token := c.DecodeSessionToken("not.a.token")
	require.ErrorIs(t, token, ErrInvalidSessionToken)
	_, webhook := c.VerifyWebhook(httptest.NewRequest("POST", "/webhooks", strings.NewReader("{}")))
	require.ErrorIs(t, webhook, ErrInvalidWebhook)
	_, proxy := c.VerifyAppProxy(httptest.NewRequest("GET", "/proxy?shop=evil.com&signature=00", nil))
	require.ErrorIs(t, proxy, ErrInvalidAppProxy)
	_, callback := c.VerifyCallback(url.Values{"shop": {"a.myshopify.com"}, "hmac": {"00"}, "timestamp": {"1"}})
	require.ErrorIs(t, callback, ErrInvalidCallback)
	exchange := errors.Join(ErrInstallExchange, &client.Error{Kind: client.ErrReauthorize, Provider: ProviderName, StatusCode: 400, Code: "invalid_grant"})
	save := errors.Join(ErrInstallSave, tokenstore.NotFound("a.myshopify.com"))
	storage := &storageError{errors.Join(errors.New("tokenstore: lock session \"offline_a.myshopify.com\": redisstore: lock: i/o timeout"), tokenstore.ErrLockLost)}

	errtexttest.Covers(t, map[string]error{
		"ErrAppProxyExpired": ErrAppProxyExpired, "ErrAppProxyMalformed": ErrAppProxyMalformed,
		"ErrAppProxyRepeated": ErrAppProxyRepeated, "ErrAppProxySignature": ErrAppProxySignature,
		"ErrAppProxyTimestamp": ErrAppProxyTimestamp, "ErrCallbackExpired": ErrCallbackExpired,
		"ErrCallbackHMAC": ErrCallbackHMAC, "ErrCallbackRepeated": ErrCallbackRepeated,
		"ErrCallbackTimestamp": ErrCallbackTimestamp, "ErrForeignHost": ErrForeignHost,
		"ErrInstallExchange": ErrInstallExchange, "ErrInstallSave": ErrInstallSave,
		"ErrInstallShopMismatch": ErrInstallShopMismatch, "ErrInvalidAppProxy": ErrInvalidAppProxy,
		"ErrInvalidCallback": ErrInvalidCallback, "ErrInvalidSessionToken": ErrInvalidSessionToken,
		"ErrInvalidShop": ErrInvalidShop, "ErrInvalidWebhook": ErrInvalidWebhook,
		"ErrNoSessionToken": ErrNoSessionToken, "ErrSessionTokenAlgorithm": ErrSessionTokenAlgorithm,
		"ErrSessionTokenAudience": ErrSessionTokenAudience, "ErrSessionTokenDestination": ErrSessionTokenDestination,
		"ErrSessionTokenExpired": ErrSessionTokenExpired, "ErrSessionTokenIssuer": ErrSessionTokenIssuer,
		"ErrSessionTokenMalformed": ErrSessionTokenMalformed, "ErrSessionTokenNotYetValid": ErrSessionTokenNotYetValid,
		"ErrSessionTokenShopMismatch": ErrSessionTokenShopMismatch, "ErrSessionTokenSignature": ErrSessionTokenSignature,
		"ErrWebhookBodyTooLarge": ErrWebhookBodyTooLarge, "ErrWebhookBodyUnreadable": ErrWebhookBodyUnreadable,
		"ErrWebhookDuplicateHeader": ErrWebhookDuplicateHeader, "ErrWebhookEmptyBody": ErrWebhookEmptyBody,
		"ErrWebhookMalformedHeader": ErrWebhookMalformedHeader, "ErrWebhookMissingHeader": ErrWebhookMissingHeader,
		"ErrWebhookMixedHeaders": ErrWebhookMixedHeaders, "ErrWebhookSignature": ErrWebhookSignature,
	},
		shop, token, webhook, proxy, callback, exchange, save, storage,
		&RequestError{Kind: ErrInvalidWebhook, Reason: ErrWebhookMalformedHeader, Detail: "X-Shopify-Shop-Domain", Err: shop},
	)
}

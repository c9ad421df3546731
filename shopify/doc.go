// Package shopify is the client side of Shopify's OAuth for embedded apps:
// session-token verification, token exchange (RFC 8693) for online and
// offline access tokens, expiring offline tokens with refresh and
// migration, the authorization-code grant, shop-domain validation, an
// embedded-app middleware for net/http, an Admin API transport,
// verification of webhooks and app-proxy requests, and tokens for
// background work (client credentials, application-only tokens).
//
// It is built to be safer than a port of the official JS library:
//
//   - No request ever goes to a host that did not pass [SanitizeShop]: the
//     client secret travels in the body of every token request.
//   - Session tokens are verified locally (HS256 only, constant-time HMAC,
//     aud, exp/nbf with a clock tolerance, dest and iss naming one valid
//     shop) before anything is sent, and every rejection has its own
//     sentinel error.
//   - Webhooks ([Client.VerifyWebhook]) are checked harder than by the
//     official library: the shop domain must pass SanitizeShop (the
//     official one returns any, "evil.com" included), and a request mixing
//     the X-Shopify-* and shopify-* header sets or repeating a header is
//     refused.
//   - App-proxy and OAuth-callback signatures ([Client.VerifyAppProxy],
//     [Client.VerifyCallback]) need an integer timestamp within 90 s
//     (13.1 of the official library accepted a non-numeric one) and
//     refuse repeated signature, shop, timestamp and hmac parameters.
//   - The install's state ([Client.InstallHandlers]) is bound to the
//     browser by an HttpOnly, SameSite=Lax cookie (the official library's
//     state cookie lacks HttpOnly), single-use, and tied to the shop the
//     install began for.
//   - No error text contains a session token, access token, refresh token or
//     the app secret.
//   - Concurrent exchanges of one session token share one request, and the
//     middleware ([Client.Middleware]) exchanges, refreshes or migrates a
//     shop's offline token once however many requests and replicas arrive
//     together: it renews through tokenstore.Refresher, the one refresh
//     protocol (store lock, re-read, compare-and-set), with [Client.Renew]
//     and [Client.Fresh] (a new expiring token revokes the previous one, so
//     two renewals in parallel would cost a session).
//   - Offline tokens are expiring by default, as Shopify requires of public
//     apps from 2027-01-01; stored non-expiring ones are migrated on first
//     use or in bulk ([Client.MigrateSessions]). Refresh and migration are
//     declared replay-safe (client.ReplaySafe), so a lost answer is
//     recovered by sending the same grant again.
//   - Session-token claims are strict where the official library is: exp,
//     nbf and iat must be JSON numbers and aud a string.
//
// Token endpoint: POST https://{shop}/admin/oauth/access_token with a JSON
// body (https://shopify.dev/docs/apps/build/authentication-authorization).
package shopify

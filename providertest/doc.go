// Package providertest runs fake OAuth token endpoints on loopback, like
// net/http/httptest, for tests of code that uses oauthx — ours and yours.
//
// The fakes are as strict as the real endpoints: they check every field,
// reject the wrong content type, issue single-use codes and rotating
// refresh tokens and answer reuse the way the provider does. They count
// requests and can be told to fail (429 with Retry-After, 503, 500, a reset
// connection, a slow answer, an HTML page) with Fail.
package providertest

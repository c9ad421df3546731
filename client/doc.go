// Package client is the bottom of oauthx: the normalized Session, the
// Provider interface a token endpoint is adapted through, and Client,
// which makes token calls (ExchangeCode, Refresh, ExchangeToken,
// ClientCredentials, Revoke, …) and a provider's other authenticated calls
// (CallAPI) under one retry policy that never resends a single-use grant
// after an ambiguous failure.
//
// Every failure of a call is an *Error matching exactly one sentinel
// (ErrReauthorize, ErrInvalidClient, ErrRateLimited, ErrTransient,
// ErrBadResponse, ErrInvalidRequest) with errors.Is; ErrorCodes.Kind is
// the one table that decides which. No error, log line or %v holds a
// secret or a token.
//
// # Options
//
// Every constructor of the module that takes options (client.New,
// shopify.New, finch.New, passport.New, tokenstore.NewKeyring,
// tokenstore.NewRefresher, redisstore.New, sqlstore.New, the providertest
// fakes, …) follows one convention:
//
//   - A nil Option is skipped.
//   - An option given an invalid value (a nil function or client, a
//     negative duration, an empty required string) makes the constructor
//     that receives it return an *OptionError, which matches
//     ErrInvalidRequest. It is never silently adjusted, never ignored, and
//     never a panic.
//   - A constructor without an error result (providers.Generic,
//     finch.Provider, tokenstore.NewTokenSource, redisstore.New, the
//     providertest fakes) hands the error on instead: client.New reports a
//     provider's, and the others fail every call with it.
//
// CONTRIBUTING.md says the same for new code.
package client

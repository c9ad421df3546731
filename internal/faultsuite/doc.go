// Package faultsuite holds the fault-injection and leak-scan suites that
// run every provider (generic, Shopify, Finch, Passport) over real HTTP
// against the providertest fakes: connection failures, resets, timeouts,
// rate limits, server errors and malformed answers, each checked for the
// typed error, the number of requests the provider saw (a single-use grant
// is never sent twice) and the stored session (never lost, never replaced
// by a bad answer); and every flow and failure scanned for sentinel
// secrets in logs, errors and printed values.
//
// The package has no API: it is its tests. Run them with
//
//	go test -race ./internal/faultsuite/
package faultsuite

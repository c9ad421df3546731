// Package jwt benchmarks shopify.DecodeSessionToken beside
// github.com/golang-jwt/jwt/v5 doing the same checks. It is a module of
// its own so that golang-jwt never enters the library's go.mod;
// ./scripts/bench.sh runs it.
package jwt

// Package doccheck holds the test that every exported name of the module's
// library code has a doc comment (CONTRIBUTING.md: "A doc comment on every
// exported name"), so that `go test ./...` fails on one without. It has no
// code of its own.
package doccheck

// Package failing holds a test that always fails. It lives under testdata,
// outside ./..., and scripts/selfcheck.sh runs scripts/test.sh over it to
// prove that a failing test makes the test command exit non-zero.
package failing

import "testing"

func TestAlwaysFails(t *testing.T) {
	t.Fatal("planted failure: scripts/test.sh must exit non-zero")
}

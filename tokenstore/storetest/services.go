package storetest

import (
	"os"
	"testing"
)

// ServiceMissing ends a test that needs an external service (Redis,
// PostgreSQL, a Secret Service) which did not answer: it fails when
// OAUTHX_REQUIRE_SERVICES=1 (CI) and skips otherwise, naming the service
// and the error either way.
func ServiceMissing(t testing.TB, service string, err error) {
	t.Helper()
	if os.Getenv("OAUTHX_REQUIRE_SERVICES") == "1" {
		t.Fatalf("%s is required (OAUTHX_REQUIRE_SERVICES=1) but unavailable: %v", service, err)
	}
	t.Skipf("skipping: %s unavailable: %v", service, err)
}

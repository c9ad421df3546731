package chaos

import (
	"os"
	"testing"
)

// TestMain runs the child's side when this binary was started as a child
// (see runChild), and the tests otherwise.
func TestMain(m *testing.M) {
	if raw := os.Getenv(envChild); raw != "" {
		os.Exit(runChild(raw))
	}
	os.Exit(m.Run())
}

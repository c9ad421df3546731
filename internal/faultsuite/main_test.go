package faultsuite

import (
	"flag"
	"os"
	"testing"
)

// TestMain raises the default -test.parallel (GOMAXPROCS) to 16: most
// fault cases sleep (Retry-After, client timeouts) rather than compute, so
// two at a time would make the suite wait for minutes on a 2-core machine.
// An explicit -parallel is kept.
func TestMain(m *testing.M) {
	flag.Parse()
	explicit := false
	flag.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "test.parallel" })
	if !explicit {
		_ = flag.Set("test.parallel", "16")
	}
	os.Exit(m.Run())
}

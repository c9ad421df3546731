package main

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

// The quickstart runs to the end against the fake: exchange, rotation,
// reuse refused (run checks each and returns an error otherwise).
func TestRun(t *testing.T) {
	require.NoError(t, run(context.Background()))
}

package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The example runs end to end against the fake: session token, exchange,
// Admin API call.
func TestRunFakeOnce(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), []string{"-fake", "-once", "-addr", "127.0.0.1:0"}, &out)
	require.NoError(t, err, out.String())
	assert.Contains(t, out.String(), "GET /api/shop -> 200")
	assert.Contains(t, out.String(), `"myshopify_domain":"demo-shop.myshopify.com"`)
}

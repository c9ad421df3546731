package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/shopify"
	"github.com/oauthx/oauthx/tokenstore"
)

func TestExitCodeMapping(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, exitOK},
		{"usage", usagef("bad"), exitUsage},
		{"invalid client", &client.Error{Kind: client.ErrInvalidClient}, exitUsage},
		{"invalid shop", shopify.ErrInvalidShop, exitUsage},
		{"nothing to refresh", fmt.Errorf("x: %w", errNothingToRefresh), exitUsage},
		{"reauthorize", fmt.Errorf("wrapped: %w", &client.Error{Kind: client.ErrReauthorize}), exitReauth},
		{"not found", tokenstore.NotFound("x"), exitReauth},
		{"bad session token", shopify.ErrInvalidSessionToken, exitReauth},
		{"transient", &client.Error{Kind: client.ErrTransient}, exitTransient},
		{"rate limited", &client.Error{Kind: client.ErrRateLimited}, exitTransient},
		{"net", &net.OpError{Op: "dial", Err: errors.New("refused")}, exitTransient},
		{"deadline", context.DeadlineExceeded, exitTransient},
		{"bad response", &client.Error{Kind: client.ErrBadResponse}, exitFailure},
		{"other", errors.New("boom"), exitFailure},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, exitCode(tc.err))
		})
	}
}

// run is callable in-process: streams and environment are parameters.
func TestRunInProcess(t *testing.T) {
	t.Parallel()
	var out, errb bytes.Buffer
	env := func(k string) string { return map[string]string{envStore: "file:" + t.TempDir() + "/s"}[k] }
	code := run(context.Background(), []string{"--json", "token", "nosuch"}, strings.NewReader(""), &out, &errb, env)
	assert.Equal(t, exitReauth, code)
	assert.Empty(t, out.String())
	assert.Contains(t, errb.String(), `"kind":"reauthorize"`)

	out.Reset()
	assert.Equal(t, exitOK, run(context.Background(), []string{"--help"}, nil, &out, &errb, env))
	assert.Contains(t, out.String(), "Exit codes")
}

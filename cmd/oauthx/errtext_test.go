package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/internal/errtext"
	"github.com/oauthx/oauthx/internal/errtext/errtexttest"
)

// What the binary prints for a refused code, a missing session and a bad
// flag says each label once ("oauthx: oauthx: reauthorization required"
// was printed before), and so do the command's own errors.
func TestErrorsPrintOnce(t *testing.T) {
	g := newGeneric(t)
	e := newEnv(t).set(envClientSecret, g.ClientSecret).set(envClientID, g.ClientID)
	refused := e.exit(exitReauth, "exchange", "generic", "--base-url", g.URL, "--code", "never-issued", "--name", "x")
	assert.Contains(t, refused.stderr, "oauthx: reauthorization required (generic): HTTP 400: invalid_")
	missing := e.exit(exitReauth, "token", "nobody")
	badFlag := e.exit(exitUsage, "list", "--no-such-flag")
	for _, r := range []result{refused, missing, badFlag} {
		require.NotEmpty(t, r.stderr)
		for _, line := range strings.Split(strings.TrimSpace(r.stderr), "\n") {
			assert.Empty(t, errtext.Repeated(line), "%q", line)
			if strings.HasPrefix(line, "oauthx:") {
				assert.Equal(t, 1, strings.Count(line, "oauthx:"), "%q", line)
			}
		}
	}

	errtexttest.Covers(t, map[string]error{
		"errHelp": errHelp, "errMigrationFailed": errMigrationFailed, "errNothingToRefresh": errNothingToRefresh,
	},
		usagef("--concurrency must be between 1 and 64"),
		&migrateError{n: 2, kind: errMigrationFailed},
	)
}

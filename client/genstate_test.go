package client_test

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/oauthx/oauthx/client"
)

func TestGenerateState(t *testing.T) {
	seen := map[string]bool{}
	for range 64 {
		s := client.GenerateState()
		assert.Regexp(t, regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`), s)
		assert.False(t, seen[s], "a state came twice")
		seen[s] = true
	}
}

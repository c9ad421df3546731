package client_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/oauthx/oauthx/client"
)

func TestRetryAfterSecondsRoundsUp(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		time.Second: "1", 1200 * time.Millisecond: "2", time.Millisecond: "1", 90 * time.Second: "90",
	} {
		assert.Equal(t, want, client.RetryAfterSeconds(d), d.String())
	}
}

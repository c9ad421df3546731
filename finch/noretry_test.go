package finch_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/finch"
	"github.com/oauthx/oauthx/providertest"
)

// TestTokenEndpointNeverRetriedAfterSend: once the code exchange may have
// reached Finch (a 5xx after handling, a reset after handling), it is not
// sent again — a second send would burn the code or mint a second token.
func TestTokenEndpointNeverRetriedAfterSend(t *testing.T) {
	t.Parallel()
	for name, fault := range map[string]providertest.Fault{
		"500 after handling":   providertest.ServerErrorAfterHandling(500),
		"502 after handling":   providertest.ServerErrorAfterHandling(502),
		"reset after handling": providertest.ResetAfterHandling(),
		"plain 500":            providertest.ServerError(500),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fake, c := setup(t, client.WithRetryMax(3))
			fake.Fail(fault)
			_, err := c.ExchangeCode(context.Background(), fake.IssueCode(redirect))
			require.Error(t, err)
			assert.Equal(t, 1, fake.Stats().TokenRequests, "the token endpoint is called once")
		})
	}
}

func TestAuthCodeURLOnFinchIsRefused(t *testing.T) {
	t.Parallel()
	_, c := setup(t)
	u, err := c.TokenClient().AuthCodeURL("some-state")
	assert.Empty(t, u)
	assert.ErrorIs(t, err, client.ErrInvalidRequest)

	pc, err := client.New(client.Config{Provider: finch.Provider(), ClientID: "id", ClientSecret: "s"})
	require.NoError(t, err)
	_, err = pc.AuthCodeURL("some-state")
	assert.ErrorIs(t, err, client.ErrInvalidRequest)
}

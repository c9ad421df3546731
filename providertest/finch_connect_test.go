package providertest_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/providertest"
)

func TestFinchConnectSessionRefusals(t *testing.T) {
	t.Parallel()
	fake := providertest.NewFinch()
	t.Cleanup(fake.Close)
	good := `{"customer_id":"c","customer_name":"n","products":["company"]}`
	tests := []struct {
		name, path, auth, body string
		status                 int
	}{
		{"accepted", "/connect/sessions", "basic", good, 200},
		{"bearer instead of basic", "/connect/sessions", "bearer", good, 401},
		{"no credentials", "/connect/sessions", "", good, 401},
		{"empty object", "/connect/sessions", "basic", `{}`, 400},
		{"unknown field", "/connect/sessions", "basic", `{"customer_id":"c","customer_name":"n","products":["company"],"scope":"x"}`, 400},
		{"unknown product", "/connect/sessions", "basic", `{"customer_id":"c","customer_name":"n","products":["payroll"]}`, 400},
		{"long name", "/connect/sessions", "basic", `{"customer_id":"c","customer_name":"` + strings.Repeat("a", 256) + `","products":["company"]}`, 400},
		{"minutes too long", "/connect/sessions", "basic", `{"customer_id":"c","customer_name":"n","products":["company"],"minutes_to_expire":129601}`, 400},
		{"bad sandbox", "/connect/sessions", "basic", `{"customer_id":"c","customer_name":"n","products":["company"],"sandbox":"yes"}`, 400},
		{"bad auth method", "/connect/sessions", "basic", `{"customer_id":"c","customer_name":"n","products":["company"],"integration":{"provider":"gusto","auth_method":"pw"}}`, 400},
		{"wrong type", "/connect/sessions", "basic", `{"customer_id":1,"customer_name":"n","products":["company"]}`, 400},
		{"reauth unknown connection", "/connect/sessions/reauthenticate", "basic", `{"connection_id":"nope"}`, 404},
		{"reauth customer field", "/connect/sessions/reauthenticate", "basic", `{"connection_id":"nope","customer_id":"c"}`, 400},
		{"reauth minutes too long", "/connect/sessions/reauthenticate", "basic", `{"connection_id":"x","minutes_to_expire":43201}`, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, fake.URL+tt.path, strings.NewReader(tt.body))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Finch-API-Version", providertest.FinchAPIVersion)
			switch tt.auth {
			case "basic":
				req.SetBasicAuth(fake.ClientID, fake.ClientSecret)
			case "bearer":
				req.Header.Set("Authorization", "Bearer "+fake.ClientSecret)
			}
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, tt.status, resp.StatusCode)
		})
	}
}

package client_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/oauthx/oauthx/client"
)

// Printing or logging an APIRequest never shows its access token, its
// extra secrets or a secret in its body.
func TestAPIRequestPrintsRedacted(t *testing.T) {
	t.Parallel()
	const tok, extra, inBody = "SENTINEL-API-TOKEN-77aa", "SENTINEL-EXTRA-SECRET-88bb", "SENTINEL-BODY-SECRET-99cc"
	r := client.APIRequest{Method: "GET", URL: "https://api.example/me", AccessToken: tok,
		Secrets: []string{extra}, Body: map[string]string{"secret": inBody}}
	var logs bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, nil)).Info("call", "r", r, "p", &r)
	for name, out := range map[string]string{
		"v": fmt.Sprintf("%v", r), "+v": fmt.Sprintf("%+v", r), "#v": fmt.Sprintf("%#v", r),
		"ptr": fmt.Sprintf("%+v", &r), "log": logs.String(),
	} {
		for _, sec := range []string{tok, extra, inBody} {
			assert.NotContains(t, out, sec, name)
		}
		assert.Contains(t, out, "https://api.example/me", name)
	}
}

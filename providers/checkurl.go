package providers

import (
	"net/url"

	"github.com/oauthx/oauthx/client"
)

// CheckURL checks an endpoint URL that must be set: empty, unparsable, or
// refused by client.CheckEndpoint (plain http to a remote host, no host,
// user info) is a *client.OptionError naming what (e.g. "finch base URL").
func CheckURL(what, raw string) error {
	if raw == "" {
		return &client.OptionError{Option: what, Reason: "empty URL"}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return &client.OptionError{Option: what, Reason: "not a URL"}
	}
	if err := client.CheckEndpoint(u); err != nil {
		return &client.OptionError{Option: what, Reason: err.Error()}
	}
	return nil
}

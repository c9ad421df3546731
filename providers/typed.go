package providers

import "github.com/oauthx/oauthx/client"

// NewClient is the constructor of a provider package's typed client
// (shopify.New, finch.New, passport.New): it builds the client.Client of
// spec's token endpoint for the application cfg describes (cfg.Provider
// is replaced by spec's adapter) and hands it to wrap, which composes the
// typed client.
// spec's Err, a bad cfg or a bad option is the error client.New returns,
// and wrap is not called.
func NewClient[T any](spec Spec, cfg client.Config, opts []client.Option, wrap func(*client.Client) *T) (*T, error) {
	cfg.Provider = NewDeferred(spec)
	c, err := client.New(cfg, opts...)
	if err != nil {
		return nil, err
	}
	return wrap(c), nil
}

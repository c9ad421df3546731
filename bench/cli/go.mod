module github.com/oauthx/oauthx/bench/cli

go 1.26.0

require (
	github.com/oauthx/oauthx v0.0.0
	golang.org/x/oauth2 v0.37.0
)

require (
	github.com/danieljoos/wincred v1.2.3 // indirect
	github.com/go-jose/go-jose/v4 v4.1.4 // indirect
	github.com/godbus/dbus/v5 v5.2.2 // indirect
	github.com/gofrs/flock v0.13.1 // indirect
	github.com/hashicorp/go-cleanhttp v0.5.2 // indirect
	github.com/hashicorp/go-retryablehttp v0.7.8 // indirect
	github.com/zalando/go-keyring v0.2.8 // indirect
	golang.org/x/sys v0.48.0 // indirect
)

replace github.com/oauthx/oauthx => ../..

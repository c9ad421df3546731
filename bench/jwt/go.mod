module github.com/oauthx/oauthx/bench/jwt

go 1.26.0

require github.com/oauthx/oauthx v0.0.0

require github.com/go-jose/go-jose/v4 v4.1.4 // indirect

require (
	github.com/golang-jwt/jwt/v5 v5.3.1
	github.com/hashicorp/go-cleanhttp v0.5.2 // indirect
	github.com/hashicorp/go-retryablehttp v0.7.8 // indirect
	golang.org/x/oauth2 v0.37.0 // indirect
)

replace github.com/oauthx/oauthx => ../..

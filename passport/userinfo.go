package passport

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/oauthx/oauthx/client"
)

// UserInfo is Passport's userinfo answer: the claims the user granted.
type UserInfo struct {
	// Subject is the sub claim; it equals the id_token's.
	Subject string `json:"sub"`
	// Name, Email and Picture are present when their scope was granted.
	Name    string `json:"name"`
	Email   string `json:"email"`
	Picture string `json:"picture"`

	raw []byte
}

// Claims decodes the whole answer into v (e.g. connected_accounts).
func (u *UserInfo) Claims(v any) error {
	if u == nil || u.raw == nil {
		return errors.New("passport: no claims")
	}
	return json.Unmarshal(u.raw, v)
}

// Userinfo fetches the user's claims with s's access token (GET
// {base}/userinfo, Bearer). An access token that has expired by the
// client's clock is not sent: refresh s first (ErrInvalidRequest). A token
// Passport rejects is ErrReauthorize. The answer's sub must equal
// s.Subject when both are set.
func (c *Client) Userinfo(ctx context.Context, s *client.Session) (*UserInfo, error) {
	return c.userinfo(ctx, c.cfg.baseURL+"/userinfo", s)
}

// Userinfo is Client.Userinfo at the userinfo_endpoint the discovery
// document named.
func (v *Verifier) Userinfo(ctx context.Context, s *client.Session) (*UserInfo, error) {
	if v == nil || v.c == nil {
		return nil, &client.Error{Provider: Name, Kind: client.ErrInvalidRequest, Description: "nil Verifier; use Client.NewVerifier"}
	}
	if v.userinfoURL == "" {
		return v.c.Userinfo(ctx, s)
	}
	return v.c.userinfo(ctx, v.userinfoURL, s)
}

func (c *Client) userinfo(ctx context.Context, endpoint string, s *client.Session) (*UserInfo, error) {
	invalid := func(desc string) error {
		return &client.Error{Provider: Name, Kind: client.ErrInvalidRequest, Description: desc}
	}
	switch {
	case s == nil || s.AccessToken == "":
		return nil, invalid("session has no access token")
	case !s.ValidAt(c.c.Now(), 0):
		return nil, invalid("access token has expired; refresh the session first")
	}
	var u UserInfo
	resp, err := c.c.CallAPI(ctx, client.APIRequest{
		Method: http.MethodGet, URL: endpoint, AccessToken: s.AccessToken, ErrorShapes: errorShapes,
	}, &u)
	if err != nil {
		return nil, err
	}
	if u.Subject == "" || (s.Subject != "" && u.Subject != s.Subject) {
		return nil, &client.Error{Provider: Name, Kind: client.ErrBadResponse, StatusCode: resp.StatusCode,
			Description: "userinfo sub is missing or differs from the session's subject"}
	}
	u.raw = append([]byte(nil), resp.Body...)
	return &u, nil
}

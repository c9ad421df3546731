package passport

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providers"
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
// {base}/userinfo, Bearer). An access token that has expired by c's clock
// is not sent: refresh s first (ErrInvalidRequest). A token Passport
// rejects is ErrReauthorize. The answer's sub must equal s.Subject when
// both are set.
func Userinfo(ctx context.Context, c *client.Client, s *client.Session) (*UserInfo, error) {
	pp, err := providerOf(c)
	if err != nil {
		return nil, &client.Error{Provider: Name, Kind: client.ErrInvalidRequest, Err: err}
	}
	return userinfo(ctx, c, pp.cfg.baseURL+"/userinfo", s)
}

// Userinfo is the package-level Userinfo at the userinfo_endpoint the
// discovery document named.
func (v *Verifier) Userinfo(ctx context.Context, c *client.Client, s *client.Session) (*UserInfo, error) {
	if v == nil || v.userinfoURL == "" {
		return Userinfo(ctx, c, s)
	}
	if _, err := providerOf(c); err != nil {
		return nil, &client.Error{Provider: Name, Kind: client.ErrInvalidRequest, Err: err}
	}
	return userinfo(ctx, c, v.userinfoURL, s)
}

func userinfo(ctx context.Context, c *client.Client, endpoint string, s *client.Session) (*UserInfo, error) {
	invalid := func(desc string) error {
		return &client.Error{Provider: Name, Kind: client.ErrInvalidRequest, Description: desc}
	}
	switch {
	case ctx == nil:
		return nil, invalid("nil context")
	case s == nil || s.AccessToken == "":
		return nil, invalid("session has no access token")
	case !s.ValidAt(c.Now(), 0):
		return nil, invalid("access token has expired; refresh the session first")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
	if err != nil {
		return nil, invalid("bad userinfo URL")
	}
	req.Header.Set("Authorization", "Bearer "+s.AccessToken)
	req.Header.Set("Accept", "application/json")
	resp, err := c.Send(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		e := &client.Error{Provider: Name, StatusCode: resp.StatusCode}
		if raw, derr := providers.DecodeJSONObject(resp); derr == nil {
			if f, ok := rollupErrors(resp.StatusCode, raw); ok {
				e.Code, e.Description = f.Code, scrub(f.Description, s.AccessToken)
			}
		}
		if d, ok := client.RetryAfter(resp.Header, c.Now()); ok {
			e.RetryAfter = d
		}
		if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
			e.Kind = client.ErrReauthorize
		} else {
			e.Kind = client.KindForStatus(resp.StatusCode)
		}
		return nil, e
	}
	if _, err := providers.DecodeJSONObject(resp); err != nil {
		var e *client.Error
		if errors.As(err, &e) {
			e.Provider = Name
		}
		return nil, err
	}
	var u UserInfo
	if err := json.NewDecoder(bytes.NewReader(resp.Body)).Decode(&u); err != nil {
		return nil, &client.Error{Provider: Name, Kind: client.ErrBadResponse, StatusCode: resp.StatusCode,
			Description: "userinfo answer does not have the documented shape"}
	}
	if u.Subject == "" || (s.Subject != "" && u.Subject != s.Subject) {
		return nil, &client.Error{Provider: Name, Kind: client.ErrBadResponse, StatusCode: resp.StatusCode,
			Description: "userinfo sub is missing or differs from the session's subject"}
	}
	u.raw = append([]byte(nil), resp.Body...)
	return &u, nil
}

func scrub(s, token string) string {
	if len(token) >= 4 {
		s = strings.ReplaceAll(s, token, "<redacted>")
	}
	return s
}

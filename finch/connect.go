package finch

import (
	"errors"
	"net/url"
	"strings"

	"github.com/oauthx/oauthx/client"
)

// Sandbox values for ConnectParams.Sandbox.
const (
	// SandboxFinch connects to Finch's own sandbox with made-up data.
	SandboxFinch = "finch"
	// SandboxProvider connects to a provider's sandbox account.
	SandboxProvider = "provider"
)

// ConnectParams are the query parameters of the static Finch Connect URL.
//
// Deprecated: used only by the deprecated ConnectURL; see
// ConnectSessionParams.
type ConnectParams struct {
	// ClientID is the Finch application's client id. Required.
	ClientID string
	// RedirectURL is where Connect sends the user back with ?code=…&state=….
	// Required; the code exchange must send the same one.
	RedirectURL string
	// Products are the requested products ("company", "directory",
	// "individual", "employment", "payment", "pay_statement", "benefits",
	// …). At least one is required; they are sent space-separated.
	Products []string
	// State is the unguessable value the callback checks. Required.
	State string
	// Sandbox is "", SandboxFinch or SandboxProvider.
	Sandbox string
	// Extra holds other Connect parameters (payroll_provider, manual,
	// connection_id for reauthentication, …).
	Extra url.Values
}

// ConnectURL returns the static Finch Connect URL:
// {connect}?client_id&products&redirect_uri&sandbox&state. The Connect URL
// comes from opts (WithConnectURL; default DefaultConnectURL).
//
// Deprecated: Finch stopped supporting the static Connect URL on
// 2025-07-31 (fully deprecated 2025-08-29); create a Connect Session with
// Client.NewConnectSession and send the user to its ConnectURL.
func ConnectURL(p ConnectParams, opts ...Option) (string, error) {
	cfg := config{connectURL: DefaultConnectURL}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	return connectURL(cfg.connectURL, p)
}

// ConnectURL is the package's ConnectURL with c's Connect URL and client
// id (p.ClientID, if set, must match it) and, when p.RedirectURL is
// empty, c's Config.RedirectURL.
//
// Deprecated: Finch no longer accepts the static Connect URL; use
// Client.NewConnectSession.
func (c *Client) ConnectURL(p ConnectParams) (string, error) {
	if p.ClientID == "" {
		p.ClientID = c.c.ClientID()
	} else if p.ClientID != c.c.ClientID() {
		return "", errors.New("finch: ConnectParams.ClientID differs from the client's")
	}
	if p.RedirectURL == "" {
		p.RedirectURL = c.c.RedirectURL()
	}
	return connectURL(c.cfg.connectURL, p)
}

func connectURL(base string, p ConnectParams) (string, error) {
	switch {
	case p.ClientID == "":
		return "", errors.New("finch: Connect URL needs a client id")
	case p.RedirectURL == "":
		return "", errors.New("finch: Connect URL needs a redirect URL")
	case p.State == "":
		return "", errors.New("finch: Connect URL needs a non-empty state")
	case len(p.Products) == 0:
		return "", errors.New("finch: Connect URL needs at least one product")
	case p.Sandbox != "" && p.Sandbox != SandboxFinch && p.Sandbox != SandboxProvider:
		return "", errors.New("finch: Sandbox must be \"\", \"finch\" or \"provider\"")
	}
	for _, pr := range p.Products {
		if pr == "" || strings.ContainsAny(pr, " \t\r\n") {
			return "", errors.New("finch: empty product or product with white space")
		}
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", errors.New("finch: bad Connect URL")
	}
	if err := client.CheckEndpoint(u); err != nil {
		return "", err
	}
	q := u.Query()
	for k, vals := range p.Extra {
		q[k] = append([]string(nil), vals...)
	}
	q.Set("client_id", p.ClientID)
	q.Set("products", strings.Join(p.Products, " "))
	q.Set("redirect_uri", p.RedirectURL)
	if p.Sandbox != "" {
		q.Set("sandbox", p.Sandbox)
	}
	q.Set("state", p.State)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

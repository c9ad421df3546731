package client

import (
	"bytes"
	"encoding/json"
	"time"
)

// sessionJSON is the stored form of a Session. Field names are part of the
// storage format: change them only with a new format version in the stores.
type sessionJSON struct {
	ID            string         `json:"id"`
	Provider      string         `json:"provider"`
	Subject       string         `json:"subject,omitempty"`
	AccessToken   string         `json:"access_token"`
	TokenType     string         `json:"token_type,omitempty"`
	RefreshToken  string         `json:"refresh_token,omitempty"`
	Expiry        time.Time      `json:"expiry,omitzero"`
	RefreshExpiry time.Time      `json:"refresh_expiry,omitzero"`
	Scopes        []string       `json:"scopes,omitempty"`
	IDToken       string         `json:"id_token,omitempty"`
	IssuedAt      time.Time      `json:"issued_at,omitzero"`
	Extra         map[string]any `json:"extra,omitempty"`
	Grant         string         `json:"grant,omitempty"`
	DPoPKey       *DPoPKey       `json:"dpop_key,omitempty"`
}

// MarshalJSON encodes every field of s, tokens and the DPoP private key
// (as a JWK, "dpop_key") included: it is the storage encoding, meant for
// stores, not for logs.
func (s Session) MarshalJSON() ([]byte, error) {
	return json.Marshal(sessionJSON(s))
}

// UnmarshalJSON decodes what MarshalJSON wrote. Numbers inside Extra decode
// as json.Number, as they do from a token response, so a round trip through
// a store gives back equal values.
func (s *Session) UnmarshalJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v sessionJSON
	if err := dec.Decode(&v); err != nil {
		return err
	}
	*s = Session(v)
	return nil
}

package client_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/oauthx/oauthx/client"
)

const (
	secretAccess  = "SENTINEL-ACCESS-7f3a9c"
	secretRefresh = "SENTINEL-REFRESH-91bd2e"
	secretID      = "SENTINEL-IDTOKEN-c0ffee"
)

func fullSession() *client.Session {
	return &client.Session{
		ID: "generic:user-1", Provider: "generic", Subject: "user-1",
		AccessToken: secretAccess, TokenType: "Bearer", RefreshToken: secretRefresh,
		Expiry:        time.Date(2026, 11, 22, 10, 0, 0, 123456789, time.UTC),
		RefreshExpiry: time.Date(2027, 2, 20, 10, 0, 0, 0, time.FixedZone("X", 3600)),
		Scopes:        []string{"read", "write"}, IDToken: secretID,
		IssuedAt: time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC),
		Extra: map[string]any{
			"account": map[string]any{"id": json.Number("12345678901234567"), "tags": []any{"a", true}},
			"ratio":   json.Number("0.5"),
		},
	}
}

func TestSessionJSONRoundTrip(t *testing.T) {
	t.Parallel()
	in := fullSession()
	data, err := json.Marshal(in)
	require.NoError(t, err)
	var out client.Session
	require.NoError(t, json.Unmarshal(data, &out))
	assert.True(t, in.Expiry.Equal(out.Expiry), "expiry")
	assert.True(t, in.RefreshExpiry.Equal(out.RefreshExpiry), "refresh expiry")
	assert.True(t, in.IssuedAt.Equal(out.IssuedAt), "issued at")
	in.Expiry, in.RefreshExpiry, in.IssuedAt = out.Expiry, out.RefreshExpiry, out.IssuedAt
	assert.Equal(t, *in, out)

	// A zero expiry stays zero (never expires) and is not written.
	never := client.Session{ID: "finch:c1", Provider: "finch", AccessToken: "x"}
	data, err = json.Marshal(never)
	require.NoError(t, err)
	assert.NotContains(t, string(data), "expiry")
	var back client.Session
	require.NoError(t, json.Unmarshal(data, &back))
	assert.True(t, back.NeverExpires())
}

func TestSessionUnmarshalRejectsGarbage(t *testing.T) {
	t.Parallel()
	for _, in := range []string{``, `[]`, `{"expiry":"yesterday"}`, `{"scopes":"a b"}`, `{`} {
		var s client.Session
		assert.Error(t, json.Unmarshal([]byte(in), &s), in)
	}
}

func TestSessionPrintingIsRedacted(t *testing.T) {
	t.Parallel()
	s := fullSession()
	var logs bytes.Buffer
	l := slog.New(slog.NewJSONHandler(&logs, nil))
	l.Info("session", "s", s, "v", *s)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("session", "s", s)

	outputs := map[string]string{
		"String":   s.String(),
		"GoString": s.GoString(),
		"%v":       fmt.Sprintf("%v", s),
		"%+v":      fmt.Sprintf("%+v", s),
		"%#v":      fmt.Sprintf("%#v", s),
		"%s":       fmt.Sprintf("%s", s),
		"%q":       fmt.Sprintf("%q", s),
		"%v value": fmt.Sprintf("%v", *s),
		"%#v val":  fmt.Sprintf("%#v", *s),
		"in slice": fmt.Sprintf("%v %+v", []*client.Session{s}, []client.Session{*s}),
		"in map":   fmt.Sprintf("%v", map[string]*client.Session{"k": s}),
		"slog":     logs.String(),
	}
	for name, out := range outputs {
		for _, secret := range []string{secretAccess, secretRefresh, secretID} {
			assert.NotContains(t, out, secret, name)
		}
		assert.Contains(t, out, client.Fingerprint(secretAccess), name)
	}
	assert.Contains(t, s.String(), "generic:user-1")
}

func TestSessionValidity(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		s      *client.Session
		margin time.Duration
		want   bool
	}{
		{"nil", nil, 0, false},
		{"no access token", &client.Session{}, 0, false},
		{"never expires", &client.Session{AccessToken: "a"}, time.Hour, true},
		{"fresh", &client.Session{AccessToken: "a", Expiry: now.Add(time.Hour)}, time.Minute, true},
		{"inside margin", &client.Session{AccessToken: "a", Expiry: now.Add(30 * time.Second)}, time.Minute, false},
		{"expired", &client.Session{AccessToken: "a", Expiry: now.Add(-time.Second)}, 0, false},
		{"exactly at margin", &client.Session{AccessToken: "a", Expiry: now.Add(time.Minute)}, time.Minute, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.s.ValidAt(now, tt.margin))
		})
	}
	assert.True(t, (&client.Session{RefreshToken: "r"}).CanRefresh(now))
	assert.False(t, (&client.Session{RefreshToken: "r", RefreshExpiry: now}).CanRefresh(now))
	assert.False(t, (&client.Session{}).CanRefresh(now))
}

func TestSessionTokenInterop(t *testing.T) {
	t.Parallel()
	s := fullSession()
	tok := s.Token()
	assert.Equal(t, secretAccess, tok.AccessToken)
	assert.Equal(t, secretRefresh, tok.RefreshToken)
	assert.Equal(t, "Bearer", tok.Type())
	assert.True(t, s.Expiry.Equal(tok.Expiry))
	assert.Equal(t, secretID, tok.Extra("id_token"))

	back := client.SessionFromToken(tok)
	assert.Equal(t, secretAccess, back.AccessToken)
	assert.Equal(t, secretID, back.IDToken)
	assert.Equal(t, "Bearer", client.SessionFromToken(&oauth2.Token{AccessToken: "a", TokenType: "bearer"}).TokenType)
	assert.Nil(t, client.SessionFromToken(nil))
	assert.Nil(t, (*client.Session)(nil).Token())
}

func TestSessionClone(t *testing.T) {
	t.Parallel()
	s := fullSession()
	c := s.Clone()
	c.Scopes[0] = "changed"
	c.Extra["account"].(map[string]any)["id"] = "changed"
	assert.Equal(t, "read", s.Scopes[0])
	assert.Equal(t, json.Number("12345678901234567"), s.Extra["account"].(map[string]any)["id"])
	assert.Nil(t, (*client.Session)(nil).Clone())
}

func TestNormalizeTokenType(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"": "Bearer", "bearer": "Bearer", "BEARER": "Bearer", "Bearer": "Bearer", "mac": "mac"} {
		assert.Equal(t, want, client.NormalizeTokenType(in), in)
	}
}

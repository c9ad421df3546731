package finch_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/finch"
	"github.com/oauthx/oauthx/providertest"
)

func TestDisconnectEntitiesRequestBody(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ids  []string
		want map[string]any
	}{
		{"one", []string{"ent_1"}, map[string]any{"entity_ids": []any{"ent_1"}}},
		{"two", []string{"ent_1", "ent_2"}, map[string]any{"entity_ids": []any{"ent_1", "ent_2"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cp := &capture{reply: `{"status":"success"}`}
			c := captureClient(t, cp)
			require.NoError(t, c.DisconnectEntities(context.Background(), &client.Session{AccessToken: "at_1"}, tt.ids))
			cp.mu.Lock()
			defer cp.mu.Unlock()
			assert.Equal(t, "POST", cp.method)
			assert.Equal(t, "/disconnect-entity", cp.path)
			assert.Equal(t, "Bearer at_1", cp.header.Get("Authorization"))
			assert.Equal(t, "application/json", cp.header.Get("Content-Type"))
			assert.Equal(t, "2020-09-17", cp.header.Get("Finch-API-Version"))
			var got map[string]any
			require.NoError(t, json.Unmarshal([]byte(cp.body), &got))
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestDisconnectEntitiesRefusals(t *testing.T) {
	t.Parallel()
	cp := &capture{reply: `{"status":"failed"}`}
	c := captureClient(t, cp)
	s := &client.Session{AccessToken: "at_1"}
	for name, ids := range map[string][]string{"none": nil, "empty id": {""}, "repeated": {"a", "a"}, "control": {"a\n"}} {
		assert.ErrorIs(t, c.DisconnectEntities(context.Background(), s, ids), finch.ErrInvalidParams, name)
	}
	cp.mu.Lock()
	assert.Empty(t, cp.method, "nothing sent for bad ids")
	cp.mu.Unlock()
	assert.ErrorIs(t, c.DisconnectEntities(context.Background(), s, []string{"a"}), client.ErrBadResponse)
	for reply, ok := range map[string]bool{`{}`: true, `{"status":""}`: true, `{"status":"pending"}`: false} {
		cs := captureClient(t, &capture{reply: reply})
		err := cs.DisconnectEntities(context.Background(), s, []string{"a"})
		if ok {
			assert.NoError(t, err, reply)
		} else {
			assert.ErrorIs(t, err, client.ErrBadResponse, reply)
		}
	}

	fake, fc := setup(t)
	fs, err := fc.ExchangeCode(context.Background(), fake.IssueCode(redirect))
	require.NoError(t, err)
	assert.ErrorIs(t, fc.DisconnectEntities(context.Background(), fs, []string{"not-mine"}), client.ErrInvalidRequest)
	assert.ErrorIs(t, fc.DisconnectEntities(context.Background(), &client.Session{AccessToken: "dead"}, []string{"x"}), client.ErrReauthorize)
}

func TestIntrospectWholeModel(t *testing.T) {
	t.Parallel()
	fake, c := setup(t)
	ctx := context.Background()
	code := fake.IssueCodeFor(redirect, providertest.FinchConnection{ConnectionID: "conn_7", CustomerID: "cust_7",
		CustomerName: "Seven Ltd", CustomerEmail: "hr@seven.example", EntityIDs: []string{"ent_a", "ent_b"}})
	s, err := c.ExchangeCode(ctx, code)
	require.NoError(t, err)
	conn := finch.ConnectionOf(s)
	assert.Equal(t, "Seven Ltd", conn.CustomerName)
	assert.Equal(t, []string{"ent_a", "ent_b"}, conn.EntityIDs)
	assert.Equal(t, "cust_7", conn.CustomerID)

	info, err := c.Introspect(ctx, s)
	require.NoError(t, err)
	assert.Equal(t, "tok_conn_7", info.ID)
	assert.Equal(t, "conn_7", info.ConnectionID)
	assert.Equal(t, "Seven Ltd", info.CustomerName)
	assert.Equal(t, "hr@seven.example", info.CustomerEmail)
	assert.Equal(t, "gusto", info.ProviderID)
	assert.Equal(t, "gusto", info.PayrollProviderID)
	assert.Equal(t, "sandbox", info.ClientType)
	assert.Equal(t, "provider", info.ConnectionType)
	assert.Equal(t, "connected", info.ConnectionStatus.Status)
	last, ok := info.ConnectionStatus.LastSync()
	require.True(t, ok)
	assert.True(t, last.Equal(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)))
	require.Len(t, info.Entities, 2)
	assert.Equal(t, finch.Entity{ID: "ent_a", Name: "Entity ent_a", SourceID: "src_ent_a", Status: "connected"}, info.Entities[0])
	_, ok = info.Entity("nope")
	assert.False(t, ok)
	_, ok = finch.ConnectionStatus{}.LastSync()
	assert.False(t, ok)
}

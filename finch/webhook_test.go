package finch_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/finch"
	"github.com/oauthx/oauthx/providertest"
)

var (
	whKey    = []byte("0123456789abcdef0123456789abcdef")
	whSecret = base64.StdEncoding.EncodeToString(whKey)
	whNow    = time.Unix(1767225600, 0)
	whBody   = []byte(`{"connection_id":"conn_1","event_type":"job.data_sync_all.completed"}`)
)

func whSign(key []byte, id, ts string, body []byte) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "."))
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// whRequest builds a delivery; edit changes its headers before it is sent.
func whRequest(body []byte, edit func(h http.Header)) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/webhooks/finch", bytes.NewReader(body))
	r.Header.Set("Finch-Event-Id", "evt_1")
	r.Header.Set("Finch-Timestamp", "1767225600")
	r.Header.Set("Finch-Signature", whSign(whKey, "evt_1", "1767225600", body))
	if edit != nil {
		edit(r.Header)
	}
	return r
}

func TestVerifyWebhookCases(t *testing.T) {
	t.Parallel()
	good := whSign(whKey, "evt_1", "1767225600", whBody)
	other := whSign([]byte("another key"), "evt_1", "1767225600", whBody)
	hexSig := func() string {
		mac := hmac.New(sha256.New, whKey)
		mac.Write([]byte("evt_1.1767225600."))
		mac.Write(whBody)
		return "v1," + strings.ToLower(strings.TrimSpace(string(mac.Sum(nil))))
	}()
	tests := []struct {
		name   string
		secret string
		body   []byte
		edit   func(h http.Header)
		now    time.Time
		want   error // nil: accepted
	}{
		{"valid", whSecret, whBody, nil, whNow, nil},
		{"valid empty body", whSecret, nil, func(h http.Header) { h.Set("Finch-Signature", whSign(whKey, "evt_1", "1767225600", nil)) }, whNow, nil},
		{"valid among separate header values", whSecret, whBody, func(h http.Header) {
			h.Set("Finch-Signature", other)
			h.Add("Finch-Signature", good)
		}, whNow, nil},
		{"valid among space-separated", whSecret, whBody, func(h http.Header) { h.Set("Finch-Signature", other+" "+good) }, whNow, nil},
		{"valid after another version", whSecret, whBody, func(h http.Header) { h.Set("Finch-Signature", "v2,abc "+good) }, whNow, nil},
		{"valid at +300s", whSecret, whBody, nil, whNow.Add(300 * time.Second), nil},
		{"valid at -300s", whSecret, whBody, nil, whNow.Add(-300 * time.Second), nil},
		{"stale at +301s", whSecret, whBody, nil, whNow.Add(301 * time.Second), finch.ErrWebhookStale},
		{"future at -301s", whSecret, whBody, nil, whNow.Add(-301 * time.Second), finch.ErrWebhookStale},
		{"empty secret", "", whBody, nil, whNow, finch.ErrWebhookSecret},
		{"secret not base64", "not base64!", whBody, nil, whNow, finch.ErrWebhookSecret},
		{"secret unpadded", strings.TrimRight(base64.StdEncoding.EncodeToString([]byte("ab")), "="), whBody, nil, whNow, finch.ErrWebhookSecret},
		{"wrong secret", base64.StdEncoding.EncodeToString([]byte("wrong")), whBody, nil, whNow, finch.ErrWebhookSignature},
		{"tampered body", whSecret, []byte(`{"connection_id":"conn_2"}`), nil, whNow, finch.ErrWebhookSignature},
		{"tampered event id", whSecret, whBody, func(h http.Header) { h.Set("Finch-Event-Id", "evt_2") }, whNow, finch.ErrWebhookSignature},
		{"tampered timestamp", whSecret, whBody, func(h http.Header) { h.Set("Finch-Timestamp", "1767225601") }, whNow, finch.ErrWebhookSignature},
		{"plus-prefixed timestamp", whSecret, whBody, func(h http.Header) {
			h.Set("Finch-Timestamp", "+1767225600")
			h.Set("Finch-Signature", whSign(whKey, "evt_1", "+1767225600", whBody))
		}, whNow, finch.ErrWebhookMalformedHeader},
		{"negative timestamp", whSecret, whBody, func(h http.Header) { h.Set("Finch-Timestamp", "-1") }, whNow, finch.ErrWebhookMalformedHeader},
		{"fractional timestamp", whSecret, whBody, func(h http.Header) { h.Set("Finch-Timestamp", "1767225600.5") }, whNow, finch.ErrWebhookMalformedHeader},
		{"timestamp with space", whSecret, whBody, func(h http.Header) { h.Set("Finch-Timestamp", " 1767225600") }, whNow, finch.ErrWebhookMalformedHeader},
		{"huge timestamp", whSecret, whBody, func(h http.Header) { h.Set("Finch-Timestamp", strings.Repeat("9", 30)) }, whNow, finch.ErrWebhookMalformedHeader},
		{"millisecond timestamp", whSecret, whBody, func(h http.Header) {
			h.Set("Finch-Timestamp", "1767225600000")
			h.Set("Finch-Signature", whSign(whKey, "evt_1", "1767225600000", whBody))
		}, whNow, finch.ErrWebhookMalformedHeader},
		{"repeated timestamp", whSecret, whBody, func(h http.Header) { h.Add("Finch-Timestamp", "1767225600") }, whNow, finch.ErrWebhookMalformedHeader},
		{"missing timestamp", whSecret, whBody, func(h http.Header) { h.Del("Finch-Timestamp") }, whNow, finch.ErrWebhookMissingHeader},
		{"missing event id", whSecret, whBody, func(h http.Header) { h.Del("Finch-Event-Id") }, whNow, finch.ErrWebhookMissingHeader},
		{"event id with newline", whSecret, whBody, func(h http.Header) { h["Finch-Event-Id"] = []string{"evt\n1"} }, whNow, finch.ErrWebhookMalformedHeader},
		{"missing signature", whSecret, whBody, func(h http.Header) { h.Del("Finch-Signature") }, whNow, finch.ErrWebhookMissingHeader},
		{"blank signature", whSecret, whBody, func(h http.Header) { h.Set("Finch-Signature", "  ") }, whNow, finch.ErrWebhookMissingHeader},
		{"signature without version", whSecret, whBody, func(h http.Header) { h.Set("Finch-Signature", strings.TrimPrefix(good, "v1,")) }, whNow, finch.ErrWebhookSignature},
		{"only v2 signature", whSecret, whBody, func(h http.Header) { h.Set("Finch-Signature", "v2,"+strings.TrimPrefix(good, "v1,")) }, whNow, finch.ErrWebhookSignature},
		{"signature base64url", whSecret, whBody, func(h http.Header) {
			h.Set("Finch-Signature", strings.NewReplacer("+", "-", "/", "_").Replace(good)+" v1,"+strings.Repeat("A", 43)+"=")
		}, whNow, finch.ErrWebhookSignature},
		{"signature unpadded", whSecret, whBody, func(h http.Header) { h.Set("Finch-Signature", strings.TrimRight(good, "=")) }, whNow, finch.ErrWebhookSignature},
		{"signature raw bytes", whSecret, whBody, func(h http.Header) { h.Set("Finch-Signature", hexSig) }, whNow, finch.ErrWebhookSignature},
		{"signature truncated", whSecret, whBody, func(h http.Header) {
			h.Set("Finch-Signature", "v1,"+base64.StdEncoding.EncodeToString([]byte("short")))
		}, whNow, finch.ErrWebhookSignature},
		{"signature comma list", whSecret, whBody, func(h http.Header) { h.Set("Finch-Signature", other+","+good) }, whNow, finch.ErrWebhookSignature},
		{"body too large", whSecret, bytes.Repeat([]byte("a"), finch.MaxWebhookBody+1), nil, whNow, finch.ErrWebhookBodyTooLarge},
	}
	require.GreaterOrEqual(t, len(tests), 25)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := whRequest(tt.body, tt.edit)
			if tt.edit == nil && len(tt.body) > 0 {
				r.Header.Set("Finch-Signature", whSign(whKey, "evt_1", "1767225600", tt.body))
				if strings.HasPrefix(tt.name, "tampered body") {
					r.Header.Set("Finch-Signature", good)
				}
			}
			wh, err := finch.VerifyWebhook(r, tt.secret, tt.now)
			if tt.want == nil {
				require.NoError(t, err)
				assert.Equal(t, "evt_1", wh.EventID)
				assert.True(t, wh.Timestamp.Equal(whNow))
				assert.Equal(t, string(tt.body), string(wh.Body))
				rest, err := io.ReadAll(r.Body)
				require.NoError(t, err)
				assert.Equal(t, string(tt.body), string(rest), "the body is put back")
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, finch.ErrInvalidWebhook)
			assert.ErrorIs(t, err, tt.want)
			var we *finch.WebhookError
			require.ErrorAs(t, err, &we)
			assert.NotContains(t, err.Error(), whSecret)
		})
	}
}

func TestVerifyWebhookZeroNowIsNow(t *testing.T) {
	t.Parallel()
	ts := time.Now().Unix()
	tsS := strconv.FormatInt(ts, 10)
	r := whRequest(whBody, func(h http.Header) {
		h.Set("Finch-Timestamp", tsS)
		h.Set("Finch-Signature", whSign(whKey, "evt_1", tsS, whBody))
	})
	_, err := finch.VerifyWebhook(r, whSecret, time.Time{})
	require.NoError(t, err)
	_, err = finch.VerifyWebhook(whRequest(whBody, nil), whSecret, time.Time{})
	assert.ErrorIs(t, err, finch.ErrWebhookStale)
}

// TestWebhookHandlerWithFake delivers webhooks the fake signed over real
// HTTP: accepted; tampered and stale ones refused with 401.
func TestWebhookHandlerWithFake(t *testing.T) {
	t.Parallel()
	now := whNow
	fake := providertest.NewFinch(providertest.WithClock(func() time.Time { return now }))
	t.Cleanup(fake.Close)
	var got []*finch.Webhook
	var rejected []error
	h, err := finch.NewWebhookHandler(finch.WebhookHandlerConfig{
		Secret: providertest.FinchWebhookSecret,
		Now:    func() time.Time { return whNow },
		Handle: func(w http.ResponseWriter, r *http.Request, wh *finch.Webhook) {
			got = append(got, wh)
			w.WriteHeader(http.StatusNoContent)
		},
		OnReject: func(_ *http.Request, err error) { rejected = append(rejected, err) },
	})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	ctx := context.Background()
	send := func(req *http.Request) int {
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}

	req, err := fake.WebhookRequest(ctx, srv.URL, "evt_ok", whBody)
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, send(req))

	req, err = fake.WebhookRequest(ctx, srv.URL, "evt_tampered", whBody)
	require.NoError(t, err)
	req.Body = io.NopCloser(strings.NewReader(`{"connection_id":"someone else"}`))
	req.ContentLength = -1
	assert.Equal(t, http.StatusUnauthorized, send(req))

	now = whNow.Add(-time.Hour)
	req, err = fake.WebhookRequest(ctx, srv.URL, "evt_stale", whBody)
	require.NoError(t, err)
	assert.Equal(t, http.StatusUnauthorized, send(req))

	get, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusMethodNotAllowed, send(get))

	require.Len(t, got, 1)
	assert.Equal(t, "evt_ok", got[0].EventID)
	require.Len(t, rejected, 2)
	assert.ErrorIs(t, rejected[0], finch.ErrWebhookSignature)
	assert.ErrorIs(t, rejected[1], finch.ErrWebhookStale)
}

func TestNewWebhookHandlerRefusesBadConfig(t *testing.T) {
	t.Parallel()
	handle := func(http.ResponseWriter, *http.Request, *finch.Webhook) {}
	for name, cfg := range map[string]finch.WebhookHandlerConfig{
		"no handle":    {Secret: whSecret},
		"empty secret": {Handle: handle},
		"bad secret":   {Secret: "%%%", Handle: handle},
	} {
		_, err := finch.NewWebhookHandler(cfg)
		assert.ErrorIs(t, err, client.ErrInvalidRequest, name)
		assert.True(t, errors.Is(err, finch.ErrInvalidParams), name)
	}
}

func FuzzVerifyWebhook(f *testing.F) {
	f.Add("evt_1", "1767225600", whSign(whKey, "evt_1", "1767225600", whBody), whBody)
	f.Add("evt_1", "+1767225600", "v1,AAAA v1,"+strings.Repeat("A", 43)+"=", []byte("{}"))
	f.Add("", "", "", []byte(nil))
	f.Fuzz(func(t *testing.T, id, ts, sig string, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		r.Header["Finch-Event-Id"] = []string{id}
		r.Header["Finch-Timestamp"] = []string{ts}
		r.Header["Finch-Signature"] = []string{sig}
		wh, err := finch.VerifyWebhook(r, whSecret, whNow)
		if err != nil {
			require.ErrorIs(t, err, finch.ErrInvalidWebhook)
			return
		}
		// Accepted only when a given signature is the right one.
		require.Contains(t, sig, whSign(whKey, id, ts, body))
		require.Equal(t, id, wh.EventID)
		require.Equal(t, string(body), string(wh.Body))
	})
}

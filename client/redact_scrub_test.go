package client_test

import (
	"encoding/base64"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
)

// A secret with every character the encodings change: "+", "/", "=", a
// space, "%", "&", a quote, "<", and a non-ASCII letter.
const scrubSecret = `p/ss+w=rd SENTINEL%&"<é-7f3a`

// Every form a server may echo a secret in is scrubbed.
func TestScrubForms(t *testing.T) {
	t.Parallel()
	sec := scrubSecret
	lowerHex := strings.NewReplacer("%2F", "%2f", "%2B", "%2b", "%3D", "%3d", "%C3", "%c3", "%A9", "%a9").Replace(url.QueryEscape(sec))
	basic := base64.StdEncoding.EncodeToString([]byte("client-id:" + sec))
	tests := []struct {
		name, text string
	}{
		{"raw", "secret " + sec + " echoed"},
		{"form-encoded (QueryEscape)", "client_secret=" + url.QueryEscape(sec) + "&x=1"},
		{"percent-encoded (PathEscape)", "/echo/" + url.PathEscape(sec) + "/x"},
		{"lowercase hex", "v=" + lowerHex},
		{"every byte percent-encoded", "v=" + percentAll(sec)},
		{"JSON string", `{"d":"` + jsonInside(sec) + `"}`},
		{"base64 std", base64.StdEncoding.EncodeToString([]byte(sec))},
		{"base64 std unpadded", base64.RawStdEncoding.EncodeToString([]byte(sec))},
		{"base64 url", base64.URLEncoding.EncodeToString([]byte(sec))},
		{"base64 url unpadded", base64.RawURLEncoding.EncodeToString([]byte(sec))},
		{"inside a Basic header", "Authorization: Basic " + basic},
		{"inside base64 at offset 1", base64.StdEncoding.EncodeToString([]byte("x" + sec + "tail"))},
		{"inside base64 at offset 2", base64.URLEncoding.EncodeToString([]byte("xy" + sec + "tail"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := client.Scrub(tt.text, "other-secret", sec)
			assert.Contains(t, got, client.Redacted)
			assertNoForm(t, got, sec)
		})
	}
}

func TestScrubLeavesTextAlone(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "", client.Scrub("", "secret"))
	assert.Equal(t, "code abc is short", client.Scrub("code abc is short", "abc"), "secrets under 4 bytes are ignored")
	assert.Equal(t, "invalid_grant: expired", client.Scrub("invalid_grant: expired", "SENTINEL-not-there", ""))
}

// Clipping after scrubbing never leaves a prefix of the secret; clipping
// first would (the order Shopify's error text used to be handled in).
func TestScrubThenClip(t *testing.T) {
	t.Parallel()
	text := strings.Repeat("x", 190) + scrubSecret + strings.Repeat("y", 50)
	got := client.Clip(client.Scrub(text, scrubSecret), 200)
	assert.NotContains(t, got, scrubSecret[:8])
	wrong := client.Scrub(client.Clip(text, 200), scrubSecret)
	assert.Contains(t, wrong, scrubSecret[:8], "the test's text does put the secret across the cut")
}

func TestClip(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "short", client.Clip("short", 10))
	assert.Equal(t, "ab…", client.Clip("abcdef", 2))
	got := client.Clip("aé", 2) // the cut falls inside é
	assert.Equal(t, "a…", got)
}

func TestResponseTokens(t *testing.T) {
	t.Parallel()
	got := client.ResponseTokens([]byte(`{"access_token":"at-123456","token_type":"bearer","refresh_token":"rt-123456",` +
		`"nested":{"id_token":"idt-12345"},"list":[{"subject_token":"st-123456"}],"error":"invalid_grant","code":"BAD_REQUEST","expires_in":"3600"}`))
	assert.ElementsMatch(t, []string{"at-123456", "rt-123456", "idt-12345", "st-123456"}, got)
	form := client.ResponseTokens([]byte("access_token=at%2B123456&token_type=bearer"))
	assert.Equal(t, []string{"at+123456"}, form)
	assert.Empty(t, client.ResponseTokens([]byte("<html>no</html>")))
}

// assertNoForm fails if text holds sec, or any encoding of it, or its
// first 8 bytes raw.
func assertNoForm(t *testing.T, text, sec string) {
	t.Helper()
	for _, f := range secretForms(sec) {
		require.NotContains(t, text, f)
	}
}

// secretForms are the encodings the tests look for (written here
// independently of the library's).
func secretForms(sec string) []string {
	forms := []string{sec, sec[:8], url.QueryEscape(sec), url.PathEscape(sec), jsonInside(sec)}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		forms = append(forms, enc.EncodeToString([]byte(sec))[:12])
	}
	return forms
}

func percentAll(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteByte('%')
		b.WriteByte(hex[s[i]>>4])
		b.WriteByte(hex[s[i]&15])
	}
	return b.String()
}

// jsonInside is s as encoding/json writes it inside a string, HTML-escaped.
func jsonInside(s string) string {
	return strings.NewReplacer(`"`, `\"`, `\`, `\\`, "<", `\u003c`, ">", `\u003e`, "&", `\u0026`).Replace(s)
}

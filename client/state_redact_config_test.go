package client_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/oauthx/oauthx/client"
)

// Printing or logging a BrowserStateConfig never shows its keys.
func TestBrowserStateConfigPrintsRedacted(t *testing.T) {
	t.Parallel()
	key, prev := "SENTINEL-STATE-KEY-0123456789abcdef", "SENTINEL-PREV-KEY-0123456789abcdefg"
	cfg := client.BrowserStateConfig{Key: []byte(key), PreviousKeys: [][]byte{[]byte(prev)}, CookieName: "login"}
	var logs bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, nil)).Info("cfg", "c", cfg, "p", &cfg)
	for name, out := range map[string]string{
		"v": fmt.Sprintf("%v", cfg), "+v": fmt.Sprintf("%+v", cfg), "#v": fmt.Sprintf("%#v", cfg),
		"ptr": fmt.Sprintf("%+v", &cfg), "log": logs.String(),
	} {
		for _, sec := range []string{key, prev, fmt.Sprintf("%x", key), fmt.Sprint([]byte(key))} {
			assert.NotContains(t, out, sec, name)
		}
	}
}

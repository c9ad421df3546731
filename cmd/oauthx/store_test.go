package main

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseStore(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in                         string
		kind, svc, dir, url, extra string
		err                        string
	}{
		{in: "", kind: storeDefault, svc: "oauthx"},
		{in: "default", kind: storeDefault, svc: "oauthx"},
		{in: "keyring", kind: storeKeyring, svc: "oauthx"},
		{in: "keyring:my-app", kind: storeKeyring, svc: "my-app"},
		{in: "keyring:", err: "service name"},
		{in: "file:/tmp/x", kind: storeFile, dir: "/tmp/x"},
		{in: "file:", err: "needs a directory"},
		{in: "redis://127.0.0.1:6379/2", kind: storeRedis, url: "redis://127.0.0.1:6379/2"},
		{in: "rediss://:pw@h:6380?prefix=app:", kind: storeRedis, url: "rediss://:pw@h:6380", extra: "app:"},
		{in: "redis://h?prefix=a&prefix=b", err: "once"},
		{in: "redis://h?prefix=", err: "once"},
		{in: "redis:///nohost", err: "needs a host"},
		{in: "postgres://postgres@127.0.0.1:5432/test?sslmode=disable&table=cli_sessions", kind: storePostgres,
			url: "postgres://postgres@127.0.0.1:5432/test?sslmode=disable", extra: "cli_sessions"},
		{in: "postgresql://u:p@h/db", kind: storePostgres, url: "postgresql://u:p@h/db"},
		{in: "postgres://h/db#frag", err: "fragment"},
		{in: "mysql://h/db", err: "unknown scheme"},
		{in: "/some/dir", err: "unknown store"},
		{in: "redis://:pa ss@h%zz", err: "malformed redis URL"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			s, err := parseStore(tc.in)
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				assert.Equal(t, exitUsage, exitCode(err))
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.kind, s.Kind)
			assert.Equal(t, tc.svc, s.Service)
			assert.Equal(t, tc.dir, s.Dir)
			if tc.url != "" {
				assert.Equal(t, tc.url, s.URL.String())
			}
			assert.Equal(t, tc.extra, s.Prefix+s.Table)
		})
	}
}

// Neither a parse error nor the store's description repeats a password.
func TestParseStoreHidesPassword(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"redis://:hunter2-pw@127.0.0.1:6379",
		"postgres://u:hunter2-pw@h/db?table=t",
		"redis://:hunter2-pw@h:6379?prefix=a&prefix=b",
		"redis://:hunter2-pw@h%zz",
		"postgres://u:hunter2-pw@h/db#x",
	} {
		s, err := parseStore(in)
		if err != nil {
			assert.NotContains(t, err.Error(), "hunter2-pw", in)
			continue
		}
		assert.NotContains(t, s.String(), "hunter2-pw", in)
	}
}

// FuzzParseStore: parseStore never panics, never repeats a password in
// an error or description, and what it accepts is well-formed.
func FuzzParseStore(f *testing.F) {
	for _, seed := range []string{
		"", "default", "keyring", "keyring:svc", "file:/tmp/x", "file:",
		"redis://127.0.0.1:6379/0", "rediss://:secret@h:1?prefix=p", "redis://h?prefix=a&prefix=b",
		"postgres://u:secret@h:5432/db?sslmode=disable&table=t", "postgresql://h/db", "postgres://h/db#f",
		"redis://:secret@h%zz", "secret://x", "mysql://u:secret@h/db", "://", "redis://", "keyring:\x00",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := parseStore(in)
		pw := passwordIn(in)
		// shows reports whether text shows the password: it contains it, and
		// would not if the input held another password of the same length.
		shows := func(text string, again func(string) string) bool {
			if len(pw) < 4 || strings.Count(in, pw) != 1 || !strings.Contains(text, pw) {
				return false
			}
			return !strings.Contains(again(strings.Replace(in, pw, strings.Repeat("Q", len(pw)), 1)), pw)
		}
		if err != nil {
			if exitCode(err) != exitUsage {
				t.Fatalf("parse error is not a usage error: %v", err)
			}
			if shows(err.Error(), func(in string) string { _, err := parseStore(in); return fmt.Sprint(err) }) {
				t.Fatalf("error %q repeats the password %q", err, pw)
			}
			return
		}
		switch s.Kind {
		case storeDefault, storeKeyring:
			if s.Service == "" {
				t.Fatal("keyring without a service")
			}
		case storeFile:
			if s.Dir == "" {
				t.Fatal("file store without a directory")
			}
		case storeRedis, storePostgres:
			if s.URL == nil || s.URL.Host == "" {
				t.Fatalf("%s store without a host", s.Kind)
			}
			if shows(s.String(), func(in string) string { s, _ := parseStore(in); return s.String() }) {
				t.Fatalf("String %q shows the password", s.String())
			}
		default:
			t.Fatalf("unknown kind %q", s.Kind)
		}
	})
}

// passwordIn is the password a URL-looking input carries, if any.
func passwordIn(in string) string {
	_, rest, ok := strings.Cut(in, "://")
	if !ok {
		return ""
	}
	userinfo, _, ok := strings.Cut(rest, "@")
	if !ok {
		return ""
	}
	_, pw, _ := strings.Cut(userinfo, ":")
	if u, err := url.PathUnescape(pw); err == nil {
		return u
	}
	return pw
}

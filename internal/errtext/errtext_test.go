package errtext_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/internal/errtext"
	"github.com/oauthx/oauthx/internal/errtext/errtexttest"
)

func TestRepeated(t *testing.T) {
	for msg, want := range map[string]string{
		"oauthx: oauthx: reauthorization required (generic): HTTP 400":                                                            "oauthx",
		"oauthx: callback: the provider reported access_denied: oauthx: authorization failed at the provider":                     "oauthx",
		"tokenstore: lock session \"a\": redisstore: lock \"a\": tokenstore: lock lost while held":                                "tokenstore",
		"oauthx: callback: exchange: callback: failed":                                                                            "callback",
		"tokenstore: no OS keyring (tokenstore: no D-Bus session bus)":                                                            "tokenstore",
		"oauthx: reauthorization required (generic): HTTP 400: invalid_grant: code spent":                                         "",
		"tokenstore: renew session \"a\": redisstore: lock \"a\": lock lost while held":                                           "",
		"tokenstore: a\ntokenstore: b":                                                                                            "",
		`oauthx: transient failure (generic): Post "http://127.0.0.1:1/token": dial tcp 127.0.0.1:1: connect: connection refused`: "",
	} {
		assert.Equal(t, want, errtext.Repeated(msg), msg)
	}
}

func TestOnce(t *testing.T) {
	for msg, want := range map[string]string{
		"oauthx: callback: denied: oauthx: authorization failed":       "oauthx: callback: denied: authorization failed",
		"tokenstore: no OS keyring (tokenstore: no bus)":               "tokenstore: no OS keyring (no bus)",
		`tokenstore: lock "a": redisstore: lock "a": tokenstore: lost`: `tokenstore: lock "a": redisstore: lock "a": lost`,
		"a: b\ntokenstore: x: tokenstore: y":                           "a: b\ntokenstore: x: y",
		"no prefix: oauthx: here":                                      "no prefix: oauthx: here",
	} {
		assert.Equal(t, want, errtext.Once(msg), msg)
		assert.Empty(t, errtext.Repeated(errtext.Once(msg)), msg)
	}
	assert.Equal(t, "oauthx: a", errtext.Prefix("oauthx", "oauthx: a"))
	assert.Equal(t, "oauthx: tokenstore: a", errtext.Prefix("oauthx", "tokenstore: a"))
	assert.Equal(t, "oauthx: a: b", errtext.Prefix("oauthx", "a: oauthx: b"))
}

func TestErrorfWrapsLikeFmt(t *testing.T) {
	inner := errors.New("oauthx: inner")
	other := errors.New("other")
	err := errtext.Errorf("oauthx: outer: %w", inner)
	assert.Equal(t, "oauthx: outer: inner", err.Error())
	assert.ErrorIs(t, err, inner)
	err = errtext.Errorf("oauthx: outer: %w and %w", inner, other)
	assert.ErrorIs(t, err, inner)
	assert.ErrorIs(t, err, other)
	var target *os.PathError
	err = errtext.Errorf("tokenstore: load: %w", &os.PathError{Op: "open", Path: "p", Err: errors.New("tokenstore: x")})
	assert.ErrorAs(t, err, &target)
	assert.Equal(t, "tokenstore: load: open p: x", err.Error())
	assert.NoError(t, errtext.Check(err))
	assert.Error(t, errtext.Check(errors.Join(errors.New("a"), errors.New("oauthx: b: oauthx: c"))), "a wrapped text is checked too")
}

// Every package of the module that declares a sentinel or an error type
// checks them with errtexttest.Covers in one of its tests.
func TestEveryPackageIsCovered(t *testing.T) {
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	_, err = os.Stat(filepath.Join(root, "go.mod"))
	require.NoError(t, err)
	checked := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if n := d.Name(); path != root && (strings.HasPrefix(n, ".") || n == "testdata") {
			return filepath.SkipDir
		}
		decls, err := errtexttest.Declared(path)
		if err != nil {
			return err
		}
		if decls.Empty() {
			return nil
		}
		checked++
		rel, _ := filepath.Rel(root, path)
		tests, _ := filepath.Glob(filepath.Join(path, "*_test.go"))
		for _, f := range tests {
			b, err := os.ReadFile(f)
			if err != nil {
				return err
			}
			if strings.Contains(string(b), "errtexttest.Covers(") {
				return nil
			}
		}
		t.Errorf("%s declares errors (%v, %v) but no test of it calls errtexttest.Covers", rel, decls.Sentinels, decls.Types)
		return nil
	})
	require.NoError(t, err)
	assert.GreaterOrEqual(t, checked, 9, "client, tokenstore, redisstore, sqlstore, storetest, shopify, finch, passport, cmd/oauthx")
}

// No code of the module wraps with fmt.Errorf("prefix: …%w"), which would
// repeat a wrapped prefix: errtext.Errorf does the same and says it once.
func TestNoPrefixedFmtWrap(t *testing.T) {
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	wrap := regexp.MustCompile(`fmt\.Errorf\("[a-z]+: [^"]*%w`)
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); path != root && (strings.HasPrefix(n, ".") || n == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(b), "\n") {
			if wrap.MatchString(line) {
				rel, _ := filepath.Rel(root, path)
				t.Errorf("%s:%d wraps with fmt.Errorf and a prefix; use errtext.Errorf: %s", rel, i+1, strings.TrimSpace(line))
			}
		}
		return nil
	})
	require.NoError(t, err)
}

package readmetest_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/internal/readmetest"
)

// check writes every go block of md into its own package in a temporary
// directory inside the module (named with a leading underscore, so that
// ./... patterns of other builds never see it) and runs go vet, which
// type-checks and builds them, on all of them.
func check(t *testing.T, md string) (int, error) {
	t.Helper()
	snips, err := readmetest.Extract(md)
	if err != nil {
		return 0, err
	}
	dir, err := os.MkdirTemp(".", "_snippets-")
	require.NoError(t, err)
	defer os.RemoveAll(dir)
	var pkgs []string
	for i, s := range snips {
		pkg := filepath.Join(dir, fmt.Sprintf("line%d", s.Line))
		require.NoError(t, os.Mkdir(pkg, 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(pkg, "snippet.go"), []byte(snips[i].File()), 0o644))
		pkgs = append(pkgs, "./"+filepath.ToSlash(pkg))
	}
	if len(pkgs) == 0 {
		return 0, nil
	}
	out, err := exec.Command("go", append([]string{"vet"}, pkgs...)...).CombinedOutput()
	if err != nil {
		return len(snips), fmt.Errorf("go vet: %v\n%s", err, strings.ReplaceAll(string(out), dir+string(filepath.Separator), ""))
	}
	return len(snips), nil
}

// Every Go snippet of README.md compiles and passes go vet.
func TestREADMESnippetsCompile(t *testing.T) {
	md, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	n, err := check(t, string(md))
	require.NoError(t, err)
	assert.GreaterOrEqual(t, n, 8, "the quick start, Shopify, Finch, keyring-CLI and the Shopify Example snippets")
}

// A snippet that does not compile, or one vet refuses, fails the check.
func TestBrokenSnippetFails(t *testing.T) {
	_, err := check(t, "ok:\n```go\nfmt.Println(\"x\")\n```\nbroken:\n```go\nc, err := client.New(client.Config{})\n```\n")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "declared and not used")
	_, err = check(t, "vet:\n<!-- go-given: n int -->\n```go\nfmt.Printf(\"%s\\n\", n)\n```\n")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "wrong type")
	n, err := check(t, "given:\n<!-- go-given: ctx context.Context, code string -->\n```go\nfmt.Println(ctx, code)\n```\nfile:\n```go\npackage main\n\nfunc main() {}\n```\n")
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	_, err = readmetest.Extract("```go\nunclosed\n")
	require.Error(t, err)
}

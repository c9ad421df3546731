package shopify_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readmeSnippet marks a README code block that must be the body of an
// Example function of this package, so that it compiles (go vet and go
// test build the examples) and stays true:
//
//	<!-- snippet: shopify/FILE ExampleNAME -->
//	```go
//	…the function's body, one tab less…
//	```
var readmeSnippet = regexp.MustCompile("(?s)<!-- snippet: shopify/(\\S+) (Example\\w+) -->\n```go\n(.*?)```")

func TestREADMESnippetsCompile(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	found := map[string]bool{}
	for _, m := range readmeSnippet.FindAllStringSubmatch(string(readme), -1) {
		file, fn, block := m[1], m[2], m[3]
		found[fn] = true
		src, err := os.ReadFile(file)
		require.NoError(t, err, "README names %s", file)
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, file, src, parser.ParseComments)
		require.NoError(t, err)
		var body string
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.Name == fn {
				inner := src[fset.Position(fd.Body.Lbrace).Offset+1 : fset.Position(fd.Body.Rbrace).Offset]
				body = dedent(string(inner))
			}
		}
		require.NotEmpty(t, body, "%s has no %s", file, fn)
		assert.Equal(t, body, block, "README snippet %s differs from %s in %s", fn, fn, file)
	}
	for _, fn := range []string{"ExampleClient_WebhookHandler", "ExampleClient_VerifyAppProxy", "ExampleClient_InstallHandlers"} {
		assert.True(t, found[fn], "README has no snippet of %s", fn)
	}
}

// dedent strips the leading newline and one tab from every line.
func dedent(s string) string {
	lines := strings.Split(strings.TrimPrefix(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimPrefix(l, "\t")
	}
	return strings.Join(lines, "\n")
}

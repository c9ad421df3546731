package finch_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// deprecatedConnect are the names of the static Connect URL: the
// deprecated functions, their parameters and options, and the helper
// behind them.
var deprecatedConnect = map[string]bool{
	"ConnectURL": true, "connectURL": true, "ConnectParams": true, "WithConnectURL": true, "DefaultConnectURL": true,
}

// staticConnectUses lists, as "file:line name", the places in src that
// build a static Connect URL: a call of a function or method named
// ConnectURL (a struct field read, like ConnectSession.ConnectURL, is no
// call), a ConnectParams literal, and any other use of the deprecated
// names through an imported package (finch.WithConnectURL, …). Uses
// inside package finch itself are caught as calls or literals; staticcheck
// (SA1019) catches the rest outside it.
func staticConnectUses(fset *token.FileSet, f *ast.File) []string {
	var out []string
	report := func(n ast.Node, name string) {
		out = append(out, fset.Position(n.Pos()).String()+" "+name)
	}
	nameOf := func(e ast.Expr) string {
		switch e := e.(type) {
		case *ast.Ident:
			return e.Name
		case *ast.SelectorExpr:
			return e.Sel.Name
		}
		return ""
	}
	calls := map[ast.Node]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			if name := nameOf(n.Fun); name == "ConnectURL" || name == "connectURL" {
				report(n, name)
				calls[n.Fun] = true
			}
		case *ast.CompositeLit:
			if nameOf(n.Type) == "ConnectParams" {
				report(n, "ConnectParams")
				calls[n.Type] = true
			}
		case *ast.SelectorExpr:
			if x, ok := n.X.(*ast.Ident); ok && deprecatedConnect[n.Sel.Name] && !calls[n] && isImport(f, x.Name) {
				report(n, x.Name+"."+n.Sel.Name)
			}
		}
		return true
	})
	return out
}

// isImport reports whether name is an imported package's name in f.
func isImport(f *ast.File, name string) bool {
	for _, imp := range f.Imports {
		path := strings.Trim(imp.Path.Value, `"`)
		if imp.Name != nil && imp.Name.Name == name || imp.Name == nil && path[strings.LastIndex(path, "/")+1:] == name {
			return true
		}
	}
	return false
}

// Nothing in the module builds a static Connect URL (which Finch no
// longer accepts) but the deprecated functions themselves, in
// finch/connect.go: no non-test .go file calls them.
func TestNothingBuildsAStaticConnectURL(t *testing.T) {
	t.Parallel()
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	_, err = os.Stat(filepath.Join(root, "go.mod"))
	require.NoError(t, err, "the module root")
	fset := token.NewFileSet()
	files := 0
	var uses []string
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") || rel == filepath.Join("finch", "connect.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		files++
		uses = append(uses, staticConnectUses(fset, f)...)
		return nil
	})
	require.NoError(t, err)
	assert.Greater(t, files, 100, "the walk saw the module")
	assert.Empty(t, uses, "only finch/connect.go may build the static Connect URL")
}

// The scan finds each way of building the static Connect URL, and not a
// Connect Session's own URL.
func TestStaticConnectScanFinds(t *testing.T) {
	t.Parallel()
	const src = `package x

import (
	"github.com/oauthx/oauthx/finch"
	fi "github.com/oauthx/oauthx/finch"
)

func f(c *finch.Client, cs *finch.ConnectSession) {
	_, _ = c.ConnectURL(finch.ConnectParams{State: "s"})
	_, _ = finch.ConnectURL(fi.ConnectParams{}, fi.WithConnectURL(finch.DefaultConnectURL))
	_ = cs.ConnectURL
	_, _ = cs.URLWithState("s")
	g := finch.ConnectURL
	_ = g
	_, _ = connectURL("x", ConnectParams{})
}
`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "x.go", src, parser.SkipObjectResolution)
	require.NoError(t, err)
	var names []string
	for _, u := range staticConnectUses(fset, f) {
		names = append(names, u[strings.LastIndex(u, " ")+1:])
	}
	assert.ElementsMatch(t, []string{
		"ConnectURL", "ConnectParams", // c.ConnectURL(finch.ConnectParams{…})
		"ConnectURL", "ConnectParams", "fi.WithConnectURL", "finch.DefaultConnectURL",
		"finch.ConnectURL", // a function value
		"connectURL", "ConnectParams",
	}, names)
}

// Package errtexttest checks a package's errors against the errtext rule:
// every sentinel and every error type the package declares is checked,
// and a declaration the test does not cover fails it.
package errtexttest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/oauthx/oauthx/internal/errtext"
)

// Decls are the error declarations of one package directory.
type Decls struct {
	// Sentinels are the package-level variables named Err… or err…
	// (exported or not).
	Sentinels []string
	// Types are the types with an Error() string method.
	Types []string
}

// Empty reports whether the package declares no error.
func (d Decls) Empty() bool { return len(d.Sentinels) == 0 && len(d.Types) == 0 }

// Declared parses the non-test Go files of dir and returns its error
// declarations.
func Declared(dir string) (Decls, error) {
	var d Decls
	ents, err := os.ReadDir(dir)
	if err != nil {
		return d, err
	}
	fset := token.NewFileSet()
	for _, e := range ents {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, n), nil, parser.SkipObjectResolution)
		if err != nil {
			return d, err
		}
		for _, decl := range f.Decls {
			switch decl := decl.(type) {
			case *ast.GenDecl:
				if decl.Tok != token.VAR {
					continue
				}
				for _, spec := range decl.Specs {
					for _, name := range spec.(*ast.ValueSpec).Names {
						if isSentinelName(name.Name) {
							d.Sentinels = append(d.Sentinels, name.Name)
						}
					}
				}
			case *ast.FuncDecl:
				if decl.Recv == nil || decl.Name.Name != "Error" || len(decl.Type.Params.List) != 0 ||
					decl.Type.Results == nil || len(decl.Type.Results.List) != 1 {
					continue
				}
				if id, ok := decl.Type.Results.List[0].Type.(*ast.Ident); !ok || id.Name != "string" {
					continue
				}
				t := decl.Recv.List[0].Type
				if st, ok := t.(*ast.StarExpr); ok {
					t = st.X
				}
				if id, ok := t.(*ast.Ident); ok {
					d.Types = append(d.Types, id.Name)
				}
			}
		}
	}
	slices.Sort(d.Sentinels)
	slices.Sort(d.Types)
	return d, nil
}

func isSentinelName(n string) bool {
	for _, p := range []string{"Err", "err"} {
		if rest, ok := strings.CutPrefix(n, p); ok && rest != "" && rest[0] >= 'A' && rest[0] <= 'Z' {
			return true
		}
	}
	return false
}

// Covers checks the package in the current directory: each of its
// sentinels must be a key of sentinels, each of its error types must
// occur in the chain of some sample (the package's wrappers holding the
// errors they really wrap), and no sentinel's or sample's text may repeat
// a label (errtext.Repeated).
func Covers(t *testing.T, sentinels map[string]error, samples ...error) {
	t.Helper()
	d, err := Declared(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range d.Sentinels {
		if _, ok := sentinels[name]; !ok {
			t.Errorf("sentinel %s is not checked: add it to the test's sentinels", name)
		}
	}
	seen := map[string]bool{}
	record := func(e error) {
		rt := reflect.TypeOf(e)
		for rt.Kind() == reflect.Pointer {
			rt = rt.Elem()
		}
		seen[rt.Name()] = true
	}
	for _, s := range samples {
		walk(s, record)
	}
	for _, e := range sentinels {
		walk(e, record)
	}
	for _, name := range d.Types {
		if !seen[name] {
			t.Errorf("error type %s is not checked: add a sample holding one to the test", name)
		}
	}
	names := make([]string, 0, len(sentinels))
	for n := range sentinels {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if err := errtext.Check(sentinels[n]); err != nil {
			t.Errorf("sentinel %s: %v", n, err)
		}
	}
	for i, s := range samples {
		if s == nil {
			t.Errorf("sample %d is nil", i)
			continue
		}
		if err := errtext.Check(s); err != nil {
			t.Errorf("sample %d: %v", i, err)
		}
	}
}

// walk calls f on err and every error it wraps.
func walk(err error, f func(error)) {
	if err == nil {
		return
	}
	f(err)
	switch u := err.(type) {
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			walk(e, f)
		}
	case interface{ Unwrap() error }:
		walk(u.Unwrap(), f)
	}
}

package doccheck

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"unicode"
)

// moduleRoot is the directory of the module's go.mod, two levels up.
const moduleRoot = "../.."

// TestExportedNamesHaveDocComments parses every non-test Go file of the
// module (not nested modules, testdata or vendor) and fails for each
// package without a package comment and each exported name without a doc
// comment: functions, methods, types, constants, variables, struct fields
// and interface methods. A name in a group declaration may be documented
// by the group's comment; a field or interface method by its line
// comment too.
func TestExportedNamesHaveDocComments(t *testing.T) {
	var missing []string
	fset := token.NewFileSet()
	dirs := packageDirs(t)
	if len(dirs) < 10 {
		t.Fatalf("found only %d package directories under %s: the walk is broken", len(dirs), moduleRoot)
	}
	for _, dir := range dirs {
		missing = append(missing, checkDir(t, fset, dir)...)
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Error(m)
	}
}

// packageDirs lists the directories of the module holding non-test Go
// files.
func packageDirs(t *testing.T) []string {
	t.Helper()
	var dirs []string
	err := filepath.WalkDir(moduleRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		name := d.Name()
		if path != moduleRoot {
			if name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
				return filepath.SkipDir // a nested module (bench/jwt) has its own rules
			}
		}
		files, _ := filepath.Glob(filepath.Join(path, "*.go"))
		for _, f := range files {
			if !strings.HasSuffix(f, "_test.go") {
				dirs = append(dirs, path)
				break
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return dirs
}

// checkDir returns a line for each undocumented exported name of dir's
// non-test files, and one when none of them has a package comment.
func checkDir(t *testing.T, fset *token.FileSet, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	hasPkgDoc := false
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		if f.Doc != nil {
			hasPkgDoc = true
		}
		missing = append(missing, checkFile(fset, f)...)
	}
	if !hasPkgDoc {
		missing = append(missing, filepath.ToSlash(filepath.Clean(dir))+": no package comment")
	}
	return missing
}

// checkFile returns a line for each undocumented exported name of f.
func checkFile(fset *token.FileSet, f *ast.File) []string {
	var missing []string
	report := func(n ast.Node, what string) {
		p := fset.Position(n.Pos())
		rel, err := filepath.Rel(moduleRoot, p.Filename)
		if err != nil {
			rel = p.Filename
		}
		missing = append(missing, filepath.ToSlash(rel)+":"+itoa(p.Line)+": "+what+" has no doc comment")
	}
	for _, decl := range f.Decls {
		switch d := decl.(type) {
		case *ast.FuncDecl:
			if !d.Name.IsExported() || d.Doc != nil {
				continue
			}
			what := "func " + d.Name.Name
			if d.Recv != nil && len(d.Recv.List) > 0 {
				what = "method " + recvName(d.Recv.List[0].Type) + "." + d.Name.Name
			}
			report(d, what)
		case *ast.GenDecl:
			for _, spec := range d.Specs {
				switch s := spec.(type) {
				case *ast.TypeSpec:
					if !s.Name.IsExported() {
						continue
					}
					if s.Doc == nil && d.Doc == nil {
						report(s, "type "+s.Name.Name)
					}
					checkMembers(s.Name.Name, s.Type, report)
				case *ast.ValueSpec:
					for _, n := range s.Names {
						if n.IsExported() && s.Doc == nil && d.Doc == nil && s.Comment == nil {
							report(n, d.Tok.String()+" "+n.Name)
						}
					}
				}
			}
		}
	}
	return missing
}

// checkMembers reports the undocumented exported fields of a struct type
// and methods of an interface type named typ. A member is documented by
// its own doc or line comment, or by an earlier member's doc comment that
// names it ("// Name, Email and Picture are …").
func checkMembers(typ string, expr ast.Expr, report func(ast.Node, string)) {
	var list *ast.FieldList
	what := "field "
	switch x := expr.(type) {
	case *ast.StructType:
		list = x.Fields
	case *ast.InterfaceType:
		list, what = x.Methods, "interface method "
	default:
		return
	}
	var earlier []string // the words of the doc comments so far
	for _, fld := range list.List {
		if fld.Doc != nil {
			earlier = append(earlier, strings.FieldsFunc(fld.Doc.Text(), notIdent)...)
		}
		if fld.Doc != nil || fld.Comment != nil {
			continue
		}
		for _, n := range fld.Names {
			if n.IsExported() && !slices.Contains(earlier, n.Name) {
				report(n, what+typ+"."+n.Name)
			}
		}
	}
}

// notIdent reports whether r cannot be part of a Go identifier.
func notIdent(r rune) bool {
	return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_'
}

// recvName is the type name of a method receiver: T, *T, T[P] or *T[P].
func recvName(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.StarExpr:
		return recvName(x.X)
	case *ast.IndexExpr:
		return recvName(x.X)
	case *ast.IndexListExpr:
		return recvName(x.X)
	case *ast.Ident:
		return x.Name
	}
	return "?"
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

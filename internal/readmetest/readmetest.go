// Package readmetest compiles the Go snippets of the repository's
// README.md (its test does; the package holds the extraction). Every
// ```go block must build and pass go vet:
//
//   - a block that starts with "package" is a whole file;
//   - any other block is the body of a function, which a line
//     "<!-- go-given: NAME TYPE, … -->" right before the block can give
//     parameters (ctx context.Context, code string) for what the snippet
//     takes as given.
//
// Imports are added for the packages a snippet uses (by the name before
// the dot: client., shopify., http., …), from the table in Imports.
package readmetest

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Imports maps the package names a snippet may use to their import paths.
var Imports = map[string]string{
	"client":     "github.com/oauthx/oauthx/client",
	"providers":  "github.com/oauthx/oauthx/providers",
	"tokenstore": "github.com/oauthx/oauthx/tokenstore",
	"redisstore": "github.com/oauthx/oauthx/tokenstore/redisstore",
	"sqlstore":   "github.com/oauthx/oauthx/tokenstore/sqlstore",
	"shopify":    "github.com/oauthx/oauthx/shopify",
	"finch":      "github.com/oauthx/oauthx/finch",
	"passport":   "github.com/oauthx/oauthx/passport",
	"oauth2":     "golang.org/x/oauth2",
	"redis":      "github.com/redis/go-redis/v9",
	"context":    "context",
	"errors":     "errors",
	"fmt":        "fmt",
	"http":       "net/http",
	"io":         "io",
	"json":       "encoding/json",
	"log":        "log",
	"os":         "os",
	"slog":       "log/slog",
	"sql":        "database/sql",
	"strings":    "strings",
	"sync":       "sync",
	"time":       "time",
}

// Snippet is one ```go block of a Markdown file.
type Snippet struct {
	// Line is the line of the opening fence (1-based).
	Line int
	// Given is the parameter list of a go-given marker, if any.
	Given string
	// Code is the block's text.
	Code string
}

var (
	fence = regexp.MustCompile("(?m)^```go\n")
	given = regexp.MustCompile(`<!-- go-given: ([^>]*?) -->\n$`)
)

// Extract returns the ```go blocks of md, or an error for one that is
// never closed.
func Extract(md string) ([]Snippet, error) {
	var out []Snippet
	for _, loc := range fence.FindAllStringIndex(md, -1) {
		rest := md[loc[1]:]
		line := strings.Count(md[:loc[0]], "\n") + 1
		code := ""
		if !strings.HasPrefix(rest, "```") {
			end := strings.Index(rest, "\n```")
			if end < 0 {
				return nil, fmt.Errorf("readmetest: the go block at line %d is not closed", line)
			}
			code = rest[:end+1]
		}
		s := Snippet{Line: line, Code: code}
		if m := given.FindStringSubmatch(md[:loc[0]]); m != nil {
			s.Given = m[1]
		}
		out = append(out, s)
	}
	return out, nil
}

// File returns the Go file that compiles s: s itself when it is a whole
// file, else a function named Snippet in package snippet with s as its
// body and the imports it uses.
func (s Snippet) File() string {
	if strings.HasPrefix(strings.TrimSpace(s.Code), "package ") {
		return s.Code
	}
	var used []string
	for name := range Imports {
		if regexp.MustCompile(`(^|[^\w.])` + name + `\.`).MatchString(s.Code + " " + s.Given) {
			used = append(used, name)
		}
	}
	sort.Strings(used)
	var b strings.Builder
	b.WriteString("package snippet\n\nimport (\n")
	for _, name := range used {
		fmt.Fprintf(&b, "\t%q\n", Imports[name])
	}
	fmt.Fprintf(&b, ")\n\n// Snippet is the README's block at line %d.\nfunc Snippet(%s) {\n%s}\n", s.Line, s.Given, s.Code)
	return b.String()
}

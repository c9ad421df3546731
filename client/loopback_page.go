package client

import (
	"html/template"
	"net/http"
	"sync"
)

// loginPageTmpl is the page a loopback login answers the browser with:
// small, styled inline (no outside requests), every value escaped by
// html/template.
// It is parsed on first use, so that programs linking client but never
// serving the page (every oauthx command but login) do not pay for it.
var loginPageTmpl = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;background:#f4f5f7;font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2328}
main{background:#fff;border-radius:12px;box-shadow:0 2px 12px rgba(0,0,0,.08);padding:2rem 2.5rem;max-width:32rem}
h1{margin:0 0 .5rem;font-size:1.4rem}
.ok h1{color:#1a7f37}.fail h1{color:#cf222e}
code{display:block;margin-top:1rem;padding:.75rem;background:#f6f8fa;border-radius:6px;white-space:pre-wrap;word-break:break-word}
</style></head>
<body><main class="{{if .OK}}ok{{else}}fail{{end}}" id="result">
<h1>{{.Title}}</h1>
<p>{{.Message}}</p>
{{if .Detail}}<code id="provider-error">{{.Detail}}</code>{{end}}
</main></body></html>
`))
})

// loginPage answers w with the loopback login's end page.
func loginPage(w http.ResponseWriter, status int, ok bool, title, msg, detail string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	w.WriteHeader(status)
	_ = loginPageTmpl().Execute(w, struct {
		Title, Message, Detail string
		OK                     bool
	}{title, msg, detail, ok})
}

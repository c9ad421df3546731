package client

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Scrubbing: text a provider sent back (an error description, an error
// code, a URI) may echo what the request carried, in any encoding a
// server applies on the way. Every provider package scrubs with Scrub;
// there is one implementation.

// Redacted replaces a secret that Scrub found.
const Redacted = "<redacted>"

// minScrubLen is the shortest secret Scrub replaces: shorter values would
// match ordinary words.
const minScrubLen = 4

// Scrub returns s with every occurrence of each secret replaced by
// Redacted, in each form a server may echo it:
//
//   - raw, and percent-encoded byte by byte in any mix (form encoding as
//     url.QueryEscape writes it, with "+" for a space; url.PathEscape's;
//     a JavaScript encodeURIComponent's; upper- or lowercase hex);
//   - as the inside of a JSON string (escaped quotes, backslashes,
//     control characters, and "<", ">", "&" as \u003c…);
//   - base64 in the standard and the URL alphabet, padded or not, on its
//     own or inside a longer base64 text at any of the three byte
//     alignments (an echoed "Authorization: Basic" header).
//
// Secrets shorter than 4 bytes are ignored. Scrub before cutting text to
// a length: a secret cut in two is no longer found.
func Scrub(s string, secrets ...string) string {
	if s == "" {
		return s
	}
	for _, sec := range secrets {
		if len(sec) < minScrubLen {
			continue
		}
		s = strings.ReplaceAll(s, sec, Redacted)
		if re := percentForms(sec); re != nil {
			s = re.ReplaceAllLiteralString(s, Redacted)
		}
		for _, f := range append(jsonForms(sec), base64Forms(sec)...) {
			s = strings.ReplaceAll(s, f, Redacted)
		}
	}
	return s
}

// percentForms matches sec with each byte either as it is or as %XX in
// either case, and a space also as "+". (A byte of a multi-byte character
// is matched as %XX only: the raw form is replaced before.)
func percentForms(sec string) *regexp.Regexp {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(sec); i++ {
		c := sec[i]
		hi, lo := hex[c>>4], hex[c&0xf]
		b.WriteString("(?:%")
		b.WriteString(hexClass(hi))
		b.WriteString(hexClass(lo))
		if c < utf8.RuneSelf {
			b.WriteByte('|')
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
		if c == ' ' {
			b.WriteString(`|\+`)
		}
		b.WriteByte(')')
	}
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil // cannot happen: every piece is ASCII and quoted
	}
	return re
}

// hexClass is a character class matching hex digit d in either case.
func hexClass(d byte) string {
	if d >= 'A' && d <= 'F' {
		return "[" + string(d) + string(d+'a'-'A') + "]"
	}
	return string(d)
}

// jsonForms are sec inside a JSON string, as encoding/json writes it with
// and without HTML escaping, when that differs from sec.
func jsonForms(sec string) []string {
	var forms []string
	for _, html := range []bool{true, false} {
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(html)
		if enc.Encode(sec) != nil {
			continue
		}
		f := strings.TrimSuffix(b.String(), "\n")
		if f = f[1 : len(f)-1]; f != sec {
			forms = append(forms, f)
		}
	}
	return forms
}

// base64Forms are the base64 texts of sec: whole (padded and not), and the
// part that stays the same wherever sec sits inside a longer encoded text.
func base64Forms(sec string) []string {
	var forms []string
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
		forms = append(forms, enc.EncodeToString([]byte(sec)), enc.WithPadding(base64.NoPadding).EncodeToString([]byte(sec)))
		for skip := 0; skip < 3; skip++ {
			// Whole 3-byte groups starting skip bytes in: one of the three
			// alignments is the one sec has inside any longer text.
			n := (len(sec) - skip) / 3 * 3
			if n < 6 {
				continue
			}
			forms = append(forms, enc.EncodeToString([]byte(sec[skip:skip+n])))
		}
	}
	// Longest first, so a shorter form never leaves a longer one's tail.
	sortByLenDesc(forms)
	return forms
}

func sortByLenDesc(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && len(s[j]) > len(s[j-1]); j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// Clip cuts s to at most n bytes at a character boundary, marking a cut
// with "…". Scrub first: Clip may cut a secret in two.
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// Lengths error text from a provider is clipped to, after scrubbing.
const (
	maxCodeLen        = 128
	maxDescriptionLen = 512
	maxURILen         = 512
)

// requestSecrets is everything a token call's error is scrubbed of
// besides the answer's tokens: the request's secrets and the client's
// credentials as HTTP Basic sends them (RFC 6749 §2.3.1: each
// form-encoded, then joined by ":").
func requestSecrets(r *TokenRequest) []string {
	secrets := r.Secrets()
	if r.ClientSecret != "" {
		secrets = append(secrets, r.ClientID+":"+r.ClientSecret,
			url.QueryEscape(r.ClientID)+":"+url.QueryEscape(r.ClientSecret))
	}
	return secrets
}

// ResponseTokens returns the values of an answer that are, or may be,
// tokens: every string under a key containing "token", "secret" or
// "password" (but not a *_type, error* or *expires* field), in JSON at any
// depth or in a form-encoded body. Errors are scrubbed of
// them, so a broken answer's new tokens never reach an error text.
func ResponseTokens(body []byte) []string {
	var out []string
	add := func(k, v string) {
		if isTokenKey(k) && len(v) >= minScrubLen {
			out = append(out, v)
		}
	}
	var obj any
	if json.Unmarshal(body, &obj) == nil {
		walkJSON("", obj, add)
		return out
	}
	if q, err := url.ParseQuery(string(body)); err == nil {
		for k, vs := range q {
			for _, v := range vs {
				add(k, v)
			}
		}
	}
	return out
}

func walkJSON(key string, v any, add func(k, v string)) {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			walkJSON(k, e, add)
		}
	case []any:
		for _, e := range t {
			walkJSON(key, e, add)
		}
	case string:
		add(key, t)
	}
}

func isTokenKey(k string) bool {
	k = strings.ToLower(k)
	if strings.HasSuffix(k, "_type") || strings.HasPrefix(k, "error") || strings.Contains(k, "expires") {
		return false
	}
	return strings.Contains(k, "token") || strings.Contains(k, "secret") || strings.Contains(k, "password")
}

package shopify

import (
	"encoding/json"
	"strconv"
)

// A small strict reader for the flat JSON objects of a session token's
// header and payload. It validates the whole text as RFC 8259 JSON (one
// object, nothing after it, nesting at most maxJSONDepth deep) and hands
// out the top-level members as substrings of the input: no reflection and
// no allocation unless a string holds escapes. encoding/json's Decoder was
// almost half of DecodeSessionToken's time.

// jsonKind is the type of a member's value.
type jsonKind uint8

const (
	jsonString jsonKind = iota + 1
	jsonNumber
	jsonBool
	jsonNull
	jsonObject
	jsonArray
)

// maxJSONDepth bounds nesting in values the verifier skips.
const maxJSONDepth = 32

// jsonMember is one top-level member. For a string, val is its decoded
// text; for a number, its literal; for anything else, its raw text.
type jsonMember struct {
	key  string
	val  string
	kind jsonKind
}

// jsonObjectReader walks the members of one JSON object.
type jsonObjectReader struct {
	s     string
	i     int
	first bool
	done  bool
}

func newJSONObjectReader(s string) (jsonObjectReader, bool) {
	r := jsonObjectReader{s: s, first: true}
	r.ws()
	if r.i >= len(s) || s[r.i] != '{' {
		return r, false
	}
	r.i++
	return r, true
}

func (r *jsonObjectReader) ws() {
	for r.i < len(r.s) {
		switch r.s[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

// next returns the next member; ok false with err false at the end of a
// well-formed object (and of the text), err true on malformed input.
func (r *jsonObjectReader) next() (m jsonMember, ok, bad bool) {
	if r.done {
		return m, false, false
	}
	r.ws()
	if r.i >= len(r.s) {
		return m, false, true
	}
	if r.s[r.i] == '}' {
		if !r.first {
			return m, false, true // a trailing comma
		}
		return r.end()
	}
	r.first = false
	key, ok := r.str()
	if !ok {
		return m, false, true
	}
	r.ws()
	if r.i >= len(r.s) || r.s[r.i] != ':' {
		return m, false, true
	}
	r.i++
	r.ws()
	m.key = key
	if m.val, m.kind, ok = r.value(0); !ok {
		return m, false, true
	}
	r.ws()
	if r.i >= len(r.s) {
		return m, false, true
	}
	switch r.s[r.i] {
	case ',':
		r.i++
		r.ws()
		if r.i >= len(r.s) || r.s[r.i] != '"' {
			return m, false, true
		}
	case '}':
		r.i++
		r.ws()
		if r.i != len(r.s) {
			return m, false, true
		}
		r.done = true
	default:
		return m, false, true
	}
	return m, true, false
}

func (r *jsonObjectReader) end() (m jsonMember, ok, bad bool) {
	r.i++
	r.ws()
	r.done = true
	return m, false, r.i != len(r.s)
}

// value reads one value at r.i.
func (r *jsonObjectReader) value(depth int) (string, jsonKind, bool) {
	if r.i >= len(r.s) || depth > maxJSONDepth {
		return "", 0, false
	}
	start := r.i
	switch c := r.s[r.i]; {
	case c == '"':
		v, ok := r.str()
		return v, jsonString, ok
	case c == '-' || c >= '0' && c <= '9':
		ok := r.number()
		return r.s[start:r.i], jsonNumber, ok
	case c == 't':
		return r.literal("true", jsonBool)
	case c == 'f':
		return r.literal("false", jsonBool)
	case c == 'n':
		return r.literal("null", jsonNull)
	case c == '{' || c == '[':
		ok := r.skipContainer(depth)
		kind := jsonObject
		if c == '[' {
			kind = jsonArray
		}
		return r.s[start:r.i], kind, ok
	}
	return "", 0, false
}

func (r *jsonObjectReader) literal(lit string, kind jsonKind) (string, jsonKind, bool) {
	if len(r.s)-r.i < len(lit) || r.s[r.i:r.i+len(lit)] != lit {
		return "", 0, false
	}
	r.i += len(lit)
	return lit, kind, true
}

// skipContainer validates and skips an object or array.
func (r *jsonObjectReader) skipContainer(depth int) bool {
	closer := byte('}')
	isObj := r.s[r.i] == '{'
	if !isObj {
		closer = ']'
	}
	r.i++
	r.ws()
	if r.i < len(r.s) && r.s[r.i] == closer {
		r.i++
		return true
	}
	for {
		if isObj {
			if _, ok := r.str(); !ok {
				return false
			}
			r.ws()
			if r.i >= len(r.s) || r.s[r.i] != ':' {
				return false
			}
			r.i++
			r.ws()
		}
		if _, _, ok := r.value(depth + 1); !ok {
			return false
		}
		r.ws()
		if r.i >= len(r.s) {
			return false
		}
		switch r.s[r.i] {
		case ',':
			r.i++
			r.ws()
		case closer:
			r.i++
			return true
		default:
			return false
		}
	}
}

// number checks RFC 8259's number grammar.
func (r *jsonObjectReader) number() bool {
	s, i := r.s, r.i
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		if i = digits(s, i+1); i < 0 {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i = digits(s, i); i < 0 {
			return false
		}
	}
	r.i = i
	return true
}

// digits skips the one or more ASCII digits at s[i:] and returns the index
// after them, or -1 when there is none.
func digits(s string, i int) int {
	d := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == d {
		return -1
	}
	return i
}

// str reads a string at r.i and returns its decoded text: a substring of
// the input when it has no escapes.
func (r *jsonObjectReader) str() (string, bool) {
	s := r.s
	if r.i >= len(s) || s[r.i] != '"' {
		return "", false
	}
	start := r.i + 1
	escaped := false
	for i := start; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			r.i = i + 1
			if !escaped {
				return s[start:i], true
			}
			var out string
			if json.Unmarshal([]byte(s[start-1:i+1]), &out) != nil {
				return "", false
			}
			return out, true
		case c == '\\':
			escaped = true
			i++
			if i >= len(s) {
				return "", false
			}
			switch s[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(s) {
					return "", false
				}
				if _, err := strconv.ParseUint(s[i+1:i+5], 16, 16); err != nil {
					return "", false
				}
				i += 4
			default:
				return "", false
			}
		case c < 0x20:
			return "", false
		}
	}
	return "", false
}

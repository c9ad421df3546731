package tokenstore

import (
	"fmt"
	"strconv"
)

// String describes the source by its session ID only: never a token, and
// never the client's secret.
func (ts *TokenSource) String() string {
	if ts == nil {
		return "tokenstore.TokenSource(nil)"
	}
	return "tokenstore.TokenSource(" + strconv.Quote(ts.id) + ")"
}

// GoString is String, so %#v shows no token either.
func (ts *TokenSource) GoString() string { return ts.String() }

// Format prints String for every verb: fmt would otherwise print the
// cached session and the client's configuration (%s and %v of nested
// pointers show their fields).
func (ts *TokenSource) Format(f fmt.State, _ rune) { _, _ = fmt.Fprint(f, ts.String()) }

// String describes the store by its size: never a stored value.
func (m *Memory) String() string {
	if m == nil {
		return "tokenstore.Memory(nil)"
	}
	m.mu.Lock()
	n := len(m.values)
	m.mu.Unlock()
	return "tokenstore.Memory(" + strconv.Itoa(n) + " sessions)"
}

// GoString is String, so %#v shows no stored value.
func (m *Memory) GoString() string { return m.String() }

// Format prints String for every verb: the stored values hold tokens.
func (m *Memory) Format(f fmt.State, _ rune) { _, _ = fmt.Fprint(f, m.String()) }

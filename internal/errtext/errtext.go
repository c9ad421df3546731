// Package errtext keeps error texts from repeating themselves. The rule
// of the module: every error's text starts with the prefix of the package
// that made it ("oauthx: ", "tokenstore: ", "shopify: ", …); an error that
// wraps another puts its own prefix in front and leaves that prefix out
// where the wrapped text repeats it. Once applies the rule to a finished
// text, Errorf is fmt.Errorf under it, and Repeated is what the tests
// check every error of the module with.
package errtext

import (
	"fmt"
	"regexp"
	"strings"
)

// Errorf is fmt.Errorf with the text passed through Once. The error
// wraps what fmt.Errorf's would (errors.Is and errors.As see the same
// errors).
func Errorf(format string, a ...any) error {
	err := fmt.Errorf(format, a...)
	msg := Once(err.Error())
	if msg == err.Error() {
		return err
	}
	return &onceError{msg: msg, err: err}
}

type onceError struct {
	msg string
	err error
}

// Error returns the text said once.
func (e *onceError) Error() string { return e.msg }

// Unwrap returns what the fmt.Errorf error wraps.
func (e *onceError) Unwrap() []error {
	switch u := e.err.(type) {
	case interface{ Unwrap() []error }:
		return u.Unwrap()
	case interface{ Unwrap() error }:
		return []error{u.Unwrap()}
	}
	return nil
}

// leading is a package prefix at the start of a line: a lowercase word,
// a colon and a space.
var leading = regexp.MustCompile(`^([a-z][a-z0-9]*): `)

// Once returns msg with each line's leading prefix ("oauthx: ") said
// once: a later "P: " after ": ", "; ", "(" or "[" is dropped.
func Once(msg string) string {
	if !strings.Contains(msg, ": ") {
		return msg
	}
	lines := strings.Split(msg, "\n")
	for i, line := range lines {
		m := leading.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		p := m[1] + ": "
		rest := line[len(p):]
		for _, sep := range []string{": ", "; ", "(", "["} {
			rest = strings.ReplaceAll(rest, sep+p, sep)
		}
		lines[i] = p + rest
	}
	return strings.Join(lines, "\n")
}

// Prefix returns msg with prefix ("oauthx") in front, unless msg already
// starts with it: how a program prints an error under its own name.
func Prefix(prefix, msg string) string {
	p := prefix + ": "
	if strings.HasPrefix(msg, p) {
		return Once(msg)
	}
	return Once(p + msg)
}

// label is a word followed by a colon and a space at the start of a line
// or after a space, "(" or "[": "oauthx: ", "callback: ", "shopify: ".
var label = regexp.MustCompile(`([A-Za-z][A-Za-z0-9_.-]*): `)

// Repeated returns the first label ("oauthx", "callback") that a line of
// msg says twice, or "" when none is: the check the module's error tests
// run on every error text.
func Repeated(msg string) string {
	for _, line := range strings.Split(msg, "\n") {
		seen := map[string]bool{}
		for _, m := range label.FindAllStringSubmatchIndex(line, -1) {
			if m[2] > 0 && !strings.ContainsRune(" \t([", rune(line[m[2]-1])) {
				continue // the end of a longer token: "127.0.0.1:80: "
			}
			w := line[m[2]:m[3]]
			if seen[w] {
				return w
			}
			seen[w] = true
		}
	}
	return ""
}

// Check returns an error naming the first of errs whose text (or whose
// wrapped errors' texts) repeats a label, nil when none does.
func Check(errs ...error) error {
	for _, err := range errs {
		if err == nil {
			continue
		}
		if w := Repeated(err.Error()); w != "" {
			return fmt.Errorf("%q says %q twice", err.Error(), w+":")
		}
		var next []error
		switch u := err.(type) {
		case interface{ Unwrap() []error }:
			next = u.Unwrap()
		case interface{ Unwrap() error }:
			next = []error{u.Unwrap()}
		}
		if e := Check(next...); e != nil {
			return e
		}
	}
	return nil
}

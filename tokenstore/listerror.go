package tokenstore

import (
	"slices"
	"strconv"
	"strings"
)

// ListError is returned by Store.List, together with every session it
// could read, when some stored records could not be: a corrupt value, a
// value of a newer format, a file with unsafe permissions. It names the
// records by ID and holds their errors, never their content. errors.Is
// sees through it (ErrCorrupt, ErrFutureFormat, ErrInsecurePermissions).
type ListError struct {
	// IDs are the records that could not be read, sorted (for a File
	// record whose ID is unknown, its file name).
	IDs []string
	// Errs are their errors, in the order of IDs.
	Errs []error
}

// Add records that the record id could not be read.
func (e *ListError) Add(id string, err error) {
	i, _ := slices.BinarySearch(e.IDs, id)
	e.IDs = slices.Insert(e.IDs, i, id)
	e.Errs = slices.Insert(e.Errs, i, err)
}

// Err returns e if it holds any record, else nil, for a List to return.
func (e *ListError) Err() error {
	if e == nil || len(e.IDs) == 0 {
		return nil
	}
	return e
}

// Error names how many records failed and their IDs.
func (e *ListError) Error() string {
	quoted := make([]string, len(e.IDs))
	for i, id := range e.IDs {
		quoted[i] = strconv.Quote(id)
	}
	return "tokenstore: list: " + strconv.Itoa(len(e.IDs)) + " stored session(s) could not be read: " + strings.Join(quoted, ", ")
}

// Unwrap returns the records' errors.
func (e *ListError) Unwrap() []error { return e.Errs }

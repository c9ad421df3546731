// Package tokenstore persists oauthx sessions and keeps them fresh.
//
// A [Store] saves [client.Session] values under their ID: [Memory] for
// tests and single processes, [File] for one machine, [Keyring] for the
// OS keyring of a desktop user, and the sub-packages redisstore and
// sqlstore for replicas sharing tokens. Every store offers a
// cross-process [Store.Lock] and compare-and-set writes
// ([Store.CompareAndSave], [Store.CompareAndDelete], [ErrConflict]).
//
// [Refresher] is the refresh protocol built on them — single flight,
// waiters polling the store, a fenced lock ([Lease]), re-read,
// compare-and-set save, compare-and-delete of a dead grant, unsaved
// sessions kept and retried — so that a single-use refresh token is not
// sent twice by two goroutines, processes or machines and the stored
// session is always the newest live one. Its renewal ([Renewal]) and
// its "fresh enough" decision ([Freshness]) are pluggable. [TokenSource]
// is an oauth2.TokenSource on it with a lock-free cached fast path.
//
// Stored values are the Session's JSON encoding inside an envelope that
// carries a format version (see [Encode] and [Decode]). A value that does
// not decode, or was written by a newer format, is reported as a
// *[FormatError], never silently dropped.
//
// The package [storetest] holds the conformance suite every store passes;
// use it for a Store of your own.
package tokenstore

// Package tokenstore persists oauthx sessions and keeps them fresh.
//
// A [Store] saves [client.Session] values under their ID: [Memory] for
// tests and single processes, [File] for one machine, [Keyring] for the
// OS keyring of a desktop user, and the sub-packages redisstore and
// sqlstore for replicas sharing tokens. Every store offers a
// cross-process [Store.Lock], which [TokenSource] takes around a refresh
// so that a single-use refresh token is never sent twice, not by two
// goroutines, not by two processes, not by two machines.
//
// Stored values are the Session's JSON encoding inside an envelope that
// carries a format version (see [Encode] and [Decode]). A value that does
// not decode, or was written by a newer format, is reported as a
// *[FormatError], never silently dropped.
//
// The package [storetest] holds the conformance suite every store passes;
// use it for a Store of your own.
package tokenstore

// Package chaos is the chaos suite of oauthx: real faults against the
// refresh protocol, each run at least 20 times against the strict
// single-use fake provider (providertest.Generic behind a recording front
// that revokes a refresh-token family when one of its tokens is reused).
//
// The faults are real: child processes (this test binary, re-executed)
// are SIGSTOPped while they hold a Redis lease, a redis-server the suite
// started on its own port is restarted with AOF mid-refresh, the
// PostgreSQL backend holding the lock is terminated with
// pg_terminate_backend, Save fails on demand, a login is saved while a
// refresh is in flight, the token endpoint answers 307/308, and 8
// processes × 64 goroutines storm one session on a real Redis Cluster.
//
// Every scenario counts live sessions lost, stale writes, tokens handed
// out after they were revoked, refresh requests per expiry and secrets
// sent to a host other than the validated one, and logs one table row;
// with OAUTHX_CHAOS_TABLE=FILE the rows are also appended to FILE (the
// README's "Faults survived" table comes from one such run).
//
// The package has no API: it is its tests. Run them with
//
//	go test -race -count=1 ./internal/chaos/
//
// Every process and server the suite starts is stopped by its PID when
// its test ends. The shared Redis (6379) and PostgreSQL (5432) are never
// stopped; of PostgreSQL only the suite's own backends are terminated.
package chaos

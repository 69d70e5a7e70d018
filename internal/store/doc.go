// Package store owns firstline's SQL database: connections, dialects,
// transactions, embedded schema migrations, group commit, and the River job
// client that runs durable background work in the same database.
//
// Two dialects are supported and every query in firstline runs on both:
//
//   - SQLite (the embedded default): a pure-Go driver (modernc.org/sqlite) in
//     WAL mode with a busy timeout. All writes go through one connection (the
//     single writer), reads through a separate pool, so readers never wait for
//     a writer. River uses the writer connection through riversqlite.
//   - PostgreSQL: pgx v5 with a connection pool; River uses riverpgxv5 and
//     LISTEN/NOTIFY. Several firstline replicas may share one database;
//     migrations take a session advisory lock.
//
// Queries are written once, in the subset of SQL both dialects share, with
// numbered placeholders ($1, $2, ...). Each capability package keeps its SQL in
// its own queries.go and reaches the database only through the Querier and Tx
// interfaces defined here.
//
// # Flow
//
// Open parses the DSN, connects, and migrates: firstline's own schema
// (goose, numbered files under migrations/<dialect>/) and River's schema
// (rivermigrate). A database whose firstline schema is newer than this binary
// knows is refused with ErrSchemaTooNew. ConfigureJobs builds the River client
// from the workers and periodic jobs internal/server registers; from then on
// Tx.InsertJob enqueues a job inside the caller's transaction, so a job exists
// if and only if the state change that caused it committed. StartJobs starts
// working them; Close stops the client and closes the pools.
//
// # Group commit
//
// Committer collects writes submitted concurrently and commits them in one
// transaction, so a durable acknowledgement costs a fraction of a commit.
// Submit returns only after the transaction that holds the write committed,
// or with the error that rolled it back. If a batch fails, every write in it
// is retried alone, so one bad write cannot fail its neighbours.
//
// # Errors
//
// ErrNotFound (no row) and ErrConflict (unique constraint) are returned,
// wrapped, for the conditions callers branch on; test them with errors.Is.
package store

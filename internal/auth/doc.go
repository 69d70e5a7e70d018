// Package auth holds API tokens and roles.
//
// A token is 32 random bytes, shown once as "fl_" followed by 43 base64url
// characters. Only its SHA-256 hash is stored (the secret has 256 bits of
// entropy, so a fast hash is enough; no salt or KDF is needed), and the
// secret never reaches a log: Secret implements slog.LogValuer.
//
// Roles are ordered: admin (everything) > operator (act: put events, start
// and stop things) > viewer (read only). A route declares the least role it
// needs; Role.Allows decides. The api package enforces this on every route.
//
// Authenticate caches a looked-up token for CacheTTL (5 s) to keep the
// database off the hot path of ingest; Revoke clears this replica's cache at
// once, other replicas see a revocation within CacheTTL.
//
// On first start the server calls EnsureAdmin: with no admin-token file in
// the data directory and no token in the database it creates an admin token
// and writes it to the file (mode 0600); with a file it makes sure the
// database knows it (a new PostgreSQL database behind an old data
// directory), so the file always works.
package auth

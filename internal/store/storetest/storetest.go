// Package storetest gives tests a freshly migrated database on every
// dialect: SQLite always (a file in t.TempDir()), PostgreSQL as well when
// FIRSTLINE_TEST_POSTGRES_DSN is set (a schema of its own per test, dropped
// at cleanup).
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/firstline/firstline/internal/store"
)

// EnvPostgresDSN names the variable holding the PostgreSQL DSN for tests.
const EnvPostgresDSN = "FIRSTLINE_TEST_POSTGRES_DSN"

// Dialects returns the dialects this run tests: sqlite, and postgres when
// FIRSTLINE_TEST_POSTGRES_DSN is set.
func Dialects() []store.Dialect {
	d := []store.Dialect{store.SQLite}
	if os.Getenv(EnvPostgresDSN) != "" {
		d = append(d, store.Postgres)
	}
	return d
}

// Run runs f once per dialect as a parallel subtest named after it.
func Run(t *testing.T, f func(t *testing.T, d store.Dialect)) {
	t.Helper()
	for _, d := range Dialects() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			f(t, d)
		})
	}
}

// DSN returns the DSN of an empty database for this test: an SQLite file
// in t.TempDir(), or a fresh PostgreSQL schema (dropped at cleanup) selected
// through search_path.
func DSN(t testing.TB, d store.Dialect) string {
	t.Helper()
	if d == store.SQLite {
		return "sqlite://" + filepath.Join(t.TempDir(), "firstline.db")
	}
	base := os.Getenv(EnvPostgresDSN)
	if base == "" {
		t.Skip(EnvPostgresDSN + " is not set")
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "fltest_" + hex.EncodeToString(b)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	require.NoError(t, err)
	_, err = conn.Exec(ctx, "CREATE SCHEMA "+schema)
	require.NoError(t, err)
	require.NoError(t, conn.Close(ctx))
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), base)
		if err != nil {
			t.Logf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Logf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	require.NoError(t, err)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Open returns a migrated store on an empty database of dialect d, closed
// at cleanup.
func Open(t testing.TB, d store.Dialect) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), store.Config{DSN: DSN(t, d)})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

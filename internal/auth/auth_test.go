package auth_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/firstline/firstline/internal/auth"
	"github.com/firstline/firstline/internal/store"
	"github.com/firstline/firstline/internal/store/storetest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("database/sql.(*DB).connectionOpener"))
}

func TestEnsureAdmin(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		db := storetest.Open(t, d)
		toks := auth.NewTokens(db)
		dir := filepath.Join(t.TempDir(), "data")

		path, created, err := toks.EnsureAdmin(ctx, dir)
		require.NoError(t, err)
		require.True(t, created)
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		secret := strings.TrimSpace(string(b))
		tok, err := toks.Authenticate(ctx, secret)
		require.NoError(t, err)
		require.Equal(t, auth.Admin, tok.Role)

		// Again: nothing new.
		path2, created, err := toks.EnsureAdmin(ctx, dir)
		require.NoError(t, err)
		require.False(t, created)
		require.Equal(t, path, path2)

		// Another data dir on the same database: it has admins, no file.
		other := t.TempDir()
		path3, created, err := toks.EnsureAdmin(ctx, other)
		require.NoError(t, err)
		require.False(t, created)
		require.Empty(t, path3)
		_, err = os.Stat(filepath.Join(other, auth.AdminTokenFile))
		require.ErrorIs(t, err, os.ErrNotExist)

		// The old data dir on a fresh database: the file's token is registered.
		fresh := auth.NewTokens(storetest.Open(t, d))
		_, created, err = fresh.EnsureAdmin(ctx, dir)
		require.NoError(t, err)
		require.True(t, created)
		tok, err = fresh.Authenticate(ctx, secret)
		require.NoError(t, err)
		require.Equal(t, auth.Admin, tok.Role)
	})
}

func TestCreateAuthenticateRevoke(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		db := storetest.Open(t, d)
		toks := auth.NewTokens(db)
		tok, secret, err := toks.Create(ctx, db, "ci", auth.Operator, "test")
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(secret.Reveal(), "fl_"))
		require.Len(t, secret.Reveal(), 46)

		got, err := toks.Authenticate(ctx, secret.Reveal())
		require.NoError(t, err)
		require.Equal(t, tok.ID, got.ID)
		for _, bad := range []string{"", "fl_", "nope", secret.Reveal() + "x", strings.ToUpper(secret.Reveal())} {
			_, err := toks.Authenticate(ctx, bad)
			require.ErrorIs(t, err, auth.ErrUnauthorized, bad)
		}

		_, _, err = toks.Create(ctx, db, "ci", auth.Viewer, "test")
		require.ErrorIs(t, err, store.ErrConflict)
		_, _, err = toks.Create(ctx, db, "x", "root", "test")
		var fe interface{ Field() string }
		require.True(t, errors.As(err, &fe))
		require.Equal(t, "role", fe.Field())

		revoked, err := toks.Revoke(ctx, db, "ci")
		require.NoError(t, err)
		require.NotNil(t, revoked.RevokedAt)
		_, err = toks.Authenticate(ctx, secret.Reveal()) // cache cleared by Revoke
		require.ErrorIs(t, err, auth.ErrUnauthorized)
		_, err = toks.Revoke(ctx, db, "ci")
		require.ErrorIs(t, err, store.ErrNotFound)

		// The name is free again once revoked.
		_, _, err = toks.Create(ctx, db, "ci", auth.Viewer, "test")
		require.NoError(t, err)
		list, err := toks.List(ctx)
		require.NoError(t, err)
		require.Len(t, list, 2)

		// The last active admin token cannot be revoked; with two, one can.
		_, _, err = toks.Create(ctx, db, "root1", auth.Admin, "test")
		require.NoError(t, err)
		_, err = toks.Revoke(ctx, db, "root1")
		require.ErrorIs(t, err, store.ErrConflict)
		require.ErrorContains(t, err, "last active admin token")
		_, _, err = toks.Create(ctx, db, "root2", auth.Admin, "test")
		require.NoError(t, err)
		_, err = toks.Revoke(ctx, db, "root1")
		require.NoError(t, err)
	})
}

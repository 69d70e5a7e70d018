package store

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestInsertGroupsByTableAndChunks(t *testing.T) {
	t.Parallel()
	var r rows
	cols := []string{"a", "b", "c"}
	for i := range 10001 {
		r.Insert("t1", cols, i, i, i)
		if i%5000 == 0 {
			r.Insert("t2", []string{"x"}, i)
		}
	}
	sts := r.statements()
	// t1: 10001 rows × 3 = 30003 params → 2 statements; then t2 (first
	// queued after t1) in one.
	require.Len(t, sts, 3)
	require.True(t, strings.HasPrefix(sts[0].query, "INSERT INTO t1 (a, b, c) VALUES ($1,$2,$3),($4,$5,$6),"))
	require.Len(t, sts[0].args, 30000)
	require.True(t, strings.HasSuffix(sts[1].query, "VALUES ($1,$2,$3)"))
	require.Equal(t, []any{10000, 10000, 10000}, sts[1].args)
	require.Equal(t, "INSERT INTO t2 (x) VALUES ($1),($2),($3)", sts[2].query)
	require.Empty(t, r.statements())
	require.Panics(t, func() { r.Insert("t1", cols, 1) })
}

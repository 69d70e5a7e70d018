package timearg_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/firstline/firstline/internal/timearg"
)

func TestParse(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"":                     {},
		"2026-01-02T15:04:05Z": time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC),
		"15m":                  now.Add(-15 * time.Minute),
		"2h":                   now.Add(-2 * time.Hour),
	} {
		got, err := timearg.Parse(in, now)
		require.NoError(t, err, in)
		require.True(t, want.Equal(got), "%s: %s", in, got)
	}
	for _, bad := range []string{"yesterday", "-5m", "0s", "2026-01-02"} {
		_, err := timearg.Parse(bad, now)
		require.ErrorContains(t, err, "neither an RFC 3339 time", bad)
	}
}

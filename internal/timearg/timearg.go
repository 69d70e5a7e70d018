// Package timearg parses the time arguments of the API and the CLI
// (since, until): an RFC 3339 time, or a duration back from now such as
// 15m or 2h.
package timearg

import (
	"fmt"
	"time"
)

// Parse returns the time s names relative to now; "" is the zero time.
func Parse(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("%q is neither an RFC 3339 time (2026-01-02T15:04:05Z) nor a duration back from now (15m, 2h)", s)
}

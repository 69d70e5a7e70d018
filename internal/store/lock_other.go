//go:build !unix

package store

import "io"

// lockFile does nothing where flock is not available.
func lockFile(string) (io.Closer, error) { return io.NopCloser(nil), nil }

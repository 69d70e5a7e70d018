//go:build unix

package server

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// lockDataDir takes an exclusive lock on <dir>/firstline.lock so two
// servers never share one data directory (and its SQLite database). The
// lock is released when the returned file is closed or the process dies.
func lockDataDir(dir string) (*os.File, error) {
	path := filepath.Join(dir, "firstline.lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock data directory: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("data directory %s is in use by another firstline (lock %s); give each server its own --data-dir", dir, path)
		}
		return nil, fmt.Errorf("lock data directory: %w", err)
	}
	return f, nil
}

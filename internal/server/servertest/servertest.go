// Package servertest runs a real firstline server in-process on
// 127.0.0.1:0 for tests, on a fresh database of the requested dialect.
package servertest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/firstline/firstline/internal/server"
	"github.com/firstline/firstline/internal/store"
	"github.com/firstline/firstline/internal/store/storetest"
)

// Server is a running test server.
type Server struct {
	*server.Server
	// AdminToken is the secret from the admin-token file.
	AdminToken string
	// DataDir is the server's data directory.
	DataDir string
	// Logs holds everything the server logged.
	Logs *SyncBuffer
}

// SyncBuffer is a goroutine-safe bytes.Buffer.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was written.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Option changes the configuration before start.
type Option func(*server.Config)

// Start runs a server on dialect d and stops it at cleanup.
func Start(t testing.TB, d store.Dialect, opts ...Option) *Server {
	t.Helper()
	cfg := server.Defaults()
	cfg.Listen = "127.0.0.1:0"
	cfg.DataDir = filepath.Join(t.TempDir(), "data")
	cfg.LogLevel = "debug"
	if d == store.Postgres {
		cfg.Database = storetest.DSN(t, d)
	}
	for _, o := range opts {
		o(&cfg)
	}
	logs := &SyncBuffer{}
	srv, err := server.New(cfg, server.NewLogger(cfg, logs), io.Discard)
	require.NoError(t, err)
	require.NoError(t, srv.Start(context.Background()))
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_ = srv.Shutdown(ctx)
		}
		if t.Failed() {
			t.Logf("server logs:\n%s", logs.String())
		}
	})
	tok, err := os.ReadFile(srv.AdminTokenFile)
	require.NoError(t, err)
	return &Server{Server: srv, AdminToken: strings.TrimSpace(string(tok)), DataDir: cfg.DataDir, Logs: logs}
}

// Do sends a request with token (none if "") and a JSON body (a string or
// []byte is sent as is, anything else marshalled), returning the status and
// body.
func (s *Server) Do(t testing.TB, method, path, token string, body any) (int, []byte) {
	t.Helper()
	var r io.Reader
	switch v := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(v)
	case []byte:
		r = bytes.NewReader(v)
	default:
		b, err := json.Marshal(v)
		require.NoError(t, err)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.URL+path, r)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if r != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, b
}

// Logger returns a logger that writes to t.Log.
func Logger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

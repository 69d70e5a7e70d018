package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/firstline/firstline/internal/server"
	"github.com/firstline/firstline/internal/server/servertest"
	"github.com/firstline/firstline/internal/store"
	"github.com/firstline/firstline/internal/store/storetest"
)

func start(t *testing.T, cfg server.Config) (*server.Server, *servertest.SyncBuffer, string) {
	t.Helper()
	logs := &servertest.SyncBuffer{}
	var out strings.Builder
	srv, err := server.New(cfg, server.NewLogger(cfg, logs), &out)
	require.NoError(t, err)
	require.NoError(t, srv.Start(context.Background()))
	return srv, logs, out.String()
}

func stop(t *testing.T, srv *server.Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, srv.Shutdown(ctx))
}

// TestFirstStartAndRestart: an empty data dir is created with an admin
// token file (0600) that works; a restart reuses both.
func TestFirstStartAndRestart(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, d store.Dialect) {
		cfg := server.Defaults()
		cfg.Listen = "127.0.0.1:0"
		cfg.DataDir = filepath.Join(t.TempDir(), "nested", "data")
		if d == store.Postgres {
			cfg.Database = storetest.DSN(t, d)
		}
		srv, _, out := start(t, cfg)
		require.Contains(t, out, "firstline is listening on "+srv.URL)
		require.Contains(t, out, "admin token created in "+filepath.Join(cfg.DataDir, "admin-token"))
		st, err := os.Stat(cfg.DataDir)
		require.NoError(t, err)
		require.Equal(t, os.FileMode(0o700), st.Mode().Perm())
		st, err = os.Stat(srv.AdminTokenFile)
		require.NoError(t, err)
		require.Equal(t, os.FileMode(0o600), st.Mode().Perm())
		tok1, err := os.ReadFile(srv.AdminTokenFile)
		require.NoError(t, err)
		whoami(t, srv.URL, strings.TrimSpace(string(tok1)), "admin")
		stop(t, srv)

		srv, _, out = start(t, cfg)
		require.Contains(t, out, "admin token in "+srv.AdminTokenFile)
		require.NotContains(t, out, "created")
		tok2, err := os.ReadFile(srv.AdminTokenFile)
		require.NoError(t, err)
		require.Equal(t, tok1, tok2)
		whoami(t, srv.URL, strings.TrimSpace(string(tok2)), "admin")
		stop(t, srv)
	})
}

func whoami(t *testing.T, url, token, role string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url+"/api/v1/whoami", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(b))
	var tok struct{ Role string }
	require.NoError(t, json.Unmarshal(b, &tok))
	require.Equal(t, role, tok.Role)
}

func TestHealthReadyMetrics(t *testing.T) {
	t.Parallel()
	s := servertest.Start(t, store.SQLite)
	s.Do(t, http.MethodPost, "/api/v1/events", s.AdminToken, `{"Entries":[{"Source":"my.app","DetailType":"x","Detail":"{}"}]}`)
	for path, want := range map[string]string{"/healthz": `"ok"`, "/readyz": `"ready"`} {
		status, b := s.Do(t, http.MethodGet, path, "", nil)
		require.Equal(t, http.StatusOK, status, path)
		require.Contains(t, string(b), want)
	}
	status, b := s.Do(t, http.MethodGet, "/metrics", "", nil)
	require.Equal(t, http.StatusOK, status)
	for _, m := range []string{
		`firstline_http_requests_total{code="200",method="POST",route="/api/v1/events"} 1`,
		`firstline_events_ingested_total{source="my.app"} 1`,
		`firstline_store_commit_batch_size_count{committer="api"}`,
		`firstline_job_queue_depth{state="available"}`,
		`firstline_http_request_duration_seconds_bucket`,
	} {
		require.Contains(t, string(b), m)
	}
}

// TestGracefulShutdown sends PutEvents from many clients while the server
// shuts down: every acknowledged event is stored, and Shutdown returns nil.
func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, d store.Dialect) {
		cfg := server.Defaults()
		cfg.Listen = "127.0.0.1:0"
		cfg.DataDir = t.TempDir()
		cfg.Database = storetest.DSN(t, d)
		srv, _, _ := start(t, cfg)
		tok, err := os.ReadFile(srv.AdminTokenFile)
		require.NoError(t, err)
		var mu sync.Mutex
		var acked []string
		var wg sync.WaitGroup
		started := make(chan struct{})
		var once sync.Once
		for range 16 {
			wg.Go(func() {
				client := &http.Client{Timeout: 10 * time.Second}
				for range 50 {
					req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/events", strings.NewReader(`{"Entries":[{"Source":"drain","DetailType":"x","Detail":"{}"}]}`))
					req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(tok)))
					resp, err := client.Do(req)
					if err != nil {
						return // the server stopped accepting
					}
					var r struct {
						Entries []struct{ EventId string }
					}
					_ = json.NewDecoder(resp.Body).Decode(&r)
					resp.Body.Close()
					if resp.StatusCode == 200 && len(r.Entries) == 1 && r.Entries[0].EventId != "" {
						mu.Lock()
						acked = append(acked, r.Entries[0].EventId)
						mu.Unlock()
						once.Do(func() { close(started) })
					}
				}
			})
		}
		<-started
		stop(t, srv)
		wg.Wait()
		require.NotEmpty(t, acked)

		db, err := store.Open(context.Background(), store.Config{DSN: cfg.Database})
		require.NoError(t, err)
		defer db.Close()
		for _, id := range acked {
			var n int64
			require.NoError(t, db.QueryRow(context.Background(), `SELECT COUNT(*) FROM events WHERE id = $1`, id).Scan(&n))
			require.Equal(t, int64(1), n, "acknowledged event %s", id)
		}
	})
}

func TestNonLoopbackWithoutTLSWarns(t *testing.T) {
	t.Parallel()
	cfg := server.Defaults()
	cfg.Listen = "0.0.0.0:0"
	cfg.DataDir = t.TempDir()
	srv, logs, out := start(t, cfg)
	defer stop(t, srv)
	require.True(t, strings.HasPrefix(srv.URL, "http://127.0.0.1:"), srv.URL)
	require.Contains(t, out, "WARNING")
	require.Contains(t, logs.String(), "SERVING WITHOUT TLS")
}

func TestConfigFile(t *testing.T) {
	t.Setenv("FL_TEST_REGION", "eu-test-1")
	dir := t.TempDir()
	path := filepath.Join(dir, "firstline.yaml")
	require.NoError(t, os.WriteFile(path, []byte("listen: 127.0.0.1:9999\nregion: ${FL_TEST_REGION}\nevent-retention: 48h\n"), 0o600))
	cfg := server.Defaults()
	require.NoError(t, cfg.LoadFile(path))
	require.Equal(t, "127.0.0.1:9999", cfg.Listen)
	require.Equal(t, "eu-test-1", cfg.Region)
	require.Equal(t, 48*time.Hour, cfg.EventRetention)
	require.Equal(t, "./firstline-data", cfg.DataDir)
	require.NoError(t, cfg.Validate())

	require.NoError(t, os.WriteFile(path, []byte("listn: x\n"), 0o600))
	require.ErrorContains(t, cfg.LoadFile(path), "field listn not found")

	require.NoError(t, os.WriteFile(path, []byte("region: ${FL_TEST_UNSET_VAR}\n"), 0o600))
	require.ErrorContains(t, cfg.LoadFile(path), "FL_TEST_UNSET_VAR")

	// Comment lines are not expanded; $$ is a literal $; $VAR is left alone.
	require.NoError(t, os.WriteFile(path, []byte("# database: postgres://u:${FL_TEST_UNSET_VAR}@h/db\nregion: a$$b$HOME\n"), 0o600))
	require.NoError(t, cfg.LoadFile(path))
	require.Equal(t, "a$b$HOME", cfg.Region)
}

func TestConfigValidateReportsEveryKey(t *testing.T) {
	t.Parallel()
	cfg := server.Defaults()
	cfg.Listen = "nope"
	cfg.LogLevel = "loud"
	cfg.LogFormat = "xml"
	cfg.TLSCertFile = "c.pem"
	cfg.Account = "12"
	cfg.Database = "mysql://x"
	err := cfg.Validate()
	for _, key := range []string{"listen:", "log-level:", "log-format:", "tls-cert-file, tls-key-file:", "account:", "database:"} {
		require.ErrorContains(t, err, key)
	}
	require.Equal(t, "sqlite://firstline-data/firstline.db", server.Defaults().DatabaseDSN())
}

func TestDataDirIsLocked(t *testing.T) {
	t.Parallel()
	cfg := server.Defaults()
	cfg.Listen = "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	srv, _, _ := start(t, cfg)
	second, err := server.New(cfg, server.NewLogger(cfg, &strings.Builder{}), &strings.Builder{})
	require.NoError(t, err)
	require.ErrorContains(t, second.Start(t.Context()), "is in use by another firstline")
	stop(t, srv)
	// Released on shutdown.
	srv, _, _ = start(t, cfg)
	stop(t, srv)
}

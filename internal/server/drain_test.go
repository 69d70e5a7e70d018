package server_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/firstline/firstline/internal/server"
	"github.com/firstline/firstline/internal/store"
)

// TestSIGTERMLetsDeliveriesFinish cancels Run's context (what SIGTERM
// does) while a rule delivery is in flight: the delivery completes and is
// not retried.
func TestSIGTERMLetsDeliveriesFinish(t *testing.T) {
	t.Parallel()
	var calls, done atomic.Int32
	started := make(chan struct{}, 10)
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		started <- struct{}{}
		time.Sleep(300 * time.Millisecond) // a slow target, not synchronisation
		w.WriteHeader(http.StatusOK)
		done.Add(1)
	}))
	defer target.Close()

	cfg := server.Defaults()
	cfg.Listen = "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	listening := make(chan struct{}, 4)
	banner := writerFunc(func(p []byte) (int, error) {
		if strings.Contains(string(p), "listening on") {
			listening <- struct{}{}
		}
		return len(p), nil
	})
	srv, err := server.New(cfg, server.NewLogger(cfg, io.Discard), banner)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	runErr := make(chan error, 1)
	go func() { runErr <- srv.Run(ctx) }()
	select {
	case <-listening:
	case err := <-runErr:
		t.Fatalf("server stopped: %v", err)
	}
	tok, err := os.ReadFile(srv.AdminTokenFile)
	require.NoError(t, err)
	do := func(method, path, body string) int {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(tok)))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	require.Equal(t, http.StatusCreated, do(http.MethodPut, "/api/v1/resources/Rule/slow",
		`{"EventPattern":{"source":["drain"]},"Targets":[{"Id":"t","Http":{"Endpoint":"`+target.URL+`"}}]}`))
	require.Equal(t, http.StatusOK, do(http.MethodPost, "/api/v1/events", `{"Entries":[{"Source":"drain","DetailType":"x","Detail":"{}"}]}`))
	<-started
	cancel() // SIGTERM
	require.NoError(t, <-runErr)
	require.Equal(t, int32(1), done.Load(), "the in-flight delivery did not finish")

	db, err := store.Open(context.Background(), store.Config{DSN: cfg.DatabaseDSN()})
	require.NoError(t, err)
	defer db.Close()
	var state string
	require.NoError(t, db.QueryRow(context.Background(), `SELECT state FROM river_job WHERE kind = 'rule.deliver'`).Scan(&state))
	require.Equal(t, "completed", state)
	require.Equal(t, int32(1), calls.Load())
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

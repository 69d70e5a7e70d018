package server_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/firstline/firstline/internal/server"
	"github.com/firstline/firstline/internal/store"
	"github.com/firstline/firstline/internal/store/storetest"
)

// TestTwoReplicasShareOnePostgres starts two servers at once on the same
// PostgreSQL database (racing to migrate it): an event put through one is
// listed by the other, and the admin token from the first works on both.
func TestTwoReplicasShareOnePostgres(t *testing.T) {
	t.Parallel()
	if os.Getenv(storetest.EnvPostgresDSN) == "" {
		t.Skip(storetest.EnvPostgresDSN + " is not set")
	}
	dsn := storetest.DSN(t, store.Postgres)
	cfgs := make([]server.Config, 2)
	srvs := make([]*server.Server, 2)
	outs := make([]string, 2)
	var wg sync.WaitGroup
	for i := range cfgs {
		cfgs[i] = server.Defaults()
		cfgs[i].Listen = "127.0.0.1:0"
		cfgs[i].DataDir = filepath.Join(t.TempDir(), "replica")
		cfgs[i].Database = dsn
		wg.Go(func() {
			var out strings.Builder
			srv, err := server.New(cfgs[i], server.NewLogger(cfgs[i], &strings.Builder{}), &out)
			if err == nil {
				err = srv.Start(t.Context())
			}
			if err != nil {
				t.Errorf("replica %d: %v", i, err)
				return
			}
			srvs[i], outs[i] = srv, out.String()
		})
	}
	wg.Wait()
	require.False(t, t.Failed())
	defer stop(t, srvs[0])
	defer stop(t, srvs[1])

	// Exactly one replica created the admin token; the other found it in
	// the database and wrote no file.
	var tokenFile string
	created := 0
	for i, out := range outs {
		if strings.Contains(out, "admin token created") {
			created++
			tokenFile = srvs[i].AdminTokenFile
		}
	}
	require.Equal(t, 1, created, outs)
	tok, err := os.ReadFile(tokenFile)
	require.NoError(t, err)
	secret := strings.TrimSpace(string(tok))

	do := func(srv *server.Server, method, path, body string) (int, []byte) {
		req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+secret)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var b json.RawMessage
		_ = json.NewDecoder(resp.Body).Decode(&b)
		return resp.StatusCode, b
	}
	status, b := do(srvs[0], http.MethodPost, "/api/v1/events", `{"Entries":[{"Source":"replica.a","DetailType":"x","Detail":"{}"}]}`)
	require.Equal(t, http.StatusOK, status, string(b))
	status, b = do(srvs[1], http.MethodGet, "/api/v1/events?source=replica.a", "")
	require.Equal(t, http.StatusOK, status, string(b))
	require.Contains(t, string(b), `"source":"replica.a"`)
}

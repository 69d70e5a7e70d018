//go:build unix

package execution_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/firstline/firstline/internal/server/servertest"
	"github.com/firstline/firstline/internal/store"
	"github.com/firstline/firstline/internal/store/storetest"
)

// Parameters of TestCrashDuringExecutions.
const (
	crashExecutions = 200
	crashKills      = 3
)

// callLog is the test's function (a kind: Function with an Http
// endpoint): it records every call with its idempotency key and time, and
// echoes the payload.
type callLog struct {
	mu    sync.Mutex
	calls map[string][]time.Time
}

func (l *callLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	key := r.Header.Get("Idempotency-Key")
	l.mu.Lock()
	l.calls[key] = append(l.calls[key], time.Now())
	l.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body) // echo
}

// TestCrashDuringExecutions runs 200 executions with Task, Wait and Map
// states on a real firstline process and SIGKILLs it three times at random
// moments, restarting it on the same database each time. Every execution
// must end SUCCEEDED with the right output; a task may be called again
// only if its call was in flight at a kill (same idempotency key), never
// after its result was committed.
func TestCrashDuringExecutions(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test: skipped with -short")
	}
	bin := servertest.BuildBinary(t)
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) { crashDuringExecutions(t, bin, d) })
	}
}

func crashDuringExecutions(t *testing.T, bin string, d store.Dialect) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, seed^0x5bd1e995))
	logs := &servertest.Logs{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("firstline output:\n%s", logs.String())
		}
	})
	fn := &callLog{calls: map[string][]time.Time{}}
	target := httptest.NewServer(fn)
	defer target.Close()

	work := t.TempDir()
	dataDir := filepath.Join(work, "data")
	args := []string{"serve", "--listen", "127.0.0.1:0", "--data-dir", dataDir, "--log-level", "warn"}
	if d == store.Postgres {
		args = append(args, "--database", storetest.DSN(t, d))
	}
	client := &http.Client{Timeout: 10 * time.Second}
	srv := servertest.StartChild(t, bin, work, args, logs, client, "start 1")
	tok, err := os.ReadFile(filepath.Join(dataDir, "admin-token"))
	require.NoError(t, err)
	token := strings.TrimSpace(string(tok))

	do := func(base, method, path string, body any) (int, []byte, error) {
		var r io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			r = bytes.NewReader(b)
		}
		req, err := http.NewRequest(method, base+path, r)
		if err != nil {
			return 0, nil, err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, b, err
	}
	// The tasks are Functions (lambda:invoke), HTTP endpoints of this test.
	code, body, err := do(srv.URL, http.MethodPut, "/api/v1/resources/Function/echo", map[string]any{"Http": map[string]any{"Endpoint": target.URL + "/echo"}})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, code, string(body))
	def := `{"StartAt":"Prepare","States":{
	  "Prepare":{"Type":"Pass","Parameters":{"n.$":"$.n","items.$":"States.ArrayRange(1, 3, 1)"},"Next":"Call"},
	  "Call":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"echo","Payload":{"n.$":"$.n"}},
	          "Retry":[{"ErrorEquals":["States.ALL"],"IntervalSeconds":1,"MaxAttempts":5}],
	          "ResultSelector":{"echo.$":"$.Payload.n"},"ResultPath":"$.call","Next":"Pause"},
	  "Pause":{"Type":"Wait","Seconds":1,"Next":"Each"},
	  "Each":{"Type":"Map","ItemsPath":"$.items","ItemSelector":{"i.$":"$$.Map.Item.Value","n.$":"$.n"},
	          "ItemProcessor":{"StartAt":"Item","States":{"Item":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:echo",
	            "Retry":[{"ErrorEquals":["States.ALL"],"IntervalSeconds":1,"MaxAttempts":5}],
	            "End":true}}},
	          "ResultPath":"$.items","Next":"Done"},
	  "Done":{"Type":"Succeed"}}}`
	code, body, err = do(srv.URL, http.MethodPut, "/api/v1/resources/StateMachine/crash", map[string]string{"DefinitionString": def})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, code, string(body))

	// Start the executions while killing the server: a start that fails is
	// retried by name (StartExecution is idempotent), on the next server.
	var kills []time.Time
	started := 0
	nextKill := 20 + rng.IntN(60)
	for started < crashExecutions {
		if len(kills) < crashKills && started >= nextKill {
			time.Sleep(time.Duration(rng.IntN(1500)) * time.Millisecond)
			require.NoError(t, srv.Cmd.Process.Signal(syscall.SIGKILL))
			kills = append(kills, time.Now())
			srv.Wait(t, 10*time.Second)
			srv = servertest.StartChild(t, bin, work, args, logs, client, fmt.Sprintf("start %d", len(kills)+1))
			nextKill = started + 20 + rng.IntN(60)
			continue
		}
		code, body, err := do(srv.URL, http.MethodPost, "/api/v1/executions", map[string]any{
			"stateMachineName": "crash", "name": fmt.Sprintf("e%03d", started), "input": fmt.Sprintf(`{"n":%d}`, started)})
		if err != nil || code >= 500 {
			continue // the server was killed under the call: start it again by name
		}
		require.Equal(t, http.StatusOK, code, string(body))
		started++
	}
	// One more kill while the last executions run.
	for len(kills) < crashKills {
		time.Sleep(time.Duration(300+rng.IntN(1500)) * time.Millisecond)
		require.NoError(t, srv.Cmd.Process.Signal(syscall.SIGKILL))
		kills = append(kills, time.Now())
		srv.Wait(t, 10*time.Second)
		srv = servertest.StartChild(t, bin, work, args, logs, client, fmt.Sprintf("start %d", len(kills)+1))
	}

	// Every execution ends SUCCEEDED with its own output.
	deadline := time.Now().Add(120 * time.Second)
	for i := 0; i < crashExecutions; i++ {
		arn := fmt.Sprintf("arn:aws:states:local-1:000000000000:execution:crash:e%03d", i)
		for {
			code, body, err := do(srv.URL, http.MethodGet, "/api/v1/executions/"+url.PathEscape(arn), nil)
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, code, string(body))
			var desc struct {
				Status, Output, Error, Cause string
			}
			require.NoError(t, json.Unmarshal(body, &desc))
			if desc.Status == "RUNNING" {
				require.True(t, time.Now().Before(deadline), "execution e%03d still RUNNING", i)
				time.Sleep(50 * time.Millisecond)
				continue
			}
			require.Equal(t, "SUCCEEDED", desc.Status, "e%03d: %s %s", i, desc.Error, desc.Cause)
			want := fmt.Sprintf(`{"n":%d,"call":{"echo":%d},"items":[{"i":1,"n":%d},{"i":2,"n":%d},{"i":3,"n":%d}]}`, i, i, i, i, i)
			require.JSONEq(t, want, desc.Output, "e%03d", i)
			break
		}
	}

	// 4 tasks per execution, each with its own key; a key called twice had
	// its first call in flight at a kill (within the 10 s before it).
	fn.mu.Lock()
	defer fn.mu.Unlock()
	require.Len(t, fn.calls, crashExecutions*4, "one idempotency key per task")
	repeated := 0
	for key, times := range fn.calls {
		require.NotEmpty(t, key)
		if len(times) == 1 {
			continue
		}
		repeated++
		inFlight := false
		for _, k := range kills {
			if !times[0].After(k) && k.Sub(times[0]) < 10*time.Second {
				inFlight = true
			}
		}
		require.True(t, inFlight, "task %s was called %d times, the first at %s, not in flight at a kill (%v)", key, len(times), times[0], kills)
	}
	t.Logf("%d executions, %d kills, %d task calls repeated after a kill", crashExecutions, len(kills), repeated)
}

// TestReplicaTakesOver runs two replicas on one PostgreSQL database,
// starts executions through the first and SIGKILLs it while they wait:
// the second finishes them all.
func TestReplicaTakesOver(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test: skipped with -short")
	}
	if os.Getenv(storetest.EnvPostgresDSN) == "" {
		t.Skip(storetest.EnvPostgresDSN + " is not set")
	}
	bin := servertest.BuildBinary(t)
	logs := &servertest.Logs{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("firstline output:\n%s", logs.String())
		}
	})
	fn := &callLog{calls: map[string][]time.Time{}}
	target := httptest.NewServer(fn)
	defer target.Close()
	dsn := storetest.DSN(t, store.Postgres)
	client := &http.Client{Timeout: 10 * time.Second}
	replica := func(name string) (*servertest.Child, string) {
		work := t.TempDir()
		dataDir := filepath.Join(work, "data")
		c := servertest.StartChild(t, bin, work, []string{"serve", "--listen", "127.0.0.1:0", "--data-dir", dataDir, "--database", dsn, "--log-level", "warn"}, logs, client, name)
		tok, err := os.ReadFile(filepath.Join(dataDir, "admin-token"))
		if err != nil {
			return c, ""
		}
		return c, strings.TrimSpace(string(tok))
	}
	a, token := replica("replica a")
	b, _ := replica("replica b")
	require.NotEmpty(t, token, "the first replica creates the admin token")
	do := func(base, method, path string, body any) (int, []byte) {
		var r io.Reader
		if body != nil {
			j, _ := json.Marshal(body)
			r = bytes.NewReader(j)
		}
		req, err := http.NewRequest(method, base+path, r)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, out
	}
	def := `{"StartAt":"Pause","States":{
	  "Pause":{"Type":"Wait","Seconds":2,"Next":"Call"},
	  "Call":{"Type":"Task","Resource":"arn:aws:states:::http:invoke","Parameters":{"ApiEndpoint":"` + target.URL + `","Method":"POST","RequestBody":{"n.$":"$.n"}},
	          "OutputPath":"$.ResponseBody","End":true}}}`
	code, body := do(a.URL, http.MethodPut, "/api/v1/resources/StateMachine/handover", map[string]string{"DefinitionString": def})
	require.Equal(t, http.StatusCreated, code, string(body))
	const n = 40
	for i := range n {
		code, body := do(a.URL, http.MethodPost, "/api/v1/executions", map[string]any{"stateMachineName": "handover", "name": fmt.Sprintf("h%02d", i), "input": fmt.Sprintf(`{"n":%d}`, i)})
		require.Equal(t, http.StatusOK, code, string(body))
	}
	require.NoError(t, a.Cmd.Process.Signal(syscall.SIGKILL))
	a.Wait(t, 10*time.Second)

	deadline := time.Now().Add(90 * time.Second)
	for i := range n {
		arn := fmt.Sprintf("arn:aws:states:local-1:000000000000:execution:handover:h%02d", i)
		for {
			code, body := do(b.URL, http.MethodGet, "/api/v1/executions/"+url.PathEscape(arn), nil)
			require.Equal(t, http.StatusOK, code, string(body))
			var desc struct{ Status, Output, Error, Cause string }
			require.NoError(t, json.Unmarshal(body, &desc))
			if desc.Status == "RUNNING" {
				require.True(t, time.Now().Before(deadline), "h%02d still RUNNING on the surviving replica", i)
				time.Sleep(50 * time.Millisecond)
				continue
			}
			require.Equal(t, "SUCCEEDED", desc.Status, "h%02d: %s %s", i, desc.Error, desc.Cause)
			require.JSONEq(t, fmt.Sprintf(`{"n":%d}`, i), desc.Output)
			break
		}
	}
}

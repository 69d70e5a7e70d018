//go:build unix

package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/firstline/firstline/internal/api"
	"github.com/firstline/firstline/internal/event"
	"github.com/firstline/firstline/internal/server/servertest"
	"github.com/firstline/firstline/internal/store"
	"github.com/firstline/firstline/internal/store/storetest"
)

// Parameters of TestCrashDuringPutEvents.
const (
	crashCalls   = 10_000
	crashClients = 64
	crashSource  = "crash.test"
	// crashSeedEnv replays a run: the seed fixes the kill moment and the
	// number of entries of every call.
	crashSeedEnv = "FIRSTLINE_CRASH_SEED"
)

// TestCrashDuringPutEvents proves that an acknowledged PutEvents is durable
// and stored exactly once, and that a reported failure is a real failure,
// across a crash of the server process.
//
// It builds the real binary and runs `firstline serve` as a child process.
// 64 clients share 10,000 PutEvents calls (most with one entry, some with
// two or three), every entry carrying a marker never sent before. At a
// random point between 20% and 70% of the calls the child is SIGKILLed in
// the middle of the load, then restarted on the same data directory and
// database (on a new port), and the remaining calls go to it. Each entry of
// each call is classified by what its client saw:
//
//   - acknowledged: HTTP 200 and an EventId for the entry;
//   - failed: an HTTP error status, or 200 with an ErrorCode for the entry;
//   - unknown: no complete response (connection reset or refused, EOF):
//     the client cannot know, and never resends that marker.
//
// After the load, the events are read back through the API (all pages) and
// then, once SIGTERM has stopped the server with exit status 0, straight
// from the database. Both views must agree, and: every acknowledged entry is
// stored exactly once under its EventId; no failed entry is stored; no
// entry whose connection was refused is stored; every stored event is an
// acknowledged or unknown entry, stored once; so the number stored is the
// acknowledged count plus a subset of the unknown ones.
func TestCrashDuringPutEvents(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test: builds the binary and sends 10,000 requests; skipped with -short")
	}
	// Sequential on purpose: the load would disturb timing-sensitive tests,
	// and the leak check below must only see this test's goroutines.
	t.Cleanup(func() { goleak.VerifyNone(t, goleak.IgnoreCurrent()) })

	bin := servertest.BuildBinary(t)
	storetest.Run(t, func(t *testing.T, d store.Dialect) {
		crashDuringPutEvents(t, bin, d)
	})
}

// entryOutcome is what a client knows about one entry it sent.
type entryOutcome int

const (
	outcomeNone entryOutcome = iota // not sent (only if the test aborted)
	outcomeAcked
	outcomeFailed
	outcomeUnknown
)

func (o entryOutcome) String() string {
	return [...]string{"not sent", "acknowledged", "failed", "unknown"}[o]
}

// crashCall is one PutEvents call and what its client saw.
type crashCall struct {
	markers  []string
	outcomes []entryOutcome
	ids      []string // EventId per acknowledged entry
	gen      int      // server generation the call was sent to (1 or 2)
	refused  bool     // transport error was "connection refused": nothing sent
	detail   string   // status or error, for the log
	protocol string   // a response that breaks the API contract
}

func crashDuringPutEvents(t *testing.T, bin string, d store.Dialect) {
	seed := rand.Uint64()
	if s := os.Getenv(crashSeedEnv); s != "" {
		var err error
		seed, err = strconv.ParseUint(s, 10, 64)
		require.NoError(t, err, crashSeedEnv)
	}
	t.Logf("seed %d (replay with %s=%d)", seed, crashSeedEnv, seed)
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	killAt := int64(crashCalls/5 + rng.IntN(crashCalls/2+1)) // 20%..70% of the calls completed
	calls := make([]crashCall, crashCalls)
	for i := range calls {
		n := 1
		if rng.IntN(10) == 0 {
			n = 2 + rng.IntN(2)
		}
		for j := range n {
			calls[i].markers = append(calls[i].markers, fmt.Sprintf("call-%05d-%d", i, j))
		}
		calls[i].outcomes = make([]entryOutcome, n)
		calls[i].ids = make([]string, n)
	}

	// The child's output, shown if the test fails. Registered first so it
	// runs after the cleanups that kill the children.
	logs := &servertest.Logs{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("firstline output:\n%s", logs.String())
		}
	})

	work := t.TempDir()
	dataDir := filepath.Join(work, "data")
	args := []string{"serve", "--listen", "127.0.0.1:0", "--data-dir", dataDir, "--log-level", "warn"}
	dsn := "sqlite://" + filepath.Join(dataDir, "firstline.db")
	if d == store.Postgres {
		dsn = storetest.DSN(t, d)
		args = append(args, "--database", dsn)
	}

	tr := &http.Transport{MaxIdleConnsPerHost: crashClients, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}

	begin := time.Now()
	srv := servertest.StartChild(t, bin, work, args, logs, client, "start 1")
	tokenBytes, err := os.ReadFile(filepath.Join(dataDir, "admin-token"))
	require.NoError(t, err)
	token := strings.TrimSpace(string(tokenBytes))

	g := servertest.NewGate()
	g.Up(srv.URL)

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	// Stops the clients on any exit, including a failed require.
	defer func() {
		cancel()
		wg.Wait()
	}()
	var next, completed, inFlight atomic.Int64
	killNow := make(chan struct{})
	for range crashClients {
		wg.Go(func() {
			for {
				n := next.Add(1)
				if n > crashCalls {
					return
				}
				base, gen, ok := g.Wait(ctx)
				if !ok {
					return
				}
				c := &calls[n-1]
				c.gen = gen
				inFlight.Add(1)
				putCrashEvents(ctx, client, base, token, c)
				inFlight.Add(-1)
				if completed.Add(1) == killAt {
					close(killNow)
				}
			}
		})
	}
	clientsDone := make(chan struct{})
	go func() {
		wg.Wait()
		close(clientsDone)
	}()

	select {
	case <-killNow:
	case <-clientsDone:
		require.FailNow(t, "the clients finished before the kill point")
	case <-time.After(2 * time.Minute):
		require.FailNow(t, "timed out waiting for the kill point", "completed %d of %d calls", completed.Load(), crashCalls)
	}
	atKill := inFlight.Load()
	require.NoError(t, srv.Cmd.Process.Signal(syscall.SIGKILL))
	g.Down() // clients that find the server gone wait for the restart
	st := srv.Wait(t, 30*time.Second)
	ws, ok := st.Sys().(syscall.WaitStatus)
	require.True(t, ok)
	require.True(t, ws.Signaled() && ws.Signal() == syscall.SIGKILL, "child did not die of SIGKILL: %v", st)
	t.Logf("SIGKILL after %d completed calls (%d in flight)", killAt, atKill)

	srv = servertest.StartChild(t, bin, work, args, logs, client, "start 2 (after SIGKILL)")
	g.Up(srv.URL)

	select {
	case <-clientsDone:
	case <-time.After(3 * time.Minute):
		require.FailNow(t, "timed out waiting for the clients", "completed %d of %d calls", completed.Load(), crashCalls)
	}
	loadTime := time.Since(begin)
	tr.CloseIdleConnections()

	// Read back through the API, then stop the server and read the database.
	viaAPI := listCrashEvents(t, client, srv.URL, token)
	tr.CloseIdleConnections()
	require.NoError(t, srv.Cmd.Process.Signal(syscall.SIGTERM))
	st = srv.Wait(t, 60*time.Second)
	require.True(t, st.Success(), "SIGTERM must stop the server with exit status 0: %v", st)
	viaDB := scanCrashEvents(t, dsn)
	require.Equal(t, sortedEvents(viaDB), sortedEvents(viaAPI), "the API lists exactly what the database holds")

	verifyCrash(t, calls, viaDB)
	t.Logf("load with crash and restart took %s; total %s", loadTime.Round(time.Millisecond), time.Since(begin).Round(time.Millisecond))
}

// putCrashEvents sends c as one PutEvents call and records what came back.
// It never retries: an unknown or failed entry's marker is not sent again.
// (net/http itself resends a POST only when nothing of it was written.)
func putCrashEvents(ctx context.Context, client *http.Client, base, token string, c *crashCall) {
	type entry struct {
		Source, DetailType, Detail string
	}
	var req struct{ Entries []entry }
	for _, m := range c.markers {
		detail, _ := json.Marshal(map[string]string{"marker": m})
		req.Entries = append(req.Entries, entry{crashSource, "Crash", string(detail)})
	}
	body, _ := json.Marshal(req)
	unknown := func(err error) {
		for i := range c.outcomes {
			c.outcomes[i] = outcomeUnknown
		}
		c.refused = errors.Is(err, syscall.ECONNREFUSED)
		c.detail = err.Error()
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/events", bytes.NewReader(body))
	if err != nil {
		c.protocol = err.Error()
		return
	}
	hreq.Header.Set("Content-Type", "application/json")
	hreq.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(hreq)
	if err != nil {
		unknown(err)
		return
	}
	b, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		// The status line arrived but not the whole body: a 200 may be
		// torn, so the outcome is unknown.
		unknown(err)
		return
	}
	c.detail = resp.Status
	switch {
	case resp.StatusCode == http.StatusOK:
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		c.protocol = fmt.Sprintf("PutEvents answered %s: %s", resp.Status, b)
		return
	default:
		for i := range c.outcomes {
			c.outcomes[i] = outcomeFailed
		}
		c.detail = fmt.Sprintf("%s: %s", resp.Status, bytes.TrimSpace(b))
		return
	}
	var out event.PutEventsResponse
	if err := json.Unmarshal(b, &out); err != nil {
		c.protocol = fmt.Sprintf("200 with a body that is not a PutEvents response (%v): %s", err, b)
		return
	}
	if len(out.Entries) != len(c.markers) {
		c.protocol = fmt.Sprintf("%d entries sent, %d results: %s", len(c.markers), len(out.Entries), b)
		return
	}
	failedCount := 0
	for i, r := range out.Entries {
		switch {
		case r.ErrorCode != "" && r.EventId == "":
			c.outcomes[i] = outcomeFailed
			failedCount++
		case r.ErrorCode == "" && r.EventId != "":
			c.outcomes[i] = outcomeAcked
			c.ids[i] = r.EventId
		default:
			c.protocol = fmt.Sprintf("result %d has neither or both of EventId and ErrorCode: %s", i, b)
		}
	}
	if failedCount != out.FailedEntryCount {
		c.protocol = fmt.Sprintf("FailedEntryCount %d but %d results with an ErrorCode: %s", out.FailedEntryCount, failedCount, b)
	}
	if failedCount > 0 {
		c.detail = fmt.Sprintf("200 with %d failed entries: %s", failedCount, bytes.TrimSpace(b))
	}
}

// storedEvent is an event read back: its id and the marker in its detail.
type storedEvent struct{ ID, Marker string }

func sortedEvents(evs []storedEvent) []storedEvent {
	out := append([]storedEvent(nil), evs...)
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func markerOf(t *testing.T, ev *event.Event) storedEvent {
	t.Helper()
	var d struct {
		Marker string `json:"marker"`
	}
	require.NoError(t, json.Unmarshal(ev.Detail, &d), "detail of %s: %s", ev.ID, ev.Detail)
	return storedEvent{ID: ev.ID, Marker: d.Marker}
}

// listCrashEvents lists every crash.test event through the API, following
// NextToken.
func listCrashEvents(t *testing.T, client *http.Client, base, token string) []storedEvent {
	t.Helper()
	var out []storedEvent
	next := ""
	for page := 0; ; page++ {
		require.Less(t, page, 100, "too many pages")
		q := url.Values{"source": {crashSource}, "limit": {"1000"}}
		if next != "" {
			q.Set("next-token", next)
		}
		req, err := http.NewRequest(http.MethodGet, base+"/api/v1/events?"+q.Encode(), nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		require.NoError(t, err)
		b, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode, string(b))
		var list api.EventList
		require.NoError(t, json.Unmarshal(b, &list))
		for _, ev := range list.Events {
			out = append(out, markerOf(t, ev))
		}
		if list.NextToken == "" {
			return out
		}
		next = list.NextToken
	}
}

// scanCrashEvents reads every crash.test event straight from the database.
func scanCrashEvents(t *testing.T, dsn string) []storedEvent {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, store.Config{DSN: dsn})
	require.NoError(t, err)
	defer func() { require.NoError(t, db.Close()) }()
	rows, err := db.Query(ctx, "SELECT id, body FROM events WHERE source = $1", crashSource)
	require.NoError(t, err)
	defer func() { _ = rows.Close() }()
	var out []storedEvent
	for rows.Next() {
		var id, body string
		require.NoError(t, rows.Scan(&id, &body))
		var ev event.Event
		require.NoError(t, json.Unmarshal([]byte(body), &ev), "event %s: %s", id, body)
		require.Equal(t, id, ev.ID, "id column and body disagree")
		out = append(out, markerOf(t, &ev))
	}
	require.NoError(t, rows.Err())
	return out
}

// verifyCrash checks the stored events against what the clients saw.
func verifyCrash(t *testing.T, calls []crashCall, stored []storedEvent) {
	t.Helper()
	type sent struct {
		call    *crashCall
		outcome entryOutcome
		id      string
	}
	byMarker := map[string]sent{}
	var acked, failed, unknown, refused, protocol int
	var callsAcked, callsFailed, callsUnknown, callsMixed, callsRefused int
	var ackedGen [3]int
	var failures []string
	for i := range calls {
		c := &calls[i]
		if c.protocol != "" {
			protocol++
			if protocol <= 10 {
				t.Errorf("call %d broke the PutEvents contract: %s", i, c.protocol)
			}
		}
		kinds := map[entryOutcome]bool{}
		for j, m := range c.markers {
			o := c.outcomes[j]
			kinds[o] = true
			byMarker[m] = sent{c, o, c.ids[j]}
			switch o {
			case outcomeAcked:
				acked++
				ackedGen[c.gen]++
			case outcomeFailed:
				failed++
			case outcomeUnknown:
				unknown++
				if c.refused {
					refused++
				}
			case outcomeNone:
				if c.protocol == "" {
					t.Errorf("call %d (%s) has no outcome", i, m)
				}
			}
		}
		switch {
		case len(kinds) > 1:
			callsMixed++
		case kinds[outcomeAcked]:
			callsAcked++
		case kinds[outcomeFailed]:
			callsFailed++
		case kinds[outcomeUnknown]:
			callsUnknown++
			if c.refused {
				callsRefused++
			}
		}
		if (kinds[outcomeFailed] || c.protocol != "") && len(failures) < 10 {
			failures = append(failures, fmt.Sprintf("call %d to server %d: %s", i, c.gen, c.detail))
		}
	}

	storedByMarker := map[string][]string{}
	idCount := map[string]int{}
	for _, ev := range stored {
		storedByMarker[ev.Marker] = append(storedByMarker[ev.Marker], ev.ID)
		idCount[ev.ID]++
	}
	for id, n := range idCount {
		if n != 1 {
			t.Errorf("EventId %s is stored %d times", id, n)
		}
	}
	storedUnknown, errs := 0, 0
	report := func(format string, args ...any) {
		errs++
		if errs <= 20 {
			t.Errorf(format, args...)
		}
	}
	for m, ids := range storedByMarker {
		s, ok := byMarker[m]
		switch {
		case !ok:
			report("stored marker %q was never sent (ids %v)", m, ids)
		case len(ids) != 1:
			report("marker %q (%v) is stored %d times: %v", m, s.outcome, len(ids), ids)
		case s.outcome == outcomeFailed:
			report("marker %q was reported as failed (%s) but is stored as %s", m, s.call.detail, ids[0])
		case s.outcome == outcomeUnknown && s.call.refused:
			report("marker %q got connection refused, so was never sent, but is stored as %s", m, ids[0])
		case s.outcome == outcomeUnknown:
			storedUnknown++
		case s.outcome == outcomeAcked && ids[0] != s.id:
			report("marker %q was acknowledged as %s but is stored as %s", m, s.id, ids[0])
		}
	}
	for m, s := range byMarker {
		if s.outcome == outcomeAcked && len(storedByMarker[m]) == 0 {
			report("marker %q was acknowledged as %s but is not stored", m, s.id)
		}
	}
	if errs > 20 {
		t.Errorf("... %d problems in all", errs)
	}
	require.Equal(t, acked+storedUnknown, len(stored), "stored = acknowledged + the unknown entries that were committed")

	t.Logf("calls: %d acknowledged, %d failed, %d unknown (%d connection refused), %d mixed, %d protocol errors",
		callsAcked, callsFailed, callsUnknown, callsRefused, callsMixed, protocol)
	t.Logf("entries: %d sent, %d acknowledged (%d before the kill, %d after), %d failed, %d unknown (%d refused); stored %d = %d acknowledged + %d unknown",
		len(byMarker), acked, ackedGen[1], ackedGen[2], failed, unknown, refused, len(stored), acked, storedUnknown)
	for _, f := range failures {
		t.Logf("failed: %s", f)
	}
	require.Positive(t, ackedGen[1], "no call was acknowledged before the kill")
	require.Positive(t, ackedGen[2], "no call was acknowledged after the restart")
	require.Zero(t, protocol, "responses that break the PutEvents contract")
}

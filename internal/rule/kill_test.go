//go:build unix

package rule_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
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

	"github.com/firstline/firstline/internal/event"
	"github.com/firstline/firstline/internal/server/servertest"
	"github.com/firstline/firstline/internal/store"
	"github.com/firstline/firstline/internal/store/storetest"
)

// Parameters of TestKillDuringDelivery.
const (
	killEvents  = 5000
	killClients = 48
	killSource  = "kill.test"
	killRule    = "kill-test"
	// killDeliveryTimeout bounds the wait, after the last put, for every
	// acknowledged matching event to reach the target.
	killDeliveryTimeout = 40 * time.Second
	// killSeedEnv replays a run: the seed fixes the kill moment and how the
	// events are split into calls.
	killSeedEnv = "FIRSTLINE_KILL_SEED"
)

// TestKillDuringDelivery proves that rule delivery is at least once across
// a crash of the server process, and that the target can deduplicate by the
// event id it receives.
//
// It builds the real binary and runs `firstline serve` as a child process,
// applies a rule whose pattern matches half of the events, with an Http
// target (no input shaping, so the whole envelope is the body) pointing at
// an httptest server in this process that records every delivery. 48
// clients put 5,000 events (most calls with one entry, some with two or
// three); event n has detail {"match": n is even, "n": n}. At a random point
// between 20% and 70% of the calls, while events are still being put and
// deliveries are under way, the child is SIGKILLed, then restarted on the
// same data directory and database, and the clients finish against it.
// Each entry is classified as the crash test of package server does:
// acknowledged (200 with an EventId), failed (an error status, or an
// ErrorCode) or unknown (no complete response).
//
// The test then waits, up to a deadline, until every acknowledged matching
// event has reached the target, stops the server with SIGTERM (exit status
// 0) and checks every delivery the target ever received:
//
//   - the X-Firstline-Event-Id header and the body's "id" agree;
//   - every acknowledged matching event was delivered at least once, under
//     the EventId PutEvents returned;
//   - no non-matching event was delivered;
//   - every delivered event was acknowledged or unknown (never failed, never
//     refused), and each entry under one id only;
//   - duplicates are allowed and counted: deduplicating by id yields
//     exactly the acknowledged matching events plus some unknown ones.
//
// Finally it reads the database: every stored matching event has exactly
// one delivery job and no other event has one (routing commits with the
// events), and for any event the target missed it shows the job's state.
func TestKillDuringDelivery(t *testing.T) {
	if testing.Short() {
		t.Skip("kill test: builds the binary, sends 5,000 events and kills the server; skipped with -short")
	}
	// Sequential on purpose (like the crash test of package server): the
	// leak check must only see this test's goroutines.
	t.Cleanup(func() { goleak.VerifyNone(t, goleak.IgnoreCurrent()) })

	bin := servertest.BuildBinary(t)
	storetest.Run(t, func(t *testing.T, d store.Dialect) {
		killDuringDelivery(t, bin, d)
	})
}

// killOutcome is what a client knows about one entry it sent.
type killOutcome int

const (
	killNotSent killOutcome = iota // only if the test aborted
	killAcked
	killFailed
	killUnknown
)

func (o killOutcome) String() string {
	return [...]string{"not sent", "acknowledged", "failed", "unknown"}[o]
}

// killEntry is one event: its number n (its index) and what became of it.
type killEntry struct {
	match   bool
	outcome killOutcome
	id      string // the EventId, if acknowledged
	call    *killCall
}

// killCall is one PutEvents call and what its client saw.
type killCall struct {
	entries  []int // event numbers
	gen      int   // server generation the call was sent to (1 or 2)
	refused  bool  // transport error was "connection refused": nothing sent
	detail   string
	protocol string // a response that breaks the API contract
}

func killDuringDelivery(t *testing.T, bin string, d store.Dialect) {
	seed := rand.Uint64()
	if s := os.Getenv(killSeedEnv); s != "" {
		var err error
		seed, err = strconv.ParseUint(s, 10, 64)
		require.NoError(t, err, killSeedEnv)
	}
	t.Logf("seed %d (replay with %s=%d)", seed, killSeedEnv, seed)
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))

	entries := make([]killEntry, killEvents)
	var calls []*killCall
	for n := 0; n < killEvents; {
		size := 1
		if rng.IntN(10) == 0 {
			size = 2 + rng.IntN(2)
		}
		c := &killCall{}
		for ; size > 0 && n < killEvents; size-- {
			entries[n] = killEntry{match: n%2 == 0, call: c}
			c.entries = append(c.entries, n)
			n++
		}
		calls = append(calls, c)
	}
	killAt := int64(len(calls)/5 + rng.IntN(len(calls)/2+1)) // 20%..70% of the calls completed

	// The child's output, shown if the test fails. Registered first so it
	// runs after the cleanups that kill the children.
	logs := &servertest.Logs{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("firstline output:\n%s", logs.String())
		}
	})

	tg := newKillTarget(t)

	work := t.TempDir()
	dataDir := filepath.Join(work, "data")
	args := []string{"serve", "--listen", "127.0.0.1:0", "--data-dir", dataDir, "--log-level", "warn", "--delivery-retry-base", "50ms"}
	dsn := "sqlite://" + filepath.Join(dataDir, "firstline.db")
	if d == store.Postgres {
		dsn = storetest.DSN(t, d)
		args = append(args, "--database", dsn)
	}

	tr := &http.Transport{MaxIdleConnsPerHost: killClients, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}

	begin := time.Now()
	srv := servertest.StartChild(t, bin, work, args, logs, client, "start 1")
	tokenBytes, err := os.ReadFile(filepath.Join(dataDir, "admin-token"))
	require.NoError(t, err)
	token := strings.TrimSpace(string(tokenBytes))

	applyKillRule(t, client, srv.URL, token, tg.URL+"/deliver")

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
	for range killClients {
		wg.Go(func() {
			for {
				i := next.Add(1)
				if i > int64(len(calls)) {
					return
				}
				base, gen, ok := g.Wait(ctx)
				if !ok {
					return
				}
				c := calls[i-1]
				c.gen = gen
				inFlight.Add(1)
				putKillEvents(ctx, client, base, token, c, entries)
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
		require.FailNow(t, "timed out waiting for the kill point", "completed %d of %d calls", completed.Load(), len(calls))
	}
	atKill := inFlight.Load()
	killTime := time.Now()
	require.NoError(t, srv.Cmd.Process.Signal(syscall.SIGKILL))
	g.Down() // clients that find the server gone wait for the restart
	st := srv.Wait(t, 30*time.Second)
	ws, ok := st.Sys().(syscall.WaitStatus)
	require.True(t, ok)
	require.True(t, ws.Signaled() && ws.Signal() == syscall.SIGKILL, "child did not die of SIGKILL: %v", st)
	deliveredAtKill, _ := tg.counts()
	t.Logf("SIGKILL at %s after %d of %d completed calls (%d in flight); the target had %d deliveries",
		killTime.UTC().Format("15:04:05.000000"), killAt, len(calls), atKill, deliveredAtKill)

	srv = servertest.StartChild(t, bin, work, args, logs, client, "start 2 (after SIGKILL)")
	g.Up(srv.URL)

	select {
	case <-clientsDone:
	case <-time.After(2 * time.Minute):
		require.FailNow(t, "timed out waiting for the clients", "completed %d of %d calls", completed.Load(), len(calls))
	}
	loadTime := time.Since(begin)
	tr.CloseIdleConnections()

	// Every acknowledged matching event must reach the target.
	want := map[string]int{} // EventId -> event number
	for n := range entries {
		if e := &entries[n]; e.match && e.outcome == killAcked {
			want[e.id] = n
		}
	}
	waitStart := time.Now()
	missing := tg.waitFor(want, killDeliveryTimeout)
	waitTime := time.Since(waitStart)
	if len(missing) > 0 {
		t.Errorf("%d of %d acknowledged matching events were not delivered within %s of the last put, e.g. %v",
			len(missing), len(want), killDeliveryTimeout, firstKeys(missing, 10))
	}

	require.NoError(t, srv.Cmd.Process.Signal(syscall.SIGTERM))
	st = srv.Wait(t, 60*time.Second)
	require.True(t, st.Success(), "SIGTERM must stop the server with exit status 0: %v", st)

	t.Logf("load with kill and restart took %s; waiting for deliveries %s; total with SIGTERM %s",
		loadTime.Round(time.Millisecond), waitTime.Round(time.Millisecond), time.Since(begin).Round(time.Millisecond))

	// Everything the target ever received, now that no server runs.
	// The database first: its log explains any event the target missed.
	got := tg.snapshot()
	verifyKillJobs(t, d, dsn, entries, got)
	verifyKillDeliveries(t, entries, calls, got)
}

// applyKillRule applies the rule under test through the API.
func applyKillRule(t *testing.T, client *http.Client, base, token, endpoint string) {
	t.Helper()
	spec := map[string]any{
		"Description":  "kill test: every matching event to the test target",
		"State":        "ENABLED",
		"EventPattern": map[string]any{"source": []string{killSource}, "detail": map[string]any{"match": []bool{true}}},
		"Targets": []any{map[string]any{
			"Id":          "recorder",
			"Http":        map[string]any{"Endpoint": endpoint},
			"RetryPolicy": map[string]any{"MaximumRetryAttempts": 185},
		}},
	}
	body, err := json.Marshal(spec)
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPut, base+"/api/v1/resources/Rule/"+killRule, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	require.NoError(t, err)
	b, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, resp.StatusCode, "apply Rule/%s: %s", killRule, b)
}

// putKillEvents sends c as one PutEvents call and records what came back.
// It never retries: an unknown or failed entry is not sent again.
func putKillEvents(ctx context.Context, client *http.Client, base, token string, c *killCall, entries []killEntry) {
	type entry struct {
		Source, DetailType, Detail string
	}
	var req struct{ Entries []entry }
	for _, n := range c.entries {
		detail, _ := json.Marshal(map[string]any{"match": entries[n].match, "n": n})
		req.Entries = append(req.Entries, entry{killSource, "Kill", string(detail)})
	}
	body, _ := json.Marshal(req)
	setAll := func(o killOutcome) {
		for _, n := range c.entries {
			entries[n].outcome = o
		}
	}
	unknown := func(err error) {
		setAll(killUnknown)
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
		// The status line arrived but not the whole body: unknown.
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
		setAll(killFailed)
		c.detail = fmt.Sprintf("%s: %s", resp.Status, bytes.TrimSpace(b))
		return
	}
	var out event.PutEventsResponse
	if err := json.Unmarshal(b, &out); err != nil {
		c.protocol = fmt.Sprintf("200 with a body that is not a PutEvents response (%v): %s", err, b)
		return
	}
	if len(out.Entries) != len(c.entries) {
		c.protocol = fmt.Sprintf("%d entries sent, %d results: %s", len(c.entries), len(out.Entries), b)
		return
	}
	failedCount := 0
	for i, r := range out.Entries {
		e := &entries[c.entries[i]]
		switch {
		case r.ErrorCode != "" && r.EventId == "":
			e.outcome = killFailed
			failedCount++
		case r.ErrorCode == "" && r.EventId != "":
			e.outcome = killAcked
			e.id = r.EventId
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

// killDelivery is what the target knows about one event id it received.
type killDelivery struct {
	count  int // deliveries of this id
	n      int // detail.n of the body
	match  bool
	source string
}

// killTarget is the rule's Http target: it records every delivery by the
// event id and answers 200, as a deduplicating webhook would.
type killTarget struct {
	*httptest.Server
	mu       sync.Mutex
	byID     map[string]*killDelivery
	total    int
	problems []string      // deliveries that break the delivery contract
	notify   chan struct{} // signalled after every delivery
}

func newKillTarget(t *testing.T) *killTarget {
	tg := &killTarget{byID: map[string]*killDelivery{}, notify: make(chan struct{}, 1)}
	tg.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			// The sender went away mid-body (it was killed): nothing was
			// delivered, and the answer cannot reach it anyway.
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		var ev struct {
			ID     string `json:"id"`
			Source string `json:"source"`
			Detail struct {
				Match *bool `json:"match"`
				N     *int  `json:"n"`
			} `json:"detail"`
		}
		headerID := r.Header.Get("X-Firstline-Event-Id")
		problem := ""
		switch err := json.Unmarshal(b, &ev); {
		case err != nil:
			problem = fmt.Sprintf("body is not an event (%v): %.200s", err, b)
		case r.Method != http.MethodPost || r.URL.Path != "/deliver":
			problem = fmt.Sprintf("%s %s, want POST /deliver", r.Method, r.URL.Path)
		case ev.ID == "" || headerID != ev.ID:
			problem = fmt.Sprintf("X-Firstline-Event-Id %q but body id %q", headerID, ev.ID)
		case ev.Detail.Match == nil || ev.Detail.N == nil:
			problem = fmt.Sprintf("event %s has no detail.match or detail.n: %.200s", ev.ID, b)
		case r.Header.Get("X-Firstline-Rule") != killRule:
			problem = fmt.Sprintf("event %s: X-Firstline-Rule %q, want %q", ev.ID, r.Header.Get("X-Firstline-Rule"), killRule)
		}
		tg.mu.Lock()
		tg.total++
		if problem != "" {
			tg.problems = append(tg.problems, problem)
		} else {
			dl := tg.byID[ev.ID]
			if dl == nil {
				dl = &killDelivery{n: *ev.Detail.N, match: *ev.Detail.Match, source: ev.Source}
				tg.byID[ev.ID] = dl
			}
			dl.count++
		}
		tg.mu.Unlock()
		w.WriteHeader(http.StatusOK)
		select {
		case tg.notify <- struct{}{}:
		default:
		}
	}))
	t.Cleanup(tg.Close)
	return tg
}

// counts returns the number of deliveries and of distinct ids received.
func (tg *killTarget) counts() (total, distinct int) {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	return tg.total, len(tg.byID)
}

// waitFor waits until every id of want was received, or timeout passed;
// it returns the ids still missing.
func (tg *killTarget) waitFor(want map[string]int, timeout time.Duration) map[string]int {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	missing := make(map[string]int, len(want))
	for id, n := range want {
		missing[id] = n
	}
	for {
		tg.mu.Lock()
		for id := range missing {
			if tg.byID[id] != nil {
				delete(missing, id)
			}
		}
		tg.mu.Unlock()
		if len(missing) == 0 {
			return missing
		}
		select {
		case <-tg.notify:
		case <-deadline.C:
			return missing
		}
	}
}

// killReceived is a copy of what the target received.
type killReceived struct {
	byID     map[string]killDelivery
	total    int
	problems []string
}

func (tg *killTarget) snapshot() killReceived {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	out := killReceived{byID: make(map[string]killDelivery, len(tg.byID)), total: tg.total, problems: append([]string(nil), tg.problems...)}
	for id, dl := range tg.byID {
		out.byID[id] = *dl
	}
	return out
}

// verifyKillDeliveries checks what the target received against what the
// clients saw.
func verifyKillDeliveries(t *testing.T, entries []killEntry, calls []*killCall, got killReceived) {
	t.Helper()
	errs := 0
	report := func(format string, args ...any) {
		errs++
		if errs <= 20 {
			t.Errorf(format, args...)
		}
	}
	for i, p := range got.problems {
		if i < 10 {
			t.Errorf("bad delivery: %s", p)
		}
	}
	require.Empty(t, got.problems, "deliveries that break the contract (header and body id must agree)")

	// What the clients saw.
	var acked, ackedMatching, failed, unknown, unknownMatching, refused, protocol int
	var ackedGen [3]int
	var failures []string
	for i, c := range calls {
		if c.protocol != "" {
			protocol++
			if protocol <= 10 {
				t.Errorf("call %d broke the PutEvents contract: %s", i, c.protocol)
			}
		}
		hasFailed := false
		for _, n := range c.entries {
			e := &entries[n]
			switch e.outcome {
			case killAcked:
				acked++
				ackedGen[c.gen]++
				if e.match {
					ackedMatching++
				}
			case killFailed:
				failed++
				hasFailed = true
			case killUnknown:
				unknown++
				if e.match {
					unknownMatching++
				}
				if c.refused {
					refused++
				}
			case killNotSent:
				if c.protocol == "" {
					t.Errorf("event %d has no outcome", n)
				}
			}
		}
		if (hasFailed || c.protocol != "") && len(failures) < 10 {
			failures = append(failures, fmt.Sprintf("call %d to server %d: %s", i, c.gen, c.detail))
		}
	}

	// What the target received, deduplicated by event id.
	idsByN := map[int][]string{}
	duplicates, duplicatedIDs, deliveredUnknown := 0, 0, 0
	for id, dl := range got.byID {
		if dl.count > 1 {
			duplicates += dl.count - 1
			duplicatedIDs++
		}
		if dl.n < 0 || dl.n >= len(entries) {
			report("event %s with detail.n %d was never sent", id, dl.n)
			continue
		}
		idsByN[dl.n] = append(idsByN[dl.n], id)
		e := &entries[dl.n]
		switch {
		case dl.source != killSource:
			report("event %s (n=%d) has source %q", id, dl.n, dl.source)
		case !e.match || !dl.match:
			report("event %s (n=%d) does not match the rule (sent match=%t, delivered match=%t) but was delivered %d times", id, dl.n, e.match, dl.match, dl.count)
		case e.outcome == killFailed:
			report("event %d was reported as failed (%s) but was delivered as %s", dl.n, e.call.detail, id)
		case e.outcome == killUnknown && e.call.refused:
			report("event %d got connection refused, so was never sent, but was delivered as %s", dl.n, id)
		case e.outcome == killUnknown:
			deliveredUnknown++
		case e.outcome == killAcked && e.id != id:
			report("event %d was acknowledged as %s but delivered as %s", dl.n, e.id, id)
		case e.outcome == killNotSent:
			report("event %d was never sent but was delivered as %s", dl.n, id)
		}
	}
	for n, ids := range idsByN {
		if len(ids) > 1 {
			sort.Strings(ids)
			report("event %d was delivered under %d ids %v: it was stored more than once", n, len(ids), ids)
		}
	}
	undelivered := 0
	for n := range entries {
		if e := &entries[n]; e.match && e.outcome == killAcked {
			if _, ok := got.byID[e.id]; !ok {
				undelivered++
				if undelivered <= 10 {
					t.Errorf("acknowledged matching event %d (%s, put to server %d) was never delivered", n, e.id, e.call.gen)
				}
			}
		}
	}
	if errs > 20 {
		t.Errorf("... %d problems in all", errs)
	}

	t.Logf("entries: %d sent, %d acknowledged (%d before the kill, %d after; %d matching), %d failed, %d unknown (%d matching, %d refused), %d protocol errors",
		len(entries), acked, ackedGen[1], ackedGen[2], ackedMatching, failed, unknown, unknownMatching, refused, protocol)
	t.Logf("target: %d deliveries of %d distinct ids = %d acknowledged matching + %d unknown; %d duplicate deliveries (%d ids delivered more than once)",
		got.total, len(got.byID), ackedMatching-undelivered, deliveredUnknown, duplicates, duplicatedIDs)
	for _, f := range failures {
		t.Logf("failed: %s", f)
	}
	require.Zero(t, undelivered, "acknowledged matching events never delivered")
	// Deduplicated by id, the deliveries are exactly the acknowledged
	// matching events plus some of the unknown ones.
	require.Equal(t, ackedMatching+deliveredUnknown, len(got.byID), "distinct ids delivered = acknowledged matching + delivered unknown")
	require.Equal(t, got.total, len(got.byID)+duplicates)
	require.Positive(t, ackedGen[1], "no call was acknowledged before the kill")
	require.Positive(t, ackedGen[2], "no call was acknowledged after the restart")
	require.Zero(t, protocol, "responses that break the PutEvents contract")
}

// verifyKillJobs reads the stopped server's database: every stored
// matching event has exactly one delivery job and no other event has one.
// It logs the delivery jobs by state and, for every job not completed,
// whether the target received its event (a job left running by the killed
// process stays so until River rescues it, 1h05m later).
func verifyKillJobs(t *testing.T, d store.Dialect, dsn string, entries []killEntry, got killReceived) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, store.Config{DSN: dsn})
	require.NoError(t, err)
	defer func() { require.NoError(t, db.Close()) }()

	stored := map[string]int{} // event id -> n
	rows, err := db.Query(ctx, "SELECT id, body FROM events WHERE source = $1", killSource)
	require.NoError(t, err)
	for rows.Next() {
		var id, body string
		require.NoError(t, rows.Scan(&id, &body))
		var ev struct {
			Detail struct{ N int } `json:"detail"`
		}
		require.NoError(t, json.Unmarshal([]byte(body), &ev), "event %s: %s", id, body)
		stored[id] = ev.Detail.N
	}
	require.NoError(t, rows.Err())
	_ = rows.Close()

	// River keeps SQLite's JSON columns as JSONB.
	cols := "args::text, state, attempt, COALESCE(attempted_at::text, ''), COALESCE(attempted_by::text, '')"
	if d == store.SQLite {
		cols = "json(args), state, attempt, COALESCE(CAST(attempted_at AS TEXT), ''), COALESCE(json(attempted_by), '')"
	}
	type job struct {
		id          int64
		state       string
		attempt     int
		attemptedAt string
		attemptedBy string
	}
	jobs := map[string][]job{} // event id -> its delivery jobs
	byState := map[string]int{}
	// Jobs not completed, described: those whose event the target never
	// got first, then those not left running by the killed process.
	var undelivered, other, pending []string
	rows, err = db.Query(ctx, "SELECT id, "+cols+" FROM river_job WHERE kind = $1 ORDER BY id", "rule.deliver")
	require.NoError(t, err)
	for rows.Next() {
		var j job
		var a string
		require.NoError(t, rows.Scan(&j.id, &a, &j.state, &j.attempt, &j.attemptedAt, &j.attemptedBy))
		var da struct {
			EventID string `json:"event_id"`
			Rule    string `json:"rule"`
		}
		require.NoError(t, json.Unmarshal([]byte(a), &da), "job args %s", a)
		require.Equal(t, killRule, da.Rule)
		jobs[da.EventID] = append(jobs[da.EventID], j)
		byState[j.state]++
		if j.state != "completed" {
			n, outcome := -1, "not stored"
			if sn, ok := stored[da.EventID]; ok {
				n, outcome = sn, entries[sn].outcome.String()
			}
			line := fmt.Sprintf("job %d %s (attempt %d at %s by %s) for event %d (%s, %s): delivered %d times",
				j.id, j.state, j.attempt, j.attemptedAt, j.attemptedBy, n, da.EventID, outcome, got.byID[da.EventID].count)
			switch {
			case got.byID[da.EventID].count == 0:
				undelivered = append(undelivered, line)
			case j.state != "running":
				other = append(other, line)
			default:
				pending = append(pending, line)
			}
		}
	}
	require.NoError(t, rows.Err())
	_ = rows.Close()

	states := make([]string, 0, len(byState))
	for s, c := range byState {
		states = append(states, fmt.Sprintf("%s %d", s, c))
	}
	sort.Strings(states)
	t.Logf("database: %d events stored, %d delivery jobs (%s)", len(stored), len(jobs), strings.Join(states, ", "))
	pending = slices.Concat(undelivered, other, pending)
	for i, p := range pending {
		if i == 20 {
			t.Logf("... %d jobs not completed in all", len(pending))
			break
		}
		t.Logf("not completed: %s", p)
	}

	errs := 0
	for id, n := range stored {
		want := 0
		if entries[n].match {
			want = 1
		}
		if nj := len(jobs[id]); nj != want && errs < 10 {
			errs++
			t.Errorf("stored event %d (%s, match=%t) has %d delivery jobs, want %d", n, id, entries[n].match, nj, want)
		}
	}
	for id := range jobs {
		if _, ok := stored[id]; !ok && errs < 10 {
			errs++
			t.Errorf("delivery job for event %s, which is not stored", id)
		}
	}
}

// firstKeys returns up to limit keys of m, sorted.
func firstKeys(m map[string]int, limit int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) > limit {
		keys = keys[:limit]
	}
	return keys
}

//go:build unix

package ingest_test

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
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
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
	"github.com/firstline/firstline/internal/server/servertest"
	"github.com/firstline/firstline/internal/store"
	"github.com/firstline/firstline/internal/store/storetest"
)

// Parameters of TestCrashDuringAlertmanagerPosts.
const (
	amPosts   = 10_000
	amSenders = 64
	amSource  = "alertmanager"
	amHook    = "crash-alertmanager"
	amRule    = "crash-alertmanager"
	amToken   = "crash-hook-token-0123456789abcdef"
	// amFixture is the webhook body Alertmanager sent (one firing alert),
	// relative to the module root.
	amFixture = "testdata/fixtures/alertmanager/webhook-v4-firing.json"
	// amDeliveryTimeout bounds the wait, after the last post, for every
	// acknowledged alert to reach the rule's target.
	amDeliveryTimeout = 40 * time.Second
	// amSeedEnv replays a run: the seed fixes the kill moment.
	amSeedEnv = "FIRSTLINE_AM_CRASH_SEED"
)

// amMarkerRE finds the marker of a post in a stored or delivered event.
var amMarkerRE = regexp.MustCompile(`am-crash-[0-9]{5}`)

// TestCrashDuringAlertmanagerPosts proves that an acknowledged hook post is
// durable, stored exactly once and delivered at least once, and that a
// reported failure is a real failure, across a crash of the server process.
//
// It builds the real binary and runs `firstline serve` as a child process
// (as the crash test of package server and the kill test of package rule
// do), applies a Hook of Type alertmanager with a Bearer token and a Rule
// sending every alertmanager event to an Http target in this process that
// records each delivery by its X-Firstline-Event-Id. 64 senders share
// 10,000 posts of the real Alertmanager webhook fixture (one firing alert),
// each alert carrying a label marker=am-crash-NNNNN never sent before (and
// a fingerprint of its own, as a new label set has). At a random point
// between 20% and 70% of the posts the child is SIGKILLed in the middle of
// the load, then restarted on the same data directory and database (on a
// new port), and the remaining posts go to it. Each post is classified by
// what its sender saw:
//
//   - acknowledged: 200 with exactly one EventId;
//   - failed: an error status other than 503 (the hook's "commit outcome
//     unknown" answer);
//   - unknown: no complete response (connection reset or refused, EOF), or
//     503: the sender cannot know, and never resends that marker.
//
// The test waits until every acknowledged alert reached the target (up to
// a deadline), lists the alertmanager events through the API (all pages),
// stops the server with SIGTERM (exit status 0) and reads the database; the
// two views must agree, and:
//
//   - every acknowledged post's alert is stored exactly once, under the
//     EventId the hook returned;
//   - no failed post and no refused post is stored; every stored event is
//     an acknowledged or unknown post's, each marker once;
//   - every acknowledged alert was delivered at least once under its
//     EventId; every delivery names a stored event (header and body id
//     agree); deduplicated by id, deliveries are the acknowledged alerts
//     plus some unknown ones. Duplicates are allowed and counted.
func TestCrashDuringAlertmanagerPosts(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test: builds the binary, posts 10,000 Alertmanager webhooks and kills the server; skipped with -short")
	}
	// Sequential on purpose: the load would disturb timing-sensitive tests,
	// and the leak check below must only see this test's goroutines.
	t.Cleanup(func() { goleak.VerifyNone(t, goleak.IgnoreCurrent()) })

	root, bin := buildAMBinary(t)
	fixture, err := os.ReadFile(filepath.Join(root, amFixture))
	require.NoError(t, err)
	storetest.Run(t, func(t *testing.T, d store.Dialect) {
		crashDuringAlertmanagerPosts(t, bin, fixture, d)
	})
}

// buildAMBinary builds cmd/firstline into a temporary directory and returns
// the module root and the binary.
func buildAMBinary(t *testing.T) (root, bin string) {
	t.Helper()
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	require.NoError(t, err)
	root = filepath.Dir(strings.TrimSpace(string(gomod)))
	bin = filepath.Join(t.TempDir(), "firstline")
	build := exec.Command("go", "build", "-o", bin, "./cmd/firstline")
	build.Dir = root
	out, err := build.CombinedOutput()
	require.NoError(t, err, "go build ./cmd/firstline:\n%s", out)
	return root, bin
}

// amOutcome is what a sender knows about one post.
type amOutcome int

const (
	amNotSent amOutcome = iota // only if the test aborted
	amAcked
	amFailed
	amUnknown
)

func (o amOutcome) String() string {
	return [...]string{"not sent", "acknowledged", "failed", "unknown"}[o]
}

// amPost is one hook post and what its sender saw.
type amPost struct {
	marker   string
	outcome  amOutcome
	id       string // the EventId, if acknowledged
	gen      int    // server generation the post was sent to (1 or 2)
	refused  bool   // transport error was "connection refused": nothing sent
	detail   string // status or error, for the log
	protocol string // a response that breaks the hook contract
}

// amBody returns the fixture with marker as a label of its one alert (and
// of the group's common labels, as Alertmanager would send it) and a
// fingerprint derived from n.
func amBody(t *testing.T, fixture []byte, marker string, n int) []byte {
	var msg map[string]any
	require.NoError(t, json.Unmarshal(fixture, &msg))
	alerts, ok := msg["alerts"].([]any)
	require.True(t, ok && len(alerts) == 1, "fixture must hold one alert")
	alert := alerts[0].(map[string]any)
	alert["labels"].(map[string]any)["marker"] = marker
	alert["fingerprint"] = fmt.Sprintf("%016x", uint64(n)*0x9e3779b97f4a7c15)
	if cl, ok := msg["commonLabels"].(map[string]any); ok {
		cl["marker"] = marker
	}
	b, err := json.Marshal(msg)
	require.NoError(t, err)
	return b
}

func crashDuringAlertmanagerPosts(t *testing.T, bin string, fixture []byte, d store.Dialect) {
	seed := rand.Uint64()
	if s := os.Getenv(amSeedEnv); s != "" {
		var err error
		seed, err = strconv.ParseUint(s, 10, 64)
		require.NoError(t, err, amSeedEnv)
	}
	t.Logf("seed %d (replay with %s=%d)", seed, amSeedEnv, seed)
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	killAt := int64(amPosts/5 + rng.IntN(amPosts/2+1)) // 20%..70% of the posts completed

	posts := make([]amPost, amPosts)
	bodies := make([][]byte, amPosts)
	for n := range posts {
		posts[n].marker = fmt.Sprintf("am-crash-%05d", n)
		bodies[n] = amBody(t, fixture, posts[n].marker, n)
	}

	// The child's output, shown if the test fails. Registered first so it
	// runs after the cleanups that kill the children.
	logs := &servertest.Logs{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("firstline output:\n%s", logs.String())
		}
	})

	tg := newAMTarget(t)

	work := t.TempDir()
	dataDir := filepath.Join(work, "data")
	args := []string{"serve", "--listen", "127.0.0.1:0", "--data-dir", dataDir, "--log-level", "warn", "--delivery-retry-base", "50ms"}
	dsn := "sqlite://" + filepath.Join(dataDir, "firstline.db")
	if d == store.Postgres {
		dsn = storetest.DSN(t, d)
		args = append(args, "--database", dsn)
	}

	tr := &http.Transport{MaxIdleConnsPerHost: amSenders, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}

	begin := time.Now()
	srv := servertest.StartChild(t, bin, work, args, logs, client, "start 1")
	tokenBytes, err := os.ReadFile(filepath.Join(dataDir, "admin-token"))
	require.NoError(t, err)
	token := strings.TrimSpace(string(tokenBytes))

	putAMResource(t, client, srv.URL, token, "Hook/"+amHook, map[string]any{
		"Type": "alertmanager",
		"Auth": map[string]any{"Bearer": amToken},
	})
	putAMResource(t, client, srv.URL, token, "Rule/"+amRule, map[string]any{
		"Description":  "crash test: every alertmanager event to the test target",
		"State":        "ENABLED",
		"EventPattern": map[string]any{"source": []string{amSource}},
		"Targets": []any{map[string]any{
			"Id":          "t",
			"Http":        map[string]any{"Endpoint": tg.URL + "/deliver"},
			"RetryPolicy": map[string]any{"MaximumRetryAttempts": 185},
		}},
	})

	g := servertest.NewGate()
	g.Up(srv.URL)

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	// Stops the senders on any exit, including a failed require.
	defer func() {
		cancel()
		wg.Wait()
	}()
	var next, completed, inFlight atomic.Int64
	killNow := make(chan struct{})
	for range amSenders {
		wg.Go(func() {
			for {
				n := next.Add(1)
				if n > amPosts {
					return
				}
				base, gen, ok := g.Wait(ctx)
				if !ok {
					return
				}
				p := &posts[n-1]
				p.gen = gen
				inFlight.Add(1)
				postAM(ctx, client, base, p, bodies[n-1])
				inFlight.Add(-1)
				if completed.Add(1) == killAt {
					close(killNow)
				}
			}
		})
	}
	sendersDone := make(chan struct{})
	go func() {
		wg.Wait()
		close(sendersDone)
	}()

	select {
	case <-killNow:
	case <-sendersDone:
		require.FailNow(t, "the senders finished before the kill point")
	case <-time.After(2 * time.Minute):
		require.FailNow(t, "timed out waiting for the kill point", "completed %d of %d posts", completed.Load(), amPosts)
	}
	atKill := inFlight.Load()
	require.NoError(t, srv.Cmd.Process.Signal(syscall.SIGKILL))
	g.Down() // senders that find the server gone wait for the restart
	st := srv.Wait(t, 30*time.Second)
	ws, ok := st.Sys().(syscall.WaitStatus)
	require.True(t, ok)
	require.True(t, ws.Signaled() && ws.Signal() == syscall.SIGKILL, "child did not die of SIGKILL: %v", st)
	deliveredAtKill, _ := tg.counts()
	t.Logf("SIGKILL after %d completed posts (%d in flight); the target had %d deliveries", killAt, atKill, deliveredAtKill)

	srv = servertest.StartChild(t, bin, work, args, logs, client, "start 2 (after SIGKILL)")
	g.Up(srv.URL)

	select {
	case <-sendersDone:
	case <-time.After(2 * time.Minute):
		require.FailNow(t, "timed out waiting for the senders", "completed %d of %d posts", completed.Load(), amPosts)
	}
	loadTime := time.Since(begin)
	tr.CloseIdleConnections()

	// Every acknowledged alert must reach the target.
	want := map[string]string{} // EventId -> marker
	for i := range posts {
		if p := &posts[i]; p.outcome == amAcked {
			want[p.id] = p.marker
		}
	}
	waitStart := time.Now()
	missing := tg.waitFor(want, amDeliveryTimeout)
	waitTime := time.Since(waitStart)
	if len(missing) > 0 {
		t.Errorf("%d of %d acknowledged alerts were not delivered within %s of the last post, e.g. %v",
			len(missing), len(want), amDeliveryTimeout, firstAMKeys(missing, 10))
	}

	// Read back through the API, then stop the server and read the database.
	viaAPI := listAMEvents(t, client, srv.URL, token)
	tr.CloseIdleConnections()
	require.NoError(t, srv.Cmd.Process.Signal(syscall.SIGTERM))
	st = srv.Wait(t, 60*time.Second)
	require.True(t, st.Success(), "SIGTERM must stop the server with exit status 0: %v", st)
	viaDB := scanAMEvents(t, dsn)
	require.Equal(t, sortedAMEvents(viaDB), sortedAMEvents(viaAPI), "the API lists exactly what the database holds")

	t.Logf("posts with kill and restart took %s; waiting for deliveries %s; total with SIGTERM %s",
		loadTime.Round(time.Millisecond), waitTime.Round(time.Millisecond), time.Since(begin).Round(time.Millisecond))

	verifyAMStored(t, posts, viaDB)
	verifyAMDeliveries(t, posts, viaDB, tg.snapshot())
}

// putAMResource applies a resource (kindName is "Kind/name") through the
// API.
func putAMResource(t *testing.T, client *http.Client, base, token, kindName string, spec any) {
	t.Helper()
	body, err := json.Marshal(spec)
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPut, base+"/api/v1/resources/"+kindName, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	require.NoError(t, err)
	b, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	require.NoError(t, err)
	require.Contains(t, []int{http.StatusOK, http.StatusCreated}, resp.StatusCode, "apply %s: %s", kindName, b)
}

// postAM sends one hook post and records what came back. It never retries:
// an unknown or failed post's marker is not sent again. (net/http itself
// resends a POST only when nothing of it was written.)
func postAM(ctx context.Context, client *http.Client, base string, p *amPost, body []byte) {
	unknown := func(err error) {
		p.outcome = amUnknown
		p.refused = errors.Is(err, syscall.ECONNREFUSED)
		p.detail = err.Error()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/hooks/"+amHook, bytes.NewReader(body))
	if err != nil {
		p.protocol = err.Error()
		return
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Alertmanager/0.27.0")
	req.Header.Set("Authorization", "Bearer "+amToken)
	resp, err := client.Do(req)
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
	p.detail = fmt.Sprintf("%s: %s", resp.Status, bytes.TrimSpace(b))
	switch {
	case resp.StatusCode == http.StatusOK:
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		p.protocol = fmt.Sprintf("hook answered %s: %s", resp.Status, b)
		return
	case resp.StatusCode == http.StatusServiceUnavailable:
		// "The commit outcome is unknown; the events may or may not be
		// stored."
		p.outcome = amUnknown
		return
	default:
		p.outcome = amFailed
		return
	}
	var out struct {
		EventIds []string //nolint:revive // response field name
	}
	if err := json.Unmarshal(b, &out); err != nil {
		p.protocol = fmt.Sprintf("200 with a body that is not a hook response (%v): %s", err, b)
		return
	}
	if len(out.EventIds) != 1 || out.EventIds[0] == "" {
		p.protocol = fmt.Sprintf("one alert posted, 200 with EventIds %q", out.EventIds)
		return
	}
	p.outcome, p.id = amAcked, out.EventIds[0]
	p.detail = resp.Status
}

// amStored is an event read back: its id and the marker it carries.
type amStored struct{ ID, Marker string }

func sortedAMEvents(evs []amStored) []amStored {
	out := append([]amStored(nil), evs...)
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// amMarkerOf returns the one marker in an event's JSON ("" if it has none
// or several different ones).
func amMarkerOf(b []byte) string {
	var m string
	for _, found := range amMarkerRE.FindAll(b, -1) {
		switch {
		case m == "":
			m = string(found)
		case m != string(found):
			return ""
		}
	}
	return m
}

func storedAM(t *testing.T, id string, body []byte) amStored {
	t.Helper()
	m := amMarkerOf(body)
	require.NotEmpty(t, m, "event %s carries no single marker: %.500s", id, body)
	return amStored{ID: id, Marker: m}
}

// listAMEvents lists every alertmanager event through the API, following
// NextToken.
func listAMEvents(t *testing.T, client *http.Client, base, token string) []amStored {
	t.Helper()
	var out []amStored
	next := ""
	for page := 0; ; page++ {
		require.Less(t, page, 100, "too many pages")
		q := url.Values{"source": {amSource}, "limit": {"1000"}}
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
			require.Equal(t, amSource, ev.Source)
			eb, err := json.Marshal(ev)
			require.NoError(t, err)
			out = append(out, storedAM(t, ev.ID, eb))
		}
		if list.NextToken == "" {
			return out
		}
		next = list.NextToken
	}
}

// scanAMEvents reads every alertmanager event straight from the database.
func scanAMEvents(t *testing.T, dsn string) []amStored {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, store.Config{DSN: dsn})
	require.NoError(t, err)
	defer func() { require.NoError(t, db.Close()) }()
	rows, err := db.Query(ctx, "SELECT id, body FROM events WHERE source = $1", amSource)
	require.NoError(t, err)
	defer func() { _ = rows.Close() }()
	var out []amStored
	for rows.Next() {
		var id, body string
		require.NoError(t, rows.Scan(&id, &body))
		var ev struct {
			ID string `json:"id"`
		}
		require.NoError(t, json.Unmarshal([]byte(body), &ev), "event %s: %s", id, body)
		require.Equal(t, id, ev.ID, "id column and body disagree")
		out = append(out, storedAM(t, id, []byte(body)))
	}
	require.NoError(t, rows.Err())
	return out
}

// amReport counts problems and reports the first 20.
type amReport struct {
	t    *testing.T
	errs int
}

func (r *amReport) add(format string, args ...any) {
	r.t.Helper()
	r.errs++
	if r.errs <= 20 {
		r.t.Errorf(format, args...)
	}
}

func (r *amReport) done() {
	if r.errs > 20 {
		r.t.Errorf("... %d problems in all", r.errs)
	}
}

// verifyAMStored checks the stored events against what the senders saw.
func verifyAMStored(t *testing.T, posts []amPost, stored []amStored) {
	t.Helper()
	byMarker := make(map[string]*amPost, len(posts))
	var acked, failed, unknown, unavailable, refused, protocol int
	var ackedGen [3]int
	var failures []string
	for i := range posts {
		p := &posts[i]
		byMarker[p.marker] = p
		if p.protocol != "" {
			protocol++
			if protocol <= 10 {
				t.Errorf("post %d broke the hook contract: %s", i, p.protocol)
			}
		}
		switch p.outcome {
		case amAcked:
			acked++
			ackedGen[p.gen]++
		case amFailed:
			failed++
		case amUnknown:
			unknown++
			if p.refused {
				refused++
			}
			if strings.HasPrefix(p.detail, "503") {
				unavailable++
			}
		case amNotSent:
			if p.protocol == "" {
				t.Errorf("post %d (%s) has no outcome", i, p.marker)
			}
		}
		if (p.outcome == amFailed || p.protocol != "") && len(failures) < 10 {
			failures = append(failures, fmt.Sprintf("post %d to server %d: %s", i, p.gen, p.detail))
		}
	}

	storedByMarker := map[string][]string{}
	idCount := map[string]int{}
	for _, ev := range stored {
		storedByMarker[ev.Marker] = append(storedByMarker[ev.Marker], ev.ID)
		idCount[ev.ID]++
	}
	rep := &amReport{t: t}
	for id, n := range idCount {
		if n != 1 {
			rep.add("EventId %s is stored %d times", id, n)
		}
	}
	storedUnknown := 0
	for m, ids := range storedByMarker {
		p, ok := byMarker[m]
		switch {
		case !ok:
			rep.add("stored marker %q was never sent (ids %v)", m, ids)
		case len(ids) != 1:
			rep.add("marker %q (%v) is stored %d times: %v", m, p.outcome, len(ids), ids)
		case p.outcome == amFailed:
			rep.add("marker %q was reported as failed (%s) but is stored as %s", m, p.detail, ids[0])
		case p.outcome == amUnknown && p.refused:
			rep.add("marker %q got connection refused, so was never sent, but is stored as %s", m, ids[0])
		case p.outcome == amUnknown:
			storedUnknown++
		case p.outcome == amAcked && ids[0] != p.id:
			rep.add("marker %q was acknowledged as %s but is stored as %s", m, p.id, ids[0])
		case p.outcome == amNotSent:
			rep.add("marker %q was never sent but is stored as %s", m, ids[0])
		}
	}
	for m, p := range byMarker {
		if p.outcome == amAcked && len(storedByMarker[m]) == 0 {
			rep.add("marker %q was acknowledged as %s (server %d) but is not stored", m, p.id, p.gen)
		}
	}
	rep.done()
	require.Equal(t, acked+storedUnknown, len(stored), "stored = acknowledged + the unknown posts that were committed")

	t.Logf("posts: %d sent, %d acknowledged (%d before the kill, %d after), %d failed, %d unknown (%d connection refused, %d answered 503), %d protocol errors; stored %d = %d acknowledged + %d unknown",
		len(posts), acked, ackedGen[1], ackedGen[2], failed, unknown, refused, unavailable, protocol, len(stored), acked, storedUnknown)
	for _, f := range failures {
		t.Logf("failed: %s", f)
	}
	require.Positive(t, ackedGen[1], "no post was acknowledged before the kill")
	require.Positive(t, ackedGen[2], "no post was acknowledged after the restart")
	require.Zero(t, protocol, "responses that break the hook contract")
}

// verifyAMDeliveries checks what the target received against what the
// senders saw and what is stored.
func verifyAMDeliveries(t *testing.T, posts []amPost, stored []amStored, got amReceived) {
	t.Helper()
	for i, p := range got.problems {
		if i < 10 {
			t.Errorf("bad delivery: %s", p)
		}
	}
	require.Empty(t, got.problems, "deliveries that break the contract (header and body id must agree)")

	storedID := make(map[string]string, len(stored)) // id -> marker
	for _, ev := range stored {
		storedID[ev.ID] = ev.Marker
	}
	byMarker := make(map[string]*amPost, len(posts))
	ackedCount := 0
	for i := range posts {
		byMarker[posts[i].marker] = &posts[i]
		if posts[i].outcome == amAcked {
			ackedCount++
		}
	}
	rep := &amReport{t: t}
	idsByMarker := map[string][]string{}
	duplicates, duplicatedIDs, deliveredUnknown := 0, 0, 0
	for id, dl := range got.byID {
		if dl.count > 1 {
			duplicates += dl.count - 1
			duplicatedIDs++
		}
		idsByMarker[dl.marker] = append(idsByMarker[dl.marker], id)
		p := byMarker[dl.marker]
		switch {
		case p == nil:
			rep.add("event %s with marker %q was never sent", id, dl.marker)
		case storedID[id] != dl.marker:
			rep.add("event %s (%s) was delivered but is not stored under that id", id, dl.marker)
		case p.outcome == amFailed:
			rep.add("post %s was reported as failed (%s) but was delivered as %s", dl.marker, p.detail, id)
		case p.outcome == amUnknown && p.refused:
			rep.add("post %s got connection refused, so was never sent, but was delivered as %s", dl.marker, id)
		case p.outcome == amUnknown:
			deliveredUnknown++
		case p.outcome == amAcked && p.id != id:
			rep.add("post %s was acknowledged as %s but delivered as %s", dl.marker, p.id, id)
		case p.outcome == amNotSent:
			rep.add("post %s was never sent but was delivered as %s", dl.marker, id)
		}
	}
	for m, ids := range idsByMarker {
		if len(ids) > 1 {
			sort.Strings(ids)
			rep.add("alert %s was delivered under %d ids %v: it was stored more than once", m, len(ids), ids)
		}
	}
	undelivered := 0
	for i := range posts {
		if p := &posts[i]; p.outcome == amAcked {
			if _, ok := got.byID[p.id]; !ok {
				undelivered++
				if undelivered <= 10 {
					t.Errorf("acknowledged alert %s (%s, posted to server %d) was never delivered", p.marker, p.id, p.gen)
				}
			}
		}
	}
	rep.done()
	t.Logf("target: %d deliveries of %d distinct ids = %d acknowledged + %d unknown; %d duplicate deliveries (%d ids delivered more than once)",
		got.total, len(got.byID), ackedCount-undelivered, deliveredUnknown, duplicates, duplicatedIDs)
	require.Zero(t, undelivered, "acknowledged alerts never delivered")
	require.Equal(t, ackedCount+deliveredUnknown, len(got.byID), "distinct ids delivered = acknowledged + delivered unknown")
	require.Equal(t, got.total, len(got.byID)+duplicates)
}

// amDelivery is what the target knows about one event id it received.
type amDelivery struct {
	count  int
	marker string
}

// amTarget is the rule's Http target: it records every delivery by the
// event id and answers 200, as a deduplicating webhook would.
type amTarget struct {
	*httptest.Server
	mu       sync.Mutex
	byID     map[string]*amDelivery
	total    int
	problems []string
	notify   chan struct{} // signalled after every delivery
}

func newAMTarget(t *testing.T) *amTarget {
	tg := &amTarget{byID: map[string]*amDelivery{}, notify: make(chan struct{}, 1)}
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
		}
		headerID := r.Header.Get("X-Firstline-Event-Id")
		marker := amMarkerOf(b)
		problem := ""
		switch err := json.Unmarshal(b, &ev); {
		case err != nil:
			problem = fmt.Sprintf("body is not an event (%v): %.200s", err, b)
		case r.Method != http.MethodPost || r.URL.Path != "/deliver":
			problem = fmt.Sprintf("%s %s, want POST /deliver", r.Method, r.URL.Path)
		case ev.ID == "" || headerID != ev.ID:
			problem = fmt.Sprintf("X-Firstline-Event-Id %q but body id %q", headerID, ev.ID)
		case ev.Source != amSource:
			problem = fmt.Sprintf("event %s has source %q", ev.ID, ev.Source)
		case marker == "":
			problem = fmt.Sprintf("event %s carries no single marker: %.300s", ev.ID, b)
		case r.Header.Get("X-Firstline-Rule") != amRule:
			problem = fmt.Sprintf("event %s: X-Firstline-Rule %q, want %q", ev.ID, r.Header.Get("X-Firstline-Rule"), amRule)
		}
		tg.mu.Lock()
		tg.total++
		if problem != "" {
			tg.problems = append(tg.problems, problem)
		} else {
			dl := tg.byID[ev.ID]
			if dl == nil {
				dl = &amDelivery{marker: marker}
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
func (tg *amTarget) counts() (total, distinct int) {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	return tg.total, len(tg.byID)
}

// waitFor waits until every id of want was received, or timeout passed; it
// returns the ids still missing.
func (tg *amTarget) waitFor(want map[string]string, timeout time.Duration) map[string]string {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	missing := make(map[string]string, len(want))
	for id, m := range want {
		missing[id] = m
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

// amReceived is a copy of what the target received.
type amReceived struct {
	byID     map[string]amDelivery
	total    int
	problems []string
}

func (tg *amTarget) snapshot() amReceived {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	out := amReceived{byID: make(map[string]amDelivery, len(tg.byID)), total: tg.total, problems: append([]string(nil), tg.problems...)}
	for id, dl := range tg.byID {
		out.byID[id] = *dl
	}
	return out
}

// firstAMKeys returns up to limit keys of m, sorted.
func firstAMKeys(m map[string]string, limit int) []string {
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

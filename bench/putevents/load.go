package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/firstline/firstline/internal/event"
	"github.com/firstline/firstline/internal/server"
	"github.com/firstline/firstline/internal/store"
)

// result is one measured scenario.
type result struct {
	db, name string
	floor    string          // "bare" or "commits" when the row is a floor
	want     int             // operations asked for
	lat      []time.Duration // latency of every successful measured operation
	perOp    int             // events (rows) per operation
	errs     int
	firstErr error
	elapsed  time.Duration
	cpu      time.Duration  // user+system CPU time of this process while measuring
	cut      bool           // stopped by -duration-limit before want operations
	dl       *deliveryStats // set on put → delivered rows
}

func (r *result) ops() int { return len(r.lat) }

func (r *result) rate() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.ops()) / r.elapsed.Seconds()
}

// cpuPerOp returns this process's CPU time per operation (client and
// in-process servers together; not PostgreSQL's).
func (r *result) cpuPerOp() time.Duration {
	if r.ops() == 0 {
		return 0
	}
	return r.cpu / time.Duration(r.ops())
}

// processCPU returns the user+system CPU time this process used so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// pct returns the p-th percentile (0 < p <= 100) by the nearest-rank method.
func (r *result) pct(p float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	rank := int(float64(len(r.lat))*p/100+0.999999) - 1
	return r.lat[min(max(rank, 0), len(r.lat)-1)]
}

// maxErrors stops a scenario early: past this many failures the numbers
// mean nothing and the run is an error anyway.
const maxErrors = 100

// run calls op from workers goroutines until n operations are done, limit
// elapses or ctx ends. Each call's latency is recorded; label names the
// scenario in progress lines (none when label is "").
func run(ctx context.Context, label string, workers, n int, limit time.Duration, op func(ctx context.Context, i int) error) *result {
	r := &result{want: n}
	lat := make([]time.Duration, n)
	ok := make([]bool, n)
	var next, done, failed atomic.Int64
	var errOnce sync.Once
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	cpu0 := processCPU()
	start := time.Now()
	deadline := start.Add(limit)
	stopProgress := make(chan struct{})
	var progress sync.WaitGroup
	if label != "" {
		progress.Go(func() {
			t := time.NewTicker(2 * time.Second)
			defer t.Stop()
			for {
				select {
				case <-stopProgress:
					return
				case <-t.C:
					d := done.Load()
					fmt.Fprintf(os.Stderr, "  %s: %d/%d done, %.0f/s, %d errors\n", label, d, n, float64(d)/time.Since(start).Seconds(), failed.Load())
				}
			}
		})
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n || time.Now().After(deadline) {
					return
				}
				t0 := time.Now()
				err := op(ctx, i)
				lat[i] = time.Since(t0)
				if err != nil {
					if ctx.Err() != nil {
						return
					}
					errOnce.Do(func() { r.firstErr = err })
					if failed.Add(1) >= maxErrors {
						cancel()
					}
				} else {
					ok[i] = true
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
	r.elapsed = time.Since(start)
	r.cpu = processCPU() - cpu0
	close(stopProgress)
	progress.Wait()

	for i, d := range lat {
		if ok[i] {
			r.lat = append(r.lat, d)
		}
	}
	slices.Sort(r.lat)
	r.errs = int(failed.Load())
	r.cut = int(done.Load()) < n && r.errs < maxErrors
	if err := context.Cause(ctx); err != nil && r.firstErr == nil && r.errs < maxErrors {
		r.firstErr = err
	}
	return r
}

// warmup runs op briefly without measuring: enough calls to open every
// connection and fill caches, at most a few seconds. It returns how many
// calls it made.
func warmup(ctx context.Context, workers, n int, op func(ctx context.Context, i int) error) (int, error) {
	w := min(max(workers*4, n/20), 2000)
	r := run(ctx, "", workers, w, 3*time.Second, op)
	if r.errs > 0 {
		return 0, fmt.Errorf("warm-up: %d of %d calls failed, first: %w", r.errs, w, r.firstErr)
	}
	return r.ops(), ctx.Err()
}

// --- HTTP client and bodies -------------------------------------------------

func newClient(senders int) *http.Client {
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        0, // no overall limit
		MaxIdleConnsPerHost: max(senders*2, 64),
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
	}
	return &http.Client{Transport: tr, Timeout: 60 * time.Second}
}

// makeBodies returns count distinct PutEvents request bodies of entries
// entries each: CloudWatch alarm state changes with a Detail of about 500
// bytes and one resource ARN. It also returns the first entry's Detail.
func makeBodies(count, entries int) ([][]byte, []byte, error) {
	type metric struct {
		Namespace  string            `json:"namespace"`
		Name       string            `json:"name"`
		Dimensions map[string]string `json:"dimensions"`
	}
	type state struct {
		Value     string `json:"value"`
		Reason    string `json:"reason"`
		Timestamp string `json:"timestamp"`
	}
	type detail struct {
		AlarmName     string `json:"alarmName"`
		State         state  `json:"state"`
		PreviousState state  `json:"previousState"`
		Configuration struct {
			Metrics []struct {
				ID         string `json:"id"`
				MetricStat struct {
					Metric metric `json:"metric"`
					Period int    `json:"period"`
					Stat   string `json:"stat"`
				} `json:"metricStat"`
				ReturnData bool `json:"returnData"`
			} `json:"metrics"`
		} `json:"configuration"`
	}
	type entry struct {
		Source     string   `json:"Source"`
		DetailType string   `json:"DetailType"`
		Detail     string   `json:"Detail"`
		Resources  []string `json:"Resources"`
	}
	bodies := make([][]byte, count)
	var first []byte
	for b := range count {
		var req struct {
			Entries []entry `json:"Entries"`
		}
		for e := range entries {
			n := b*entries + e
			name := fmt.Sprintf("prod-api-p99-latency-high-%04d", n)
			ts := time.Date(2026, 1, 2, 15, 4, n%60, 0, time.UTC).Format("2006-01-02T15:04:05.000+0000")
			var d detail
			d.AlarmName = name
			d.State = state{"ALARM", fmt.Sprintf("Threshold Crossed: 1 datapoint [%d.5] > 500.0 (p99 TargetResponseTime, ms).", 600+n%400), ts}
			d.PreviousState = state{"OK", "Threshold Crossed: no breach.", ts}
			d.Configuration.Metrics = make([]struct {
				ID         string `json:"id"`
				MetricStat struct {
					Metric metric `json:"metric"`
					Period int    `json:"period"`
					Stat   string `json:"stat"`
				} `json:"metricStat"`
				ReturnData bool `json:"returnData"`
			}, 1)
			m := &d.Configuration.Metrics[0]
			m.ID = "m1"
			m.MetricStat.Metric = metric{"AWS/ApplicationELB", "TargetResponseTime", map[string]string{"LoadBalancer": "app/prod-api/50dc6c495c0c9188"}}
			m.MetricStat.Period = 60
			m.MetricStat.Stat = "p99"
			m.ReturnData = true
			dj, err := json.Marshal(d)
			if err != nil {
				return nil, nil, err
			}
			if first == nil {
				first = dj
			}
			req.Entries = append(req.Entries, entry{
				Source: "aws.cloudwatch", DetailType: "CloudWatch Alarm State Change", Detail: string(dj),
				Resources: []string{"arn:aws:cloudwatch:us-east-1:123456789012:alarm:" + name},
			})
		}
		j, err := json.Marshal(req)
		if err != nil {
			return nil, nil, err
		}
		bodies[b] = j
	}
	return bodies, first, nil
}

// putEventsResponse is the part of the response every call checks (the bare
// handler answers in the same shape, so both pay the same decoding).
type putEventsResponse struct {
	FailedEntryCount int               `json:"FailedEntryCount"`
	Entries          []json.RawMessage `json:"Entries"`
}

// post sends one PutEvents call and reads the whole response.
func post(ctx context.Context, c *http.Client, url, token string, body []byte, entries int) error {
	_, err := postResponse(ctx, c, url, token, body, entries)
	return err
}

// postResponse sends one PutEvents call, reads the whole response and
// returns it once checked.
func postResponse(ctx context.Context, c *http.Client, url, token string, body []byte, entries int) (*putEventsResponse, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("read response: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %d: %.300s", resp.StatusCode, b)
	}
	var pr putEventsResponse
	if err := json.Unmarshal(b, &pr); err != nil {
		return nil, fmt.Errorf("decode response: %w: %.300s", err, b)
	}
	if pr.FailedEntryCount != 0 || len(pr.Entries) != entries {
		return nil, fmt.Errorf("%d of %d entries failed: %.300s", pr.FailedEntryCount, len(pr.Entries), b)
	}
	return &pr, nil
}

// --- servers -----------------------------------------------------------------

// bareServer is the floor: a loopback HTTP server whose handler only reads
// the body and answers a PutEvents-shaped 200.
type bareServer struct {
	srv *http.Server
	url string
}

func startBare(entries int) (*bareServer, error) {
	var resp putEventsResponse
	for range entries {
		resp.Entries = append(resp.Entries, json.RawMessage(`{"EventId":"`+uuid.NewString()+`"}`))
	}
	answer, err := json.Marshal(resp)
	if err != nil {
		return nil, err
	}
	answer = append(answer, '\n')
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(answer)
	})
	s := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.Serve(ln) }()
	return &bareServer{srv: s, url: "http://" + ln.Addr().String() + "/api/v1/events"}, nil
}

func (b *bareServer) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = b.srv.Shutdown(ctx)
}

// firstline is an in-process firstline server.
type firstline struct {
	srv   *server.Server
	token string
}

// startFirstline starts firstline on 127.0.0.1:0 with dataDir and database
// ("" for SQLite in dataDir), logging warnings and errors to stderr.
func startFirstline(ctx context.Context, dataDir, database string) (*firstline, error) {
	cfg := server.Defaults()
	cfg.Listen = "127.0.0.1:0"
	cfg.DataDir = dataDir
	cfg.Database = database
	cfg.LogLevel = "warn"
	srv, err := server.New(cfg, server.NewLogger(cfg, os.Stderr), io.Discard)
	if err != nil {
		return nil, err
	}
	if err := srv.Start(ctx); err != nil {
		return nil, fmt.Errorf("start firstline: %w", err)
	}
	f := &firstline{srv: srv}
	tok, err := os.ReadFile(srv.AdminTokenFile)
	if err != nil {
		f.stop()
		return nil, fmt.Errorf("read admin token: %w", err)
	}
	f.token = strings.TrimSpace(string(tok))
	return f, nil
}

func (f *firstline) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := f.srv.Shutdown(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "firstline shutdown: %v\n", err)
	}
}

// batchStats reads the group-commit histogram from /metrics: committed
// transactions and the writes they held.
func (f *firstline) batchStats(ctx context.Context, c *http.Client) (txs, writes float64, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.srv.URL+"/metrics", nil)
	if err != nil {
		return 0, 0, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, 0, err
	}
	for line := range strings.Lines(string(b)) {
		name, val, ok := strings.Cut(strings.TrimSpace(line), " ")
		if !ok {
			continue
		}
		v, perr := strconv.ParseFloat(val, 64)
		switch {
		case perr != nil:
		case name == `firstline_store_commit_batch_size_count{committer="api"}`:
			txs = v
		case name == `firstline_store_commit_batch_size_sum{committer="api"}`:
			writes = v
		}
	}
	return txs, writes, nil
}

// countEvents returns the number of stored events.
func countEvents(ctx context.Context, s *store.Store) (int64, error) {
	var n int64
	err := s.QueryRow(ctx, `SELECT COUNT(*) FROM events`).Scan(&n)
	return n, err
}

// --- single-row commits --------------------------------------------------------

const qInsertEvent = `INSERT INTO events (id, source, detail_type, time_us, ingested_us, body) VALUES ($1, $2, $3, $4, $5, $6)`

// storedBody returns an event envelope like the ones firstline stores for
// the bench's entries.
func storedBody(detail []byte) (string, error) {
	ev := &event.Event{
		Version: "0", ID: uuid.NewString(), DetailType: "CloudWatch Alarm State Change", Source: "aws.cloudwatch",
		Account: "000000000000", Time: time.Now().UTC(), Region: "local-1",
		Resources: []string{"arn:aws:cloudwatch:us-east-1:123456789012:alarm:prod-api-p99-latency-high-0000"},
		Detail:    detail,
	}
	b, err := json.Marshal(ev)
	return string(b), err
}

// commitOp returns an operation committing one events row per transaction.
func commitOp(s *store.Store, body string) func(ctx context.Context, i int) error {
	return func(ctx context.Context, _ int) error {
		now := time.Now().UnixMicro()
		return s.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
			_, err := tx.Exec(ctx, qInsertEvent, uuid.NewString(), "aws.cloudwatch", "CloudWatch Alarm State Change", now, now, body)
			return err
		})
	}
}

// --- PostgreSQL schemas ---------------------------------------------------------

// pgSchemas creates throw-away schemas on one PostgreSQL database and drops
// them all at the end.
type pgSchemas struct {
	base  string
	names []string
}

// info describes the server: version and the settings that decide what a
// commit costs.
func (p *pgSchemas) info(ctx context.Context) (string, error) {
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	conn, err := pgx.Connect(cctx, p.base)
	if err != nil {
		return "", fmt.Errorf("connect to PostgreSQL %s: %w", store.RedactDSN(p.base), err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var version, fsync, syncCommit string
	err = conn.QueryRow(cctx, `SELECT current_setting('server_version'), current_setting('fsync'), current_setting('synchronous_commit')`).Scan(&version, &fsync, &syncCommit)
	if err != nil {
		return "", fmt.Errorf("read PostgreSQL settings: %w", err)
	}
	return fmt.Sprintf("server %s, fsync=%s, synchronous_commit=%s", version, fsync, syncCommit), nil
}

// create makes a fresh schema and returns a DSN whose search_path selects it.
func (p *pgSchemas) create(ctx context.Context) (string, error) {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "bench_" + hex.EncodeToString(b)
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	conn, err := pgx.Connect(cctx, p.base)
	if err != nil {
		return "", fmt.Errorf("connect to PostgreSQL %s: %w", store.RedactDSN(p.base), err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(cctx, "CREATE SCHEMA "+schema); err != nil {
		return "", fmt.Errorf("create schema %s: %w", schema, err)
	}
	p.names = append(p.names, schema)
	u, err := url.Parse(p.base)
	if err != nil {
		return "", fmt.Errorf("parse PostgreSQL DSN: %w", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// dropAll drops every schema create made.
func (p *pgSchemas) dropAll() error {
	if len(p.names) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, p.base)
	if err != nil {
		return fmt.Errorf("drop schemas %v: %w", p.names, err)
	}
	defer conn.Close(ctx)
	var errs []error
	for _, s := range p.names {
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+s+" CASCADE"); err != nil {
			errs = append(errs, fmt.Errorf("drop schema %s: %w", s, err))
		}
	}
	p.names = nil
	return errors.Join(errs...)
}

// sqlitePath returns a fresh SQLite DSN in dir.
func sqlitePath(dir, name string) string { return "sqlite://" + filepath.Join(dir, name) }

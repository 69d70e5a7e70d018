package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The end-to-end delivery scenario: a rule routes every bench event to an
// Http target on a loopback listener, and the clock runs from the first put
// until the last acknowledged event has reached that target.

// deliveryRule is the rule applied to the delivery scenario's server.
const deliveryRule = "bench-delivery"

// deliveryStats are the parts of a "put → delivered" row that the other
// rows do not have. The row's result holds the delivered events' latencies
// (lat) and the window from the first put to the last delivery (elapsed),
// so rate() is delivered events per second.
type deliveryStats struct {
	calls      int           // acknowledged PutEvents calls
	events     int           // acknowledged events
	putElapsed time.Duration // first put to last acknowledgement
	p50, p99   string        // put → delivered over all acknowledged events; "≥" when undelivered ones bound it
	ackP50     time.Duration // acknowledgement → delivered, delivered events only
	ackP99     time.Duration
	early      int   // deliveries that reached the target before the sender saw the ack
	dups       int64 // repeated deliveries of an event id (at-least-once)
	conns      int64 // TCP connections the deliverer opened to the target
	left       map[string]int64
	vs         *result // the PutEvents row of the same database
}

// ratio returns delivered events/s ÷ the PutEvents events/s of the same
// database, 0 when unknown.
func (d *deliveryStats) ratio(r *result) float64 {
	if d.vs == nil || d.vs.rate() == 0 {
		return 0
	}
	return r.rate() / (d.vs.rate() * float64(d.vs.perOp))
}

// deliveryTarget is the loopback Http target: it answers 200 to every
// request and records when each event id first arrived.
type deliveryTarget struct {
	srv      *http.Server
	url      string
	mu       sync.Mutex
	got      map[string]time.Time
	unique   atomic.Int64
	dups     atomic.Int64
	bad      atomic.Int64 // requests without an event id, or whose body does not carry it
	conns    atomic.Int64 // TCP connections accepted
	firstBad atomic.Value // string
}

func startTarget() (*deliveryTarget, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	t := &deliveryTarget{got: make(map[string]time.Time, 1<<15)}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := time.Now()
		body, _ := io.ReadAll(r.Body)
		id := r.Header.Get("X-Firstline-Event-Id")
		// The default input is the whole envelope, whose "id" is the event id.
		if id == "" || !bytes.Contains(body, []byte(`"id":"`+id+`"`)) {
			if t.bad.Add(1) == 1 {
				t.firstBad.Store(fmt.Sprintf("%s %s X-Firstline-Event-Id=%q body %.200s", r.Method, r.URL, id, body))
			}
			w.WriteHeader(http.StatusOK) // a 4xx would only dead-letter it; the run fails on bad anyway
			return
		}
		t.mu.Lock()
		if _, seen := t.got[id]; seen {
			t.dups.Add(1)
		} else {
			t.got[id] = now
			t.unique.Add(1)
		}
		t.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	})
	t.srv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ConnState: func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			t.conns.Add(1)
		}
	}}
	go func() { _ = t.srv.Serve(ln) }()
	t.url = "http://" + ln.Addr().String() + "/deliver"
	return t, nil
}

func (t *deliveryTarget) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = t.srv.Shutdown(ctx)
}

// waitFor waits until the target has n distinct event ids, until deadline
// or until ctx ends; it reports whether all arrived.
func (t *deliveryTarget) waitFor(ctx context.Context, n int64, deadline time.Time) bool {
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for t.unique.Load() < n {
		if time.Now().After(deadline) {
			return false
		}
		select {
		case <-ctx.Done():
			return false
		case <-tick.C:
		}
	}
	return true
}

// applyRule routes every bench event (source aws.cloudwatch) to url.
func (f *firstline) applyRule(ctx context.Context, c *http.Client, url string) error {
	spec, err := json.Marshal(map[string]any{
		"Description":  "putevents benchmark: every bench event to a loopback target",
		"EventPattern": map[string]any{"source": []string{"aws.cloudwatch"}},
		"Targets":      []any{map[string]any{"Id": "loopback", "Http": map[string]any{"Endpoint": url}}},
	})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, f.srv.URL+"/api/v1/resources/Rule/"+deliveryRule, bytes.NewReader(spec))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+f.token)
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("apply rule: %w", err)
	}
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		return fmt.Errorf("apply rule: status %d: %.300s", resp.StatusCode, b)
	}
	return nil
}

// postIDs sends one PutEvents call and returns the acknowledged event ids.
func postIDs(ctx context.Context, c *http.Client, url, token string, body []byte, entries int) ([]string, error) {
	pr, err := postResponse(ctx, c, url, token, body, entries)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(pr.Entries))
	for i, e := range pr.Entries {
		var v struct{ EventId string } //nolint:revive // PutEvents field name
		if err := json.Unmarshal(e, &v); err != nil || v.EventId == "" {
			return nil, fmt.Errorf("entry %d has no EventId: %s", i, e)
		}
		ids[i] = v.EventId
	}
	return ids, nil
}

// deliveryCalls returns the PutEvents calls of the delivery scenario.
func deliveryCalls(o options) int {
	events := o.deliveryEvents
	if events <= 0 {
		events = o.requests * o.entriesPerCall
	}
	return (events + o.entriesPerCall - 1) / o.entriesPerCall
}

// delivery measures put → delivered on a fresh firstline server (database
// as for startFirstline) whose one rule sends every bench event to a
// loopback Http target. vs is the PutEvents row of the same database (may
// be nil). A scenario that runs out of -delivery-limit is a finding (row
// marked *); a failed call, an event delivered wrong or a dead letter is an
// error.
func delivery(ctx context.Context, o options, client *http.Client, bodies [][]byte, db, dataDir, database string, vs *result) (res *result, notes []string, err error) {
	label := db + " put → delivered"
	target, err := startTarget()
	if err != nil {
		return nil, nil, err
	}
	defer target.stop()
	progress("%s: starting firstline with rule %s → %s", db, deliveryRule, target.url)
	srv, err := startFirstline(ctx, dataDir, database)
	if err != nil {
		return nil, nil, err
	}
	defer func() {
		client.CloseIdleConnections()
		srv.stop()
		// firstline's Http deliverer uses http.DefaultClient; let the target
		// shut down without waiting for its idle connections.
		http.DefaultClient.CloseIdleConnections()
	}()
	if err := srv.applyRule(ctx, client, target.url); err != nil {
		return nil, nil, err
	}
	url := srv.srv.URL + "/api/v1/events"

	// Warm up: open the senders' connections and the deliverer's, and let
	// the queue drain before the clock starts.
	warmCalls := o.senders * 2
	warm := run(ctx, "", o.senders, warmCalls, 3*time.Second, func(ctx context.Context, i int) error {
		return post(ctx, client, url, srv.token, bodies[i%len(bodies)], o.entriesPerCall)
	})
	if warm.errs > 0 {
		return nil, nil, fmt.Errorf("%s warm-up: %d calls failed, first: %w", label, warm.errs, warm.firstErr)
	}
	if !target.waitFor(ctx, int64(warm.ops()*o.entriesPerCall), time.Now().Add(o.deliveryLimit)) {
		return nil, nil, fmt.Errorf("%s warm-up: %d of %d events delivered within %s", label, target.unique.Load(), warm.ops()*o.entriesPerCall, o.deliveryLimit)
	}
	base := target.unique.Load()
	baseDups := target.dups.Load()
	baseConns := target.conns.Load()

	// Measure.
	n := deliveryCalls(o)
	start := make([]time.Time, n)
	ack := make([]time.Time, n)
	ids := make([][]string, n)
	var acked atomic.Int64
	op := func(ctx context.Context, i int) error {
		t0 := time.Now()
		got, err := postIDs(ctx, client, url, srv.token, bodies[i%len(bodies)], o.entriesPerCall)
		if err != nil {
			return err
		}
		start[i], ack[i], ids[i] = t0, time.Now(), got
		acked.Add(int64(len(got)))
		return nil
	}
	progress("%s: %d calls (%d events) with %d senders, then until delivered or %s", label, n, n*o.entriesPerCall, o.senders, o.deliveryLimit)
	cpu0 := processCPU()
	t0 := time.Now()
	deadline := t0.Add(o.deliveryLimit)
	stopProgress := make(chan struct{})
	var pw sync.WaitGroup
	pw.Go(func() {
		tick := time.NewTicker(2 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-stopProgress:
				return
			case <-tick.C:
				d := target.unique.Load() - base
				el := time.Since(t0).Seconds()
				fmt.Fprintf(os.Stderr, "  %s: %d/%d events acknowledged, %d delivered (%.0f/s)\n", label, acked.Load(), n*o.entriesPerCall, d, float64(d)/el)
			}
		}
	})
	puts := run(ctx, "", o.senders, n, min(o.durationLimit, o.deliveryLimit), op)
	want := acked.Load()
	all := target.waitFor(ctx, base+want, deadline)
	stopAt := time.Now()
	cpu := processCPU() - cpu0
	close(stopProgress)
	pw.Wait()
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}

	// Collect: put → delivered for every acknowledged event, undelivered
	// ones as lower bounds (stopAt - start).
	type sample struct {
		d     time.Duration
		lower bool
	}
	var samples []sample
	var lat, ackLat []time.Duration
	var lastAck, last time.Time
	early := 0
	target.mu.Lock()
	for i := range n {
		if ids[i] == nil {
			continue
		}
		lastAck = later(lastAck, ack[i])
		for _, id := range ids[i] {
			at, ok := target.got[id]
			if !ok || at.After(stopAt) {
				samples = append(samples, sample{stopAt.Sub(start[i]), true})
				continue
			}
			last = later(last, at)
			samples = append(samples, sample{at.Sub(start[i]), false})
			lat = append(lat, at.Sub(start[i]))
			if at.Before(ack[i]) {
				early++
			}
			ackLat = append(ackLat, max(at.Sub(ack[i]), 0))
		}
	}
	target.mu.Unlock()
	sort.Slice(samples, func(i, j int) bool { return samples[i].d < samples[j].d })
	slices.Sort(lat)
	slices.Sort(ackLat)
	pct := func(p float64) string {
		if len(samples) == 0 {
			return "-"
		}
		rank := min(max(int(float64(len(samples))*p/100+0.999999)-1, 0), len(samples)-1)
		s := dur(samples[rank].d)
		if slices.ContainsFunc(samples[:rank+1], func(s sample) bool { return s.lower }) {
			s = "≥" + s
		}
		return s
	}

	end := stopAt
	if all && !last.IsZero() {
		end = last
	}
	res = &result{
		db: db, name: "firstline put → delivered", want: int(want), lat: lat, perOp: 1,
		elapsed: end.Sub(t0), cpu: cpu, cut: !all || puts.cut,
		errs: puts.errs, firstErr: puts.firstErr,
	}
	acks := &result{lat: ackLat}
	res.dl = &deliveryStats{
		calls: puts.ops(), events: int(want), putElapsed: lastAck.Sub(t0),
		p50: pct(50), p99: pct(99), ackP50: acks.pct(50), ackP99: acks.pct(99),
		early: early, dups: target.dups.Load() - baseDups, conns: target.conns.Load() - baseConns, vs: vs,
	}

	// Checks: every request carried its event, nothing was dead-lettered.
	var errs []error
	if b := target.bad.Load(); b > 0 {
		errs = append(errs, fmt.Errorf("%s: %d deliveries without their event id, first: %v", label, b, target.firstBad.Load()))
	}
	s := srv.srv.Store()
	var dead int64
	if err := s.QueryRow(ctx, `SELECT COUNT(*) FROM dead_letters`).Scan(&dead); err != nil {
		errs = append(errs, fmt.Errorf("%s: count dead letters: %w", label, err))
	} else if dead > 0 {
		errs = append(errs, fmt.Errorf("%s: %d deliveries dead-lettered (the target always answers 200)", label, dead))
	}
	if depth, err := s.JobQueueDepth(ctx); err == nil {
		res.dl.left = depth
	}

	d := res.dl
	note := fmt.Sprintf("%s: %d events acknowledged in %.1fs (%.0f events/s, each with its delivery job), %d delivered",
		label, d.events, d.putElapsed.Seconds(), float64(d.events)/d.putElapsed.Seconds(), len(lat))
	if all {
		note += fmt.Sprintf(" %.1fs after the first put", res.elapsed.Seconds())
	} else {
		note += fmt.Sprintf(" by the %s limit", o.deliveryLimit)
	}
	if d.left != nil && !all {
		var parts []string
		for _, k := range []string{"available", "running", "retryable", "scheduled"} {
			if d.left[k] > 0 {
				parts = append(parts, fmt.Sprintf("%s %d", k, d.left[k]))
			}
		}
		if len(parts) > 0 {
			note += "; jobs left: " + strings.Join(parts, ", ")
		}
	}
	note += fmt.Sprintf("; ack → delivered p50 %s, p99 %s", dur(d.ackP50), dur(d.ackP99))
	if d.early > 0 {
		note += fmt.Sprintf(" (%d delivered before the sender saw the ack, counted as 0)", d.early)
	}
	note += fmt.Sprintf("; %d duplicate deliveries; %d TCP connections to the target for %d deliveries", d.dups, d.conns, len(lat))
	notes = append(notes, note)
	return res, notes, errors.Join(errs...)
}

// dur formats a latency in ms below a second, in seconds above.
func dur(d time.Duration) string {
	if d < time.Second {
		return ms(d)
	}
	return fmt.Sprintf("%.2fs", d.Seconds())
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// Command executions benchmarks firstline's durable executions and prints
// one table (go run ./bench/executions; -quick for CI).
//
// # What is measured, in one run, on a real firstline server in this
// process (server.New and Start on 127.0.0.1:0, a fresh SQLite database):
//
//   - rule match → first task started: a rule routes each PutEvents event
//     to a state machine whose first state is an http:invoke Task calling a
//     loopback endpoint in this process; the latency runs from sending the
//     PutEvents request to the endpoint receiving the task's call. Events
//     are sent one at a time (-latency-events), so the numbers are
//     latencies, not queueing. The floor is the PutEvents round trip alone
//     (the p50 of the same requests' responses).
//   - memory per waiting execution: -waiting executions of a state machine
//     that waits 3600 s are started through StartExecution; the Go heap in
//     use (after GC) is read before and after. A durable engine holds
//     nothing per waiting execution: they are database rows and scheduled
//     jobs, not goroutines or timers. Goroutines are counted too.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/firstline/firstline/internal/server"
)

func main() {
	quick := flag.Bool("quick", false, "small numbers, for CI")
	latencyEvents := flag.Int("latency-events", 300, "events for the latency run")
	waiting := flag.Int("waiting", 100000, "waiting executions for the memory run")
	senders := flag.Int("senders", 16, "concurrent StartExecution callers in the memory run")
	flag.Parse()
	if *quick {
		*latencyEvents, *waiting = 50, 2000
	}
	if err := run(*latencyEvents, *waiting, *senders); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

type firstline struct {
	srv   *server.Server
	url   string
	token string
}

func start(ctx context.Context) (*firstline, func(), error) {
	dir, err := os.MkdirTemp("", "firstline-bench-executions-")
	if err != nil {
		return nil, nil, err
	}
	cfg := server.Defaults()
	cfg.Listen = "127.0.0.1:0"
	cfg.DataDir = filepath.Join(dir, "data")
	cfg.LogLevel = "warn"
	srv, err := server.New(cfg, server.NewLogger(cfg, os.Stderr), io.Discard)
	if err != nil {
		return nil, nil, err
	}
	if err := srv.Start(ctx); err != nil {
		return nil, nil, err
	}
	tok, err := os.ReadFile(srv.AdminTokenFile)
	if err != nil {
		return nil, nil, err
	}
	f := &firstline{srv: srv, url: srv.URL, token: strings.TrimSpace(string(tok))}
	stop := func() {
		c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = srv.Shutdown(c)
		_ = os.RemoveAll(dir)
	}
	return f, stop, nil
}

var client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 30 * time.Second}

func (f *firstline) do(method, path string, body any) (int, []byte, error) {
	b, _ := json.Marshal(body)
	req, err := http.NewRequest(method, f.url+path, bytes.NewReader(b))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+f.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return resp.StatusCode, out, err
}

func (f *firstline) must(method, path string, body any, want int) error {
	code, out, err := f.do(method, path, body)
	if err != nil {
		return err
	}
	if code != want {
		return fmt.Errorf("%s %s: %d %s", method, path, code, out)
	}
	return nil
}

func run(latencyEvents, waiting, senders int) error {
	ctx := context.Background()
	f, stop, err := start(ctx)
	if err != nil {
		return err
	}
	defer stop()

	// The task endpoint: records when each execution's task arrives.
	var mu sync.Mutex
	arrived := map[string]time.Time{}
	target := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct{ N string }
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &body)
		mu.Lock()
		if _, seen := arrived[body.N]; !seen {
			arrived[body.N] = time.Now()
		}
		mu.Unlock()
		w.WriteHeader(http.StatusOK)
	})}
	ln, err := listen()
	if err != nil {
		return err
	}
	go func() { _ = target.Serve(ln) }()
	defer target.Close()

	def := fmt.Sprintf(`{"StartAt":"Call","States":{"Call":{"Type":"Task","Resource":"arn:aws:states:::http:invoke",
		"Parameters":{"ApiEndpoint":"http://%s/task","Method":"POST","RequestBody":{"n.$":"$.detail.n"}},"End":true}}}`, ln.Addr())
	if err := f.must(http.MethodPut, "/api/v1/resources/StateMachine/bench-first-task", map[string]string{"DefinitionString": def}, http.StatusCreated); err != nil {
		return err
	}
	if err := f.must(http.MethodPut, "/api/v1/resources/Rule/bench-first-task", map[string]any{
		"EventPattern": map[string]any{"source": []string{"bench.executions"}},
		"Targets":      []any{map[string]any{"Id": "runbook", "Arn": "arn:aws:states:::stateMachine:bench-first-task"}},
	}, http.StatusCreated); err != nil {
		return err
	}
	var lat, put []time.Duration
	for i := range latencyEvents + 10 {
		n := fmt.Sprint(i)
		detail, _ := json.Marshal(map[string]string{"n": n})
		sent := time.Now()
		if err := f.must(http.MethodPost, "/api/v1/events", map[string]any{"Entries": []any{map[string]any{"Source": "bench.executions", "DetailType": "Bench", "Detail": string(detail)}}}, http.StatusOK); err != nil {
			return err
		}
		acked := time.Since(sent)
		deadline := time.Now().Add(10 * time.Second)
		for {
			mu.Lock()
			at, ok := arrived[n]
			mu.Unlock()
			if ok {
				if i >= 10 { // warm-up
					lat = append(lat, at.Sub(sent))
					put = append(put, acked)
				}
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("event %s: no task call within 10 s", n)
			}
			time.Sleep(200 * time.Microsecond)
		}
	}

	// Memory per waiting execution.
	if err := f.must(http.MethodPut, "/api/v1/resources/StateMachine/bench-waiting", map[string]string{"DefinitionString": `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`}, http.StatusCreated); err != nil {
		return err
	}
	heap := func() (uint64, int) {
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc, runtime.NumGoroutine()
	}
	client.CloseIdleConnections()
	time.Sleep(200 * time.Millisecond)
	heap0, gor0 := heap()
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, senders)
	began := time.Now()
	for range senders {
		wg.Go(func() {
			for {
				i := next.Add(1)
				if i > int64(waiting) {
					return
				}
				if err := f.must(http.MethodPost, "/api/v1/executions", map[string]any{"stateMachineName": "bench-waiting", "name": fmt.Sprintf("w%d", i)}, http.StatusOK); err != nil {
					errs <- err
					return
				}
				if i%10000 == 0 {
					fmt.Fprintf(os.Stderr, "  %d waiting executions started (%.0f/s)\n", i, float64(i)/time.Since(began).Seconds())
				}
			}
		})
	}
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
	}
	startRate := float64(waiting) / time.Since(began).Seconds()
	// Close the client's keep-alive connections (and so the server's
	// connection goroutines) and let the executions reach their Wait.
	client.CloseIdleConnections()
	time.Sleep(time.Second)
	heap1, gor1 := heap()

	slices.Sort(lat)
	slices.Sort(put)
	pct := func(d []time.Duration, p float64) time.Duration { return d[int(float64(len(d)-1)*p)] }
	fmt.Printf("%-62s %12s %10s %8s\n", "measure (sqlite)", "value", "target", "")
	row := func(name, value, target string, ok bool) {
		verdict := "MET"
		if !ok {
			verdict = "MISS"
		}
		if target == "-" {
			verdict = "INFO"
		}
		fmt.Printf("%-62s %12s %10s %8s\n", name, value, target, verdict)
	}
	row("PutEvents round trip p50 (floor)", pct(put, 0.5).Round(10*time.Microsecond).String(), "-", true)
	row("rule match → first task started p50", pct(lat, 0.5).Round(10*time.Microsecond).String(), "-", true)
	row("rule match → first task started p99", pct(lat, 0.99).Round(10*time.Microsecond).String(), "< 50ms", pct(lat, 0.99) < 50*time.Millisecond)
	row("  p50 ÷ PutEvents round trip p50", fmt.Sprintf("%.1f×", float64(pct(lat, 0.5))/float64(pct(put, 0.5))), "-", true)
	growth := float64(heap1) - float64(heap0)
	row(fmt.Sprintf("heap growth with %d waiting executions (bounded caches)", waiting), fmt.Sprintf("%.2f MiB", growth/(1<<20)), "≤ 4 MiB", growth <= 4<<20)
	row("  per waiting execution", fmt.Sprintf("%.1f B", growth/float64(waiting)), "-", true)
	row("goroutines added (workers, connections: not per execution)", fmt.Sprint(gor1-gor0), "≤ 32", gor1-gor0 <= 32)
	row("StartExecution rate while filling (executions/s)", fmt.Sprintf("%.0f", startRate), "-", true)
	return nil
}

func listen() (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") }

// Command putevents benchmarks firstline's PutEvents endpoint
// (POST /api/v1/events) and prints one table; it is meant to be the
// `make bench` target (go run ./bench/putevents).
//
// # What is measured
//
// Every scenario runs in this process and in the same run, so the floors
// share the machine (and its noise) with what they judge:
//
//   - bare loopback handler: a net/http server on a real loopback TCP port
//     (127.0.0.1:0) whose handler only reads the body (io.Copy to
//     io.Discard) and answers a small PutEvents-shaped 200. It is the cost
//     of HTTP itself on this machine: the best any server could do for this
//     client.
//   - firstline PutEvents (sqlite, postgres): a real firstline server
//     (server.New and Start on 127.0.0.1:0, a fresh database, the admin
//     token) taking the same bodies from the same client. A 200 means the
//     events are committed (on SQLite with synchronous=FULL) together with
//     their audit entry.
//   - single-row commits (sqlite, postgres): store.Open on a fresh database
//     of the same kind and a bare loop of transactions that each INSERT one
//     events row (an envelope like firstline stores) and COMMIT: the price
//     of a durable commit without group commit. SQLite has one writer, so
//     its loop is sequential; PostgreSQL's runs on -pg-commit-conns
//     connections (16, firstline's default pool size).
//   - firstline put → delivered (sqlite, postgres): the end-to-end delivery
//     rate. A loopback Http target (a net/http server on 127.0.0.1:0 that
//     answers 200 and records when each X-Firstline-Event-Id first
//     arrived, counting repeats as duplicates) and a fresh firstline server
//     with one rule (PUT /api/v1/resources/Rule/bench-delivery) routing
//     every bench event to it. After a small warm-up whose deliveries are
//     awaited, the senders put -delivery-events events (the same bodies)
//     and the clock runs from the first put until the last acknowledged
//     event has reached the target, or -delivery-limit, whichever is first.
//     Deliveries so far are printed to stderr every 2 seconds. The run
//     fails if a delivery lacks its event id or anything is dead-lettered.
//   - firstline Alertmanager posts (sqlite, postgres): a fresh firstline
//     server with one hook (PUT /api/v1/resources/Hook/bench-alertmanager,
//     Type alertmanager, a Bearer token) taking POST /hooks/bench-alertmanager
//     from the same senders: the real Alertmanager webhook fixture
//     (testdata/fixtures/alertmanager/webhook-v4-firing.json, one firing
//     alert; 256 variants with a label bench=<n> and a fingerprint of their
//     own). A 200 with one EventId means the alert's event is committed.
//     After the run the benchmark checks that every acknowledged alert is
//     stored, with source alertmanager. It is judged against the same
//     floors as PutEvents. A build without the alertmanager hook type skips
//     it with a note.
//
// The HTTP scenarios use -senders concurrent senders (64) sharing one
// keep-alive http.Transport. Each call sends one PutEvents body
// (-entries-per-call CloudWatch "Alarm State Change" entries, each with a
// ~560-byte Detail and one resource ARN), reads the whole response and
// checks it (status 200, no failed entry). Each scenario is warmed up
// briefly, then measured for -requests calls or -duration-limit, whichever
// ends first. After the firstline runs the benchmark checks that every
// acknowledged event is stored, and reads the group-commit batch sizes from
// /metrics. PostgreSQL scenarios each get a fresh schema (search_path in the
// DSN), dropped at the end; they are skipped when no DSN is given.
//
// # How to read the table
//
//   - calls/s: completed calls (commits, for the single-row rows) per second
//     of wall time; events/s multiplies by the entries per call.
//   - p50, p99: per-call latency, from the start of the request to the last
//     byte of the response (for commits, from BEGIN to the end of COMMIT).
//   - CPU/call: user+system CPU of this whole process (load generator and
//     in-process servers; not PostgreSQL's) per call. It varies far less
//     with machine noise than the rates do.
//   - vs bare handler: firstline's throughput and p99 divided by the bare
//     handler's. vs single-row commits: firstline's throughput divided by
//     the single-row commit rate on the same kind of database.
//   - A scenario marked * hit -duration-limit before -requests calls.
//   - put → delivered: calls are the acknowledged PutEvents calls; events/s
//     is delivered events per second of the window above; p50 and p99 run
//     from the start of the put call to the event's first arrival at the
//     target, over every acknowledged event (an event still undelivered at
//     -delivery-limit counts with the time waited so far, and a percentile
//     it bounds is shown as ≥); CPU/call is this process's CPU over the
//     window (ingest and delivery) per call; vs PutEvents divides events/s
//     by the firstline PutEvents events/s of the same database in the same
//     run. A note gives the put phase alone, acknowledgement → delivery
//     latency, jobs left, duplicates and the TCP connections the deliverer
//     opened.
//
// The targets section checks the requirement, each line PASS or MISS:
//
//   - sqlite: throughput >= 0.5x the bare handler, p99 <= 2x its p99;
//   - postgres: throughput >= 2x the 16-connection single-row commit rate.
//
// The Alertmanager posts rows have the same targets, as separate lines.
//
// put → delivered ÷ PutEvents throughput is listed there too, as INFO: it
// has no target yet.
//
// A MISS is a finding, not a failure: the command exits 0 unless something
// broke (a failed call, a lost event, a database error). Ratios are only
// meaningful within one run; the load generator shares the CPUs with the
// servers, so on a small or busy machine run it more than once.
//
// # Usage
//
//	go run ./bench/putevents              # full run; PostgreSQL too if FIRSTLINE_TEST_POSTGRES_DSN is set
//	go run ./bench/putevents -quick       # 2000 calls per scenario and 500 events put → delivered, for CI
//	go run ./bench/putevents -postgres 'postgres://postgres@127.0.0.1:5432/test?sslmode=disable'
//
// -dir puts the SQLite files on another disk, -skip-sqlite measures
// PostgreSQL only, -skip-delivery leaves out the put → delivered scenarios,
// -skip-hooks the Alertmanager posts scenarios (-hook-fixture names another
// webhook body with one alert),
// -cpuprofile and -trace record the whole run for pprof and go tool trace.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/firstline/firstline/internal/store"
)

// envPostgresDSN is the variable the tests read their PostgreSQL DSN from
// (envPostgresDSN); the benchmark uses it as its default.
const envPostgresDSN = "FIRSTLINE_TEST_POSTGRES_DSN"

type options struct {
	requests       int
	senders        int
	postgres       string
	durationLimit  time.Duration
	entriesPerCall int
	pgConns        int
	dir            string
	cpuProfile     string
	trace          string
	skipSQLite     bool
	skipDelivery   bool
	skipHooks      bool
	hookFixture    string
	deliveryEvents int
	deliveryLimit  time.Duration
}

func main() {
	var o options
	var quick bool
	flag.IntVar(&o.requests, "requests", 20000, "measured calls (or commits) per scenario")
	flag.IntVar(&o.senders, "senders", 64, "concurrent HTTP senders")
	flag.StringVar(&o.postgres, "postgres", os.Getenv(envPostgresDSN), "PostgreSQL DSN (default $"+envPostgresDSN+"); each scenario gets a fresh schema, dropped at the end; empty skips PostgreSQL")
	flag.DurationVar(&o.durationLimit, "duration-limit", 15*time.Second, "stop measuring a scenario after this long even if -requests are not done")
	flag.IntVar(&o.entriesPerCall, "entries-per-call", 1, "PutEvents entries per call (1-10)")
	flag.IntVar(&o.pgConns, "pg-commit-conns", 16, "connections of the PostgreSQL single-row commit floor")
	flag.StringVar(&o.dir, "dir", os.TempDir(), "directory for the SQLite databases (use the disk you will deploy on)")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run (client and servers) to this file")
	flag.StringVar(&o.trace, "trace", "", "write an execution trace of the whole run to this file (go tool trace)")
	flag.BoolVar(&o.skipSQLite, "skip-sqlite", false, "measure PostgreSQL only")
	flag.BoolVar(&o.skipDelivery, "skip-delivery", false, "skip the put → delivered scenarios (a rule with a loopback Http target)")
	flag.BoolVar(&o.skipHooks, "skip-hooks", false, "skip the Alertmanager posts scenarios (a hook of Type alertmanager)")
	flag.StringVar(&o.hookFixture, "hook-fixture", "", "Alertmanager webhook body for the hook scenarios (default "+hookFixture+" in the working directory or a parent)")
	flag.IntVar(&o.deliveryEvents, "delivery-events", 0, "events put in the put → delivered scenarios (default -requests × -entries-per-call)")
	flag.DurationVar(&o.deliveryLimit, "delivery-limit", 30*time.Second, "stop a put → delivered scenario this long after its first put even if events are still undelivered")
	flag.BoolVar(&quick, "quick", false, "short run for CI: 2000 calls per scenario unless -requests is given, 500 events for put → delivered unless -delivery-events is")
	flag.Parse()
	if quick {
		set := false
		flag.Visit(func(f *flag.Flag) { set = set || f.Name == "requests" })
		if !set {
			o.requests = 2000
		}
		if o.deliveryEvents == 0 {
			o.deliveryEvents = 500
		}
	}
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "putevents: unexpected arguments %q\n", flag.Args())
		os.Exit(2)
	}
	switch {
	case o.requests < 1, o.senders < 1, o.pgConns < 1, o.durationLimit <= 0, o.deliveryLimit <= 0, o.deliveryEvents < 0:
		fmt.Fprintln(os.Stderr, "putevents: -requests, -senders, -pg-commit-conns, -duration-limit and -delivery-limit must be positive, -delivery-events not negative")
		os.Exit(2)
	case o.entriesPerCall < 1 || o.entriesPerCall > 10:
		fmt.Fprintln(os.Stderr, "putevents: -entries-per-call must be 1 to 10 (the PutEvents limit)")
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := profiled(o.cpuProfile, func() error {
		return traced(o.trace, func() error { return bench(ctx, o, os.Stdout) })
	})
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "putevents: %v\n", err)
		os.Exit(1)
	}
}

// profiled runs f, under the CPU profiler when path is set.
func profiled(path string, f func() error) error {
	if path == "" {
		return f()
	}
	pf, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.StartCPUProfile(pf); err != nil {
		_ = pf.Close()
		return err
	}
	err = f()
	pprof.StopCPUProfile()
	return errors.Join(err, pf.Close())
}

// traced runs f under the execution tracer when path is set.
func traced(path string, f func() error) error {
	if path == "" {
		return f()
	}
	tf, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := trace.Start(tf); err != nil {
		_ = tf.Close()
		return err
	}
	err = f()
	trace.Stop()
	return errors.Join(err, tf.Close())
}

// bench runs every scenario and prints the report to out.
func bench(ctx context.Context, o options, out io.Writer) (err error) {
	tmp, err := os.MkdirTemp(o.dir, "firstline-bench-")
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, os.RemoveAll(tmp)) }()
	pg := &pgSchemas{base: o.postgres}
	defer func() { err = errors.Join(err, pg.dropAll()) }()

	bodies, detail, err := makeBodies(256, o.entriesPerCall)
	if err != nil {
		return err
	}
	var hookBodies [][]byte
	if !o.skipHooks {
		fixture, err := findFixture(o.hookFixture)
		if err != nil {
			return err
		}
		if hookBodies, err = makeHookBodies(fixture, 256); err != nil {
			return err
		}
	}
	client := newClient(o.senders)
	defer client.CloseIdleConnections()
	progress("firstline PutEvents benchmark: %d calls per scenario (limit %s), %d senders, entries per call: %d", o.requests, o.durationLimit, o.senders, o.entriesPerCall)

	var results []*result
	var notes []string
	postOp := func(url, token string) func(ctx context.Context, i int) error {
		return func(ctx context.Context, i int) error {
			return post(ctx, client, url, token, bodies[i%len(bodies)], o.entriesPerCall)
		}
	}

	// 1. The HTTP floor.
	progress("bare loopback handler: %d senders", o.senders)
	bare, err := startBare(o.entriesPerCall)
	if err != nil {
		return err
	}
	r, err := measure(ctx, "bare handler", o.senders, o, postOp(bare.url, ""))
	// Close the client side first: the server's Shutdown waits up to 5s for
	// connections the transport dialled but never used.
	client.CloseIdleConnections()
	bare.stop()
	if err != nil {
		return err
	}
	r.db, r.name, r.floor, r.perOp = "-", "bare loopback handler", "bare", o.entriesPerCall
	results = append(results, r)
	bareRes := r

	// 2. SQLite.
	var sqliteFL, sqliteCommits *result
	if o.skipSQLite {
		notes = append(notes, "sqlite: skipped (-skip-sqlite)")
	} else {
		var n []string
		sqliteFL, sqliteCommits, n, err = dialect(ctx, o, client, postOp, detail, "sqlite", "", filepath.Join(tmp, "sqlite-data"), sqlitePath(tmp, "commits.db"), 1)
		notes = append(notes, n...)
		if err != nil {
			return err
		}
		results = append(results, sqliteCommits, sqliteFL)
		if !o.skipHooks {
			r, n, err := hooks(ctx, o, client, hookBodies, "sqlite", filepath.Join(tmp, "sqlite-hooks"), "")
			notes = append(notes, n...)
			if err != nil {
				return err
			}
			if r != nil {
				results = append(results, r)
			}
		}
		if !o.skipDelivery {
			r, n, err := delivery(ctx, o, client, bodies, "sqlite", filepath.Join(tmp, "sqlite-delivery"), "", sqliteFL)
			notes = append(notes, n...)
			if err != nil {
				return err
			}
			results = append(results, r)
		}
	}

	// 3. PostgreSQL.
	var pgFL, pgCommits *result
	if o.postgres == "" {
		notes = append(notes, "postgres: skipped, no DSN (set -postgres or $"+envPostgresDSN+")")
	} else {
		info, err := pg.info(ctx)
		if err != nil {
			return err
		}
		notes = append(notes, "postgres: "+info)
		flDSN, err := pg.create(ctx)
		if err != nil {
			return err
		}
		commitDSN, err := pg.create(ctx)
		if err != nil {
			return err
		}
		var n []string
		pgFL, pgCommits, n, err = dialect(ctx, o, client, postOp, detail, "postgres", flDSN, filepath.Join(tmp, "postgres-data"), commitDSN, o.pgConns)
		notes = append(notes, n...)
		if err != nil {
			return err
		}
		results = append(results, pgCommits, pgFL)
		if !o.skipHooks {
			hookDSN, err := pg.create(ctx)
			if err != nil {
				return err
			}
			r, n, err := hooks(ctx, o, client, hookBodies, "postgres", filepath.Join(tmp, "postgres-hooks"), hookDSN)
			notes = append(notes, n...)
			if err != nil {
				return err
			}
			if r != nil {
				results = append(results, r)
			}
		}
		if !o.skipDelivery {
			dlDSN, err := pg.create(ctx)
			if err != nil {
				return err
			}
			r, n, err := delivery(ctx, o, client, bodies, "postgres", filepath.Join(tmp, "postgres-delivery"), dlDSN, pgFL)
			notes = append(notes, n...)
			if err != nil {
				return err
			}
			results = append(results, r)
		}
	}
	if o.skipDelivery {
		notes = append(notes, "put → delivered: skipped (-skip-delivery)")
	}
	if o.skipHooks {
		notes = append(notes, "Alertmanager posts: skipped (-skip-hooks)")
	}

	report(out, o, results, notes, bareRes, sqliteFL, sqliteCommits, pgFL, pgCommits, len(bodies[0]), len(detail))

	var failed []string
	for _, r := range results {
		if r.errs > 0 {
			failed = append(failed, fmt.Sprintf("%s %s: %d calls failed, first: %v", r.db, r.name, r.errs, r.firstErr))
		}
	}
	if len(failed) > 0 {
		return errors.New(strings.Join(failed, "\n"))
	}
	return ctx.Err()
}

// dialect measures firstline and the single-row commit floor on one kind of
// database. database is firstline's --database ("" for SQLite in dataDir);
// commitDSN is a separate fresh database for the commit loop, run by conns
// workers.
func dialect(ctx context.Context, o options, client *http.Client, postOp func(url, token string) func(context.Context, int) error,
	detail []byte, db, database, dataDir, commitDSN string, conns int,
) (fl, commits *result, notes []string, err error) {
	// firstline
	progress("%s: starting firstline", db)
	srv, err := startFirstline(ctx, dataDir, database)
	if err != nil {
		return nil, nil, nil, err
	}
	op := postOp(srv.srv.URL+"/api/v1/events", srv.token)
	progress("%s: firstline PutEvents, %d senders", db, o.senders)
	warm, err := warmup(ctx, o.senders, o.requests, op)
	if err == nil {
		fl = run(ctx, db+" firstline", o.senders, o.requests, o.durationLimit, op)
		if txs, writes, serr := srv.batchStats(ctx, client); serr == nil && txs > 0 {
			notes = append(notes, fmt.Sprintf("%s: group commit made %.0f transactions for %.0f PutEvents writes (mean batch %.1f, warm-up included)", db, txs, writes, writes/txs))
		}
		if fl.errs == 0 && ctx.Err() == nil {
			want := int64((warm + fl.ops()) * o.entriesPerCall)
			if got, cerr := countEvents(ctx, srv.srv.Store()); cerr != nil {
				err = fmt.Errorf("%s: count stored events: %w", db, cerr)
			} else if got != want {
				err = fmt.Errorf("%s: %d events acknowledged but %d stored", db, want, got)
			}
		}
	}
	client.CloseIdleConnections()
	srv.stop()
	if err != nil {
		return nil, nil, notes, fmt.Errorf("%s firstline: %w", db, err)
	}
	fl.db, fl.name, fl.perOp = db, "firstline PutEvents", o.entriesPerCall

	// single-row commits
	progress("%s: single-row commits, %d connection(s)", db, conns)
	s, err := store.Open(ctx, store.Config{DSN: commitDSN, MaxConns: conns})
	if err != nil {
		return nil, nil, notes, fmt.Errorf("%s single-row commits: %w", db, err)
	}
	defer s.Close()
	// The row holds an envelope like the ones firstline stores.
	body, err := storedBody(detail)
	if err != nil {
		return nil, nil, notes, err
	}
	cop := commitOp(s, body)
	commits, err = measure(ctx, db+" commits", conns, o, cop)
	if err != nil {
		return nil, nil, notes, fmt.Errorf("%s single-row commits: %w", db, err)
	}
	commits.db, commits.floor, commits.perOp = db, "commits", 1
	commits.name = fmt.Sprintf("single-row commits (%d conn)", conns)
	if conns > 1 {
		commits.name = fmt.Sprintf("single-row commits (%d conns)", conns)
	}
	return fl, commits, notes, nil
}

// measure warms op up and then measures it.
func measure(ctx context.Context, label string, workers int, o options, op func(context.Context, int) error) (*result, error) {
	if _, err := warmup(ctx, workers, o.requests, op); err != nil {
		return nil, err
	}
	r := run(ctx, label, workers, o.requests, o.durationLimit, op)
	return r, ctx.Err()
}

func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, time.Now().Format("15:04:05")+" "+format+"\n", args...)
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
}

func us(d time.Duration) string {
	return fmt.Sprintf("%.0fµs", float64(d)/float64(time.Microsecond))
}

func ratio(a, b float64) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f×", a/b)
}

// report prints the table, the notes and the targets.
func report(out io.Writer, o options, results []*result, notes []string, bare, sqliteFL, sqliteCommits, pgFL, pgCommits *result, bodySize, detailSize int) {
	fmt.Fprintf(out, "firstline PutEvents: %d senders, %d entr%s/call (%d-byte body, %d-byte Detail), up to %d calls per scenario or %s; GOMAXPROCS=%d, %s/%s\n\n",
		o.senders, o.entriesPerCall, map[bool]string{true: "y", false: "ies"}[o.entriesPerCall == 1], bodySize, detailSize,
		o.requests, o.durationLimit, runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH)

	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "database\tscenario\tcalls\tcalls/s\tevents/s\tp50\tp99\tCPU/call\tvs bare handler\tvs single-row commits\tvs PutEvents\t")
	for _, r := range results {
		name := r.name
		if r.cut {
			name += " *"
		}
		if d := r.dl; d != nil {
			cpu := time.Duration(0)
			if d.calls > 0 {
				cpu = r.cpu / time.Duration(d.calls)
			}
			vs := "-"
			if d.vs != nil {
				vs = fmt.Sprintf("thr %.2f×", d.ratio(r))
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t-\t%.0f\t%s\t%s\t%s\t-\t-\t%s\t\n", r.db, name, d.calls, r.rate(), d.p50, d.p99, us(cpu), vs)
			continue
		}
		vsBare, vsCommits := "-", "-"
		switch r.floor {
		case "bare":
			vsBare = "floor"
		case "commits":
			vsCommits = "floor"
		default:
			vsBare = fmt.Sprintf("thr %s, p99 %s", ratio(r.rate(), bare.rate()), ratio(float64(r.pct(99)), float64(bare.pct(99))))
			var c *result
			if r.db == "sqlite" {
				c = sqliteCommits
			} else {
				c = pgCommits
			}
			if c != nil {
				vsCommits = "thr " + ratio(r.rate(), c.rate())
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.0f\t%.0f\t%s\t%s\t%s\t%s\t%s\t-\t\n", r.db, name, r.ops(), r.rate(), r.rate()*float64(r.perOp), ms(r.pct(50)), ms(r.pct(99)), us(r.cpuPerOp()), vsBare, vsCommits)
	}
	_ = tw.Flush()

	for _, r := range results {
		switch {
		case r.cut && r.dl != nil:
			notes = append(notes, fmt.Sprintf("* %s %s: stopped by -delivery-limit with %d of %d events delivered (%d of %d calls acknowledged); ≥ marks a latency bounded by undelivered events", r.db, r.name, r.ops(), r.want, r.dl.calls, deliveryCalls(o)))
		case r.cut:
			notes = append(notes, fmt.Sprintf("* %s %s: stopped by -duration-limit after %d of %d calls", r.db, r.name, r.ops(), r.want))
		}
		if r.errs > 0 {
			notes = append(notes, fmt.Sprintf("%s %s: %d calls FAILED, first: %v", r.db, r.name, r.errs, r.firstErr))
		}
	}
	if len(notes) > 0 {
		fmt.Fprintln(out)
		for _, n := range notes {
			fmt.Fprintln(out, n)
		}
	}

	fmt.Fprintln(out, "\ntargets")
	tw = tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "database\tcheck\tmeasured\ttarget\tresult\t")
	check := func(db, what string, v, target float64, atLeast bool) {
		op, pass := "≤", v <= target
		if atLeast {
			op, pass = "≥", v >= target
		}
		verdict := "MISS"
		if pass {
			verdict = "PASS"
		}
		fmt.Fprintf(tw, "%s\t%s\t%.2f×\t%s %.1f×\t%s\t\n", db, what, v, op, target, verdict)
	}
	if sqliteFL != nil {
		check("sqlite", "PutEvents throughput ÷ bare handler throughput", sqliteFL.rate()/bare.rate(), 0.5, true)
		check("sqlite", "PutEvents p99 ÷ bare handler p99", float64(sqliteFL.pct(99))/float64(bare.pct(99)), 2, false)
	} else {
		fmt.Fprintf(tw, "sqlite\tPutEvents throughput ÷ bare handler throughput\t-\t≥ 0.5×\tSKIPPED\t\n")
		fmt.Fprintf(tw, "sqlite\tPutEvents p99 ÷ bare handler p99\t-\t≤ 2.0×\tSKIPPED\t\n")
	}
	if pgFL != nil && pgCommits != nil {
		check("postgres", fmt.Sprintf("PutEvents throughput ÷ single-row commits (%d conns)", o.pgConns), pgFL.rate()/pgCommits.rate(), 2, true)
	} else {
		fmt.Fprintf(tw, "postgres\tPutEvents throughput ÷ single-row commits (%d conns)\t-\t≥ 2.0×\tSKIPPED (no DSN)\t\n", o.pgConns)
	}
	hookTargets(tw, o, results, bare, pgCommits, check)
	// put → delivered has no target yet: the ratio is reported.
	for _, db := range []string{"sqlite", "postgres"} {
		const what = "put → delivered throughput ÷ PutEvents throughput"
		var row *result
		for _, r := range results {
			if r.dl != nil && r.db == db {
				row = r
			}
		}
		switch {
		case row != nil && row.dl.vs != nil:
			fmt.Fprintf(tw, "%s\t%s\t%.2f×\t-\tINFO\t\n", db, what, row.dl.ratio(row))
		case o.skipDelivery:
			fmt.Fprintf(tw, "%s\t%s\t-\t-\tSKIPPED (-skip-delivery)\t\n", db, what)
		case db == "sqlite":
			fmt.Fprintf(tw, "%s\t%s\t-\t-\tSKIPPED (-skip-sqlite)\t\n", db, what)
		default:
			fmt.Fprintf(tw, "%s\t%s\t-\t-\tSKIPPED (no DSN)\t\n", db, what)
		}
	}
	_ = tw.Flush()
}

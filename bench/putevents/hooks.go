package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
)

// The Alertmanager hook scenario: the same senders post the real
// Alertmanager webhook fixture (one firing alert per post) to a hook of
// Type alertmanager with a Bearer token; a 200 means the alert's event is
// committed, as for PutEvents.

const (
	// hookName is the hook applied to the scenario's server.
	hookName = "bench-alertmanager"
	// hookToken is its Bearer token.
	hookToken = "bench-alertmanager-token-0123456789"
	// hookRowName names the scenario's rows.
	hookRowName = "firstline Alertmanager posts"
	// hookFixture is the Alertmanager webhook body, relative to the module
	// root.
	hookFixture = "testdata/fixtures/alertmanager/webhook-v4-firing.json"
)

// errHookTypeMissing reports a server without the alertmanager hook type:
// the scenario is skipped, not failed.
var errHookTypeMissing = errors.New("hook type alertmanager is not registered")

// findFixture returns path if it exists, else hookFixture found in the
// working directory or one of its parents (go run ./bench/putevents runs
// from the module root).
func findFixture(path string) (string, error) {
	if path != "" {
		_, err := os.Stat(path)
		return path, err
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, hookFixture)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("%s not found in the working directory or its parents (set -hook-fixture)", hookFixture)
		}
		dir = parent
	}
}

// makeHookBodies returns count distinct Alertmanager webhook bodies: the
// fixture with a label bench=<n> on its one alert (and in the group's
// common labels, as Alertmanager sends them) and a fingerprint of its own.
func makeHookBodies(fixturePath string, count int) ([][]byte, error) {
	fixture, err := os.ReadFile(fixturePath)
	if err != nil {
		return nil, err
	}
	bodies := make([][]byte, count)
	for n := range bodies {
		var msg map[string]any
		if err := json.Unmarshal(fixture, &msg); err != nil {
			return nil, fmt.Errorf("%s: %w", fixturePath, err)
		}
		alerts, _ := msg["alerts"].([]any)
		if len(alerts) != 1 {
			return nil, fmt.Errorf("%s: %d alerts, want 1", fixturePath, len(alerts))
		}
		alert, _ := alerts[0].(map[string]any)
		labels, _ := alert["labels"].(map[string]any)
		if labels == nil {
			return nil, fmt.Errorf("%s: the alert has no labels", fixturePath)
		}
		marker := fmt.Sprintf("bench-%04d", n)
		labels["bench"] = marker
		alert["fingerprint"] = fmt.Sprintf("%016x", uint64(n+1)*0x9e3779b97f4a7c15)
		if cl, ok := msg["commonLabels"].(map[string]any); ok {
			cl["bench"] = marker
		}
		if bodies[n], err = json.Marshal(msg); err != nil {
			return nil, err
		}
	}
	return bodies, nil
}

// applyHook applies the scenario's hook; errHookTypeMissing when the server
// does not know Type alertmanager.
func (f *firstline) applyHook(ctx context.Context, c *http.Client) error {
	spec, err := json.Marshal(map[string]any{"Type": "alertmanager", "Auth": map[string]any{"Bearer": hookToken}})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, f.srv.URL+"/api/v1/resources/Hook/"+hookName, bytes.NewReader(spec))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+f.token)
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("apply hook: %w", err)
	}
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusCreated || resp.StatusCode == http.StatusOK:
		return nil
	case resp.StatusCode == http.StatusBadRequest && bytes.Contains(b, []byte("unknown hook type")):
		return errHookTypeMissing
	default:
		return fmt.Errorf("apply hook: status %d: %.300s", resp.StatusCode, b)
	}
}

// postHook sends one Alertmanager webhook, reads the whole response and
// checks it: 200 with one EventId.
func postHook(ctx context.Context, c *http.Client, url, token string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Alertmanager/0.27.0")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	b, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return fmt.Errorf("read response: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d: %.300s", resp.StatusCode, b)
	}
	var hr struct {
		EventIds []string //nolint:revive // response field name
	}
	if err := json.Unmarshal(b, &hr); err != nil {
		return fmt.Errorf("decode response: %w: %.300s", err, b)
	}
	if len(hr.EventIds) != 1 || hr.EventIds[0] == "" {
		return fmt.Errorf("one alert posted, EventIds %q", hr.EventIds)
	}
	return nil
}

// hooks measures Alertmanager posts on a fresh firstline server (database
// as for startFirstline). It returns a nil result and a note when the hook
// type is not registered.
func hooks(ctx context.Context, o options, client *http.Client, bodies [][]byte, db, dataDir, database string) (res *result, notes []string, err error) {
	label := db + " Alertmanager posts"
	progress("%s: starting firstline with hook %s (Type alertmanager, Bearer)", db, hookName)
	srv, err := startFirstline(ctx, dataDir, database)
	if err != nil {
		return nil, nil, err
	}
	defer func() {
		client.CloseIdleConnections()
		srv.stop()
	}()
	if err := srv.applyHook(ctx, client); err != nil {
		if errors.Is(err, errHookTypeMissing) {
			return nil, []string{label + ": SKIPPED, " + err.Error() + " in this build"}, nil
		}
		return nil, nil, fmt.Errorf("%s: %w", label, err)
	}
	url := srv.srv.URL + "/hooks/" + hookName
	op := func(ctx context.Context, i int) error {
		return postHook(ctx, client, url, hookToken, bodies[i%len(bodies)])
	}
	progress("%s: %d senders", label, o.senders)
	warm, err := warmup(ctx, o.senders, o.requests, op)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", label, err)
	}
	res = run(ctx, label, o.senders, o.requests, o.durationLimit, op)
	res.db, res.name, res.perOp = db, hookRowName, 1
	if txs, writes, serr := srv.batchStats(ctx, client); serr == nil && txs > 0 {
		notes = append(notes, fmt.Sprintf("%s: group commit made %.0f transactions for %.0f hook writes (mean batch %.1f, warm-up included); %d-byte webhook bodies",
			label, txs, writes, writes/txs, len(bodies[0])))
	}
	if res.errs == 0 && ctx.Err() == nil {
		want := int64(warm + res.ops())
		got, cerr := countEvents(ctx, srv.srv.Store())
		switch {
		case cerr != nil:
			return nil, notes, fmt.Errorf("%s: count stored events: %w", label, cerr)
		case got != want:
			return nil, notes, fmt.Errorf("%s: %d alerts acknowledged but %d events stored", label, want, got)
		}
		var wrong int64
		if err := srv.srv.Store().QueryRow(ctx, `SELECT COUNT(*) FROM events WHERE source <> 'alertmanager'`).Scan(&wrong); err != nil {
			return nil, notes, fmt.Errorf("%s: count stored events: %w", label, err)
		} else if wrong > 0 {
			return nil, notes, fmt.Errorf("%s: %d stored events do not have source alertmanager", label, wrong)
		}
	}
	return res, notes, ctx.Err()
}

// hookRow returns the Alertmanager row of db in results, nil if none.
func hookRow(results []*result, db string) *result {
	for _, r := range results {
		if r.db == db && r.name == hookRowName && r.dl == nil {
			return r
		}
	}
	return nil
}

// hookTargets prints the Alertmanager lines of the targets table: the
// PutEvents targets applied to the hook rows.
func hookTargets(tw io.Writer, o options, results []*result, bare, pgCommits *result, check func(db, what string, v, target float64, atLeast bool)) {
	skipped := func(db string) string {
		switch {
		case o.skipHooks:
			return "SKIPPED (-skip-hooks)"
		case db == "sqlite" && o.skipSQLite:
			return "SKIPPED (-skip-sqlite)"
		case db == "postgres" && o.postgres == "":
			return "SKIPPED (no DSN)"
		}
		return "SKIPPED (see notes)"
	}
	if r := hookRow(results, "sqlite"); r != nil {
		check("sqlite", "Alertmanager posts throughput ÷ bare handler throughput", r.rate()/bare.rate(), 0.5, true)
		check("sqlite", "Alertmanager posts p99 ÷ bare handler p99", float64(r.pct(99))/float64(bare.pct(99)), 2, false)
	} else {
		fmt.Fprintf(tw, "sqlite\tAlertmanager posts throughput ÷ bare handler throughput\t-\t≥ 0.5×\t%s\t\n", skipped("sqlite"))
		fmt.Fprintf(tw, "sqlite\tAlertmanager posts p99 ÷ bare handler p99\t-\t≤ 2.0×\t%s\t\n", skipped("sqlite"))
	}
	what := fmt.Sprintf("Alertmanager posts throughput ÷ single-row commits (%d conns)", o.pgConns)
	if r := hookRow(results, "postgres"); r != nil && pgCommits != nil {
		check("postgres", what, r.rate()/pgCommits.rate(), 2, true)
	} else {
		fmt.Fprintf(tw, "postgres\t%s\t-\t≥ 2.0×\t%s\t\n", what, skipped("postgres"))
	}
}

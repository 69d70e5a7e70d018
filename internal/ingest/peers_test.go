//go:build unix

package ingest_test

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/firstline/firstline/internal/server/servertest"
	"github.com/firstline/firstline/internal/store"
	"github.com/firstline/firstline/internal/store/storetest"
)

// The peers test runs the Debian packages' binaries (apt-get install
// prometheus prometheus-alertmanager); .ci/run installs them.
const (
	prometheusBin   = "prometheus"
	alertmanagerBin = "prometheus-alertmanager"
	// peersTimeout bounds the whole scenario of one dialect.
	peersTimeout = 90 * time.Second
	// peersAlertName is the alerting rule's name, and so the alertname label.
	peersAlertName = "FirstlinePeersUpTestDown"
)

// TestAlertmanagerPeers runs a real Prometheus and Alertmanager against an
// in-process firstline: Prometheus scrapes a gauge served by the test,
// fires an alert when it drops to 0 and sends it to Alertmanager, whose
// webhook posts to /hooks/alertmanager with a bearer token; a rule on
// source alertmanager delivers the events to a recording target. The
// target must see the firing alert, then, once the gauge is back to 1,
// the resolved one.
func TestAlertmanagerPeers(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Prometheus and Alertmanager; skipped under -short")
	}
	promPath := lookPeer(t, prometheusBin)
	amPath := lookPeer(t, alertmanagerBin)
	t.Parallel()
	storetest.Run(t, func(t *testing.T, d store.Dialect) {
		start := time.Now()
		deadline := start.Add(peersTimeout)

		s := servertest.Start(t, d)
		token := randomHex(t, 24)
		applyHook(t, s, "alertmanager", `{"Type":"alertmanager","Auth":{"Bearer":"`+token+`"}}`)
		tg := newRecorder(t)
		rule := map[string]any{
			"EventPattern": map[string]any{"source": []string{"alertmanager"}},
			"Targets":      []any{map[string]any{"Id": "t", "Http": map[string]any{"Endpoint": tg.URL + "/"}}},
		}
		status, b := s.Do(t, http.MethodPut, "/api/v1/resources/Rule/alertmanager-to-target", s.AdminToken, rule)
		require.Contains(t, []int{200, 201}, status, string(b))

		exp := newExporter(t)
		amAddr := freeAddr(t)
		promAddr := freeAddr(t)

		// Alertmanager first, so that Prometheus finds it at once.
		amDir := t.TempDir()
		writeFile(t, filepath.Join(amDir, "alertmanager.yml"), fmt.Sprintf(`route:
  receiver: firstline
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: firstline
    webhook_configs:
      - url: %s/hooks/alertmanager
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials: %q
`, s.URL, token))
		am := startPeer(t, "alertmanager", amPath,
			"--config.file="+filepath.Join(amDir, "alertmanager.yml"),
			"--storage.path="+filepath.Join(amDir, "data"),
			"--web.listen-address="+amAddr,
			"--cluster.listen-address=", // no gossip port
			"--log.level=debug",
		)

		promDir := t.TempDir()
		writeFile(t, filepath.Join(promDir, "rules.yml"), `groups:
  - name: firstline-peers
    rules:
      - alert: `+peersAlertName+`
        expr: up_test == 0
        for: 0s
        labels:
          severity: critical
        annotations:
          summary: up_test is 0
`)
		writeFile(t, filepath.Join(promDir, "prometheus.yml"), fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - %q
alerting:
  alertmanagers:
    - static_configs:
        - targets: [%q]
scrape_configs:
  - job_name: firstline-peers-exporter
    static_configs:
      - targets: [%q]
`, filepath.Join(promDir, "rules.yml"), amAddr, exp.addr))
		prom := startPeer(t, "prometheus", promPath,
			"--config.file="+filepath.Join(promDir, "prometheus.yml"),
			"--storage.tsdb.path="+filepath.Join(promDir, "data"),
			"--web.listen-address="+promAddr,
			"--log.level=debug",
		)
		peers := []*peer{am, prom}

		am.waitReady(t, "http://"+amAddr+"/-/ready", deadline, peers)
		prom.waitReady(t, "http://"+promAddr+"/-/ready", deadline, peers)
		// The gauge has been read as 1 before it drops.
		poll(t, deadline, peers, "Prometheus to scrape the exporter", nil, func() bool { return exp.scrapes.Load() > 0 })
		t.Logf("%s: peers up, exporter scraped after %v", d, time.Since(start).Round(time.Millisecond))

		exp.up.Store(0)
		firing := tg.waitEvent(t, deadline, peers, "a firing alert", "firing")
		t.Logf("%s: firing event after %v", d, time.Since(start).Round(time.Millisecond))
		requireAlertEvent(t, firing, "firing", exp.addr)

		exp.up.Store(1)
		resolved := tg.waitEvent(t, deadline, peers, "the resolved alert", "resolved")
		t.Logf("%s: resolved event after %v", d, time.Since(start).Round(time.Millisecond))
		requireAlertEvent(t, resolved, "resolved", exp.addr)
		require.Equal(t, firing.Detail["fingerprint"], resolved.Detail["fingerprint"], "firing and resolved are the same alert")
		require.NotEqual(t, firing.ID, resolved.ID)
	})
}

// lookPeer returns the path of a peer binary, skipping the test if it is
// not installed.
func lookPeer(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if _, serr := os.Stat("/usr/bin/" + name); serr == nil {
			return "/usr/bin/" + name
		}
		t.Skipf("%s is not installed (apt-get install prometheus prometheus-alertmanager): %v", name, err)
	}
	return p
}

func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return hex.EncodeToString(b)
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
}

// freeAddr returns a 127.0.0.1 address with a port free right now; a peer
// started on it shortly after finds it free unless another process took it
// in between.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

// exporter serves /metrics with the gauge up_test, which the test flips.
type exporter struct {
	addr    string
	up      atomic.Int32
	scrapes atomic.Int64
}

func newExporter(t *testing.T) *exporter {
	e := &exporter{}
	e.up.Store(1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/metrics" {
			http.NotFound(w, r)
			return
		}
		e.scrapes.Add(1)
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		fmt.Fprintf(w, "# HELP up_test A gauge the firstline peers test flips.\n# TYPE up_test gauge\nup_test %d\n", e.up.Load())
	}))
	t.Cleanup(srv.Close)
	e.addr = srv.Listener.Addr().String()
	return e
}

// delivered is an event as a rule's Http target receives it.
type delivered struct {
	ID         string         `json:"id"`
	Source     string         `json:"source"`
	DetailType string         `json:"detail-type"`
	Resources  []string       `json:"resources"`
	Detail     map[string]any `json:"detail"`
	raw        string
}

// recorder is a rule target keeping every body it receives.
type recorder struct {
	*httptest.Server
	mu     sync.Mutex
	bodies []string
	signal chan struct{}
}

func newRecorder(t *testing.T) *recorder {
	rc := &recorder{signal: make(chan struct{}, 1)}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.bodies = append(rc.bodies, string(b))
		rc.mu.Unlock()
		select {
		case rc.signal <- struct{}{}:
		default:
		}
	}))
	t.Cleanup(rc.Close)
	return rc
}

// waitEvent returns the first received event from Alertmanager for the
// test's alert with detail.status status.
func (rc *recorder) waitEvent(t *testing.T, deadline time.Time, peers []*peer, what, status string) delivered {
	t.Helper()
	var found delivered
	poll(t, deadline, peers, what, rc.signal, func() bool {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		for _, b := range rc.bodies {
			var ev delivered
			if json.Unmarshal([]byte(b), &ev) != nil || ev.Source != "alertmanager" {
				continue
			}
			labels, _ := ev.Detail["labels"].(map[string]any)
			if ev.Detail["status"] == status && labels["alertname"] == peersAlertName {
				ev.raw = b
				found = ev
				return true
			}
		}
		return false
	}, func() string {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		return fmt.Sprintf("target received %d bodies:\n%s", len(rc.bodies), strings.Join(rc.bodies, "\n"))
	})
	return found
}

// requireAlertEvent checks an event against the alertmanager hook's
// documented shape and what the peers were configured with.
func requireAlertEvent(t *testing.T, ev delivered, status, exporterAddr string) {
	t.Helper()
	require.Equal(t, "alertmanager", ev.Source, ev.raw)
	require.Equal(t, "Alertmanager Alert", ev.DetailType, ev.raw)
	require.NotEmpty(t, ev.ID, ev.raw)
	require.Equal(t, status, ev.Detail["status"], ev.raw)
	labels, ok := ev.Detail["labels"].(map[string]any)
	require.True(t, ok, "detail.labels is not an object: %s", ev.raw)
	require.Equal(t, peersAlertName, labels["alertname"], ev.raw)
	require.Equal(t, "critical", labels["severity"], ev.raw)
	require.Equal(t, "firstline-peers-exporter", labels["job"], ev.raw)
	require.Equal(t, exporterAddr, labels["instance"], ev.raw)
	annotations, ok := ev.Detail["annotations"].(map[string]any)
	require.True(t, ok, "detail.annotations is not an object: %s", ev.raw)
	require.Equal(t, "up_test is 0", annotations["summary"], ev.raw)
	// ResourceLabels defaults to instance, job and service (absent here).
	require.Equal(t, []string{"instance/" + exporterAddr, "job/firstline-peers-exporter"}, ev.Resources, ev.raw)
	fp, _ := ev.Detail["fingerprint"].(string)
	require.NotEmpty(t, fp, "detail.fingerprint: %s", ev.raw)
}

// poll waits until cond holds, checking it on every signal (if any) and at
// least every 50ms, and fails with the peers' state and logs at deadline
// or when a peer exits. more, if given, adds to the failure message.
func poll(t *testing.T, deadline time.Time, peers []*peer, what string, signal <-chan struct{}, cond func() bool, more ...func() string) {
	t.Helper()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	timeout := time.NewTimer(time.Until(deadline))
	defer timeout.Stop()
	fail := func(why string) {
		t.Helper()
		msg := fmt.Sprintf("waiting for %s: %s", what, why)
		for _, m := range more {
			msg += "\n" + m()
		}
		t.Fatal(msg) // the peers' logs follow from their cleanups
	}
	for !cond() {
		for _, p := range peers {
			select {
			case <-p.done:
				fail(fmt.Sprintf("%s exited: %v", p.name, p.err))
			default:
			}
		}
		select {
		case <-signal:
		case <-tick.C:
		case <-timeout.C:
			fail(fmt.Sprintf("not done after the overall timeout of %v", peersTimeout))
		}
	}
}

// peer is a Prometheus or Alertmanager child process.
type peer struct {
	name string
	cmd  *exec.Cmd
	logs *servertest.SyncBuffer
	done chan struct{}
	err  error // set before done is closed
}

// startPeer runs bin with args, stops it at cleanup (SIGTERM, then
// SIGKILL after 10s) and logs its output if the test failed.
func startPeer(t *testing.T, name, bin string, args ...string) *peer {
	t.Helper()
	p := &peer{name: name, logs: &servertest.SyncBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Stdout = p.logs
	p.cmd.Stderr = p.logs
	p.cmd.Dir = t.TempDir()
	require.NoError(t, p.cmd.Start(), "start %s", name)
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("%s (%s) logs:\n%s", name, strings.Join(p.cmd.Args, " "), p.logs.String())
		}
	})
	return p
}

// waitReady polls url until it answers 200.
func (p *peer) waitReady(t *testing.T, url string, deadline time.Time, peers []*peer) {
	t.Helper()
	client := &http.Client{Timeout: time.Second}
	poll(t, deadline, peers, p.name+" to be ready at "+url, nil, func() bool {
		resp, err := client.Get(url)
		if err != nil {
			return false
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

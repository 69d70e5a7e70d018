package servertest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Helpers for crash tests that run firstline as a real child process.

// BuildBinary builds cmd/firstline into a temporary directory and returns
// its path.
func BuildBinary(t *testing.T) string {
	t.Helper()
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	require.NoError(t, err)
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	bin := filepath.Join(t.TempDir(), "firstline")
	build := exec.Command("go", "build", "-o", bin, "./cmd/firstline")
	build.Dir = root
	out, err := build.CombinedOutput()
	require.NoError(t, err, "go build ./cmd/firstline:\n%s", out)
	return bin
}

// Gate tells client goroutines whether the child server is up and at
// which URL, across kills and restarts.
type Gate struct {
	mu    sync.Mutex
	url   string
	gen   int
	ready chan struct{} // closed while the server is up
}

// NewGate returns a gate for a server that is down.
func NewGate() *Gate { return &Gate{ready: make(chan struct{})} }

// Up records that the server answers at base.
func (g *Gate) Up(base string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.url = base
	g.gen++
	close(g.ready)
}

// Down records that the server is gone.
func (g *Gate) Down() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.url = ""
	g.ready = make(chan struct{})
}

// Wait returns the URL of the running server, waiting while it is down; ok
// is false if ctx ended.
func (g *Gate) Wait(ctx context.Context) (base string, gen int, ok bool) {
	for {
		g.mu.Lock()
		ready := g.ready
		base, gen = g.url, g.gen
		g.mu.Unlock()
		if base != "" {
			return base, gen, true
		}
		select {
		case <-ready:
		case <-ctx.Done():
			return "", 0, false
		}
	}
}

// Child is a running `firstline serve` process.
// Child is a firstline process started by StartChild.
type Child struct {
	Cmd  *exec.Cmd
	URL  string
	Done chan struct{} // closed when the process has exited and was reaped
}

// Wait waits up to timeout for the process to exit and returns its state.
func (c *Child) Wait(t *testing.T, timeout time.Duration) *os.ProcessState {
	t.Helper()
	select {
	case <-c.Done:
		return c.Cmd.ProcessState
	case <-time.After(timeout):
		require.FailNow(t, "firstline did not exit", "within %s", timeout)
		return nil
	}
}

// StartChild starts firstline with args, waits for its banner and for
// /readyz to answer 200, and kills it at cleanup if it still runs.
func StartChild(t *testing.T, bin, dir string, args []string, logs *Logs, client *http.Client, label string) *Child {
	t.Helper()
	_, _ = fmt.Fprintf(logs, "----- %s: firstline %s\n", label, strings.Join(args, " "))
	banner := &bannerWatcher{logs: logs, url: make(chan string, 1)}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Stdout = banner
	cmd.Stderr = logs
	require.NoError(t, cmd.Start())
	c := &Child{Cmd: cmd, Done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(c.Done)
	}()
	t.Cleanup(func() {
		select {
		case <-c.Done:
		default:
			_ = cmd.Process.Kill()
			<-c.Done
		}
	})

	select {
	case c.URL = <-banner.url:
	case <-c.Done:
		require.FailNow(t, "firstline exited before listening", "%s: %v", label, cmd.ProcessState)
	case <-time.After(60 * time.Second):
		require.FailNow(t, "firstline did not print its URL", label)
	}

	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := client.Get(c.URL + "/readyz")
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return c
			}
		}
		require.True(t, time.Now().Before(deadline), "%s: %s/readyz not ready in 30s (last: %v)", label, c.URL, err)
		select {
		case <-c.Done:
			require.FailNow(t, "firstline exited before ready", "%s: %v", label, cmd.ProcessState)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// bannerWatcher receives the child's stdout: it copies it to the logs and
// sends the URL of the "firstline is listening on URL" line.
type bannerWatcher struct {
	logs *Logs
	url  chan string

	mu   sync.Mutex
	line []byte
	sent bool
}

func (w *bannerWatcher) Write(p []byte) (int, error) {
	_, _ = w.logs.Write(p)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.line = append(w.line, p...)
	for {
		i := bytes.IndexByte(w.line, '\n')
		if i < 0 {
			return len(p), nil
		}
		line := string(w.line[:i])
		w.line = w.line[i+1:]
		if u, ok := strings.CutPrefix(line, "firstline is listening on "); ok && !w.sent {
			w.sent = true
			w.url <- strings.TrimSpace(u)
		}
	}
}

// Logs collects the output of child processes (goroutine-safe).
type Logs = SyncBuffer

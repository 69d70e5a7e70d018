//go:build unix

package function_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/firstline/firstline/internal/execution/function"
	"github.com/firstline/firstline/internal/resource"
	"github.com/firstline/firstline/internal/store"
	"github.com/firstline/firstline/internal/store/storetest"
	"github.com/firstline/firstline/internal/workflow"
)

// seedFunctionName is how the seed runbook names its function: a
// placeholder standing for region and account, and a qualifier.
const seedFunctionName = "arn:aws:lambda:〓ARN名〓:function:Alert_count:$LATEST"

// fixture is an integration over a real resource store (SQLite in
// t.TempDir()) and a registry it is registered in.
type fixture struct {
	integ     *function.Integration
	resources *resource.Store
	reg       *workflow.Registry
}

func setup(t *testing.T) *fixture {
	t.Helper()
	db, err := store.Open(context.Background(), store.Config{DSN: storetest.DSN(t, store.SQLite)})
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	kinds := resource.NewRegistry()
	require.NoError(t, kinds.Register(function.Kind{}))
	resources := resource.NewStore(db, kinds)
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	integ := function.New(resources, &http.Client{Transport: tr})
	reg := workflow.NewRegistry()
	require.NoError(t, integ.Register(reg))
	return &fixture{integ: integ, resources: resources, reg: reg}
}

// apply stores a Function resource, validated as `firstline apply` does.
func (f *fixture) apply(t *testing.T, name string, spec map[string]any) {
	t.Helper()
	b, err := json.Marshal(spec)
	require.NoError(t, err)
	_, _, err = f.resources.Apply(context.Background(), resource.Resource{Kind: function.KindName, Name: name, Spec: b}, false)
	require.NoError(t, err)
}

// call runs one task through the registry, as a driver does.
func (f *fixture) call(ctx context.Context, t *testing.T, r *workflow.Request) (any, error) {
	t.Helper()
	i, pattern, ok := f.reg.Lookup(r.Resource)
	require.True(t, ok, "no integration for %s", r.Resource)
	if r.ID == "" {
		r.ID = "r1"
	}
	r.Kind, r.State = workflow.KindTask, "Call"
	return i.Invoke(ctx, r, pattern)
}

// invoke calls lambda:invoke with FunctionName and Payload.
func (f *fixture) invoke(t *testing.T, functionName string, payload string) (any, error) {
	t.Helper()
	return f.call(context.Background(), t, &workflow.Request{Resource: function.InvokeResource,
		Parameters: map[string]any{"FunctionName": functionName, "Payload": value(t, payload)}})
}

// value decodes JSON into the Go forms the interpreter uses.
func value(t *testing.T, s string) any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	require.NoError(t, dec.Decode(&v))
	return v
}

// jsonOf is v as compact JSON, as the interpreter writes it (no HTML
// escaping).
func jsonOf(t *testing.T, v any) string {
	t.Helper()
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	require.NoError(t, enc.Encode(v))
	return strings.TrimSuffix(b.String(), "\n")
}

// shell returns a Command spec running body with /bin/sh. The script is
// an argument of /bin/sh rather than an executable of its own, so no
// concurrent fork of another test can make exec fail with ETXTBSY.
func shell(t *testing.T, body string, env map[string]string) map[string]any {
	t.Helper()
	path := filepath.Join(t.TempDir(), "fn.sh")
	require.NoError(t, os.WriteFile(path, []byte(body), 0o644))
	c := map[string]any{"Path": "/bin/sh", "Args": []string{path}}
	if env != nil {
		c["Env"] = env
	}
	return c
}

// requireTaskError checks err is a task error with this name and returns
// its cause.
func requireTaskError(t *testing.T, err error, name string) string {
	t.Helper()
	var te *workflow.TaskError
	require.True(t, errors.As(err, &te), "want a %s task error, got %v", name, err)
	require.Equal(t, name, te.Name, "cause: %s", te.Cause)
	return te.Cause
}

// gone reports whether process pid has ended (or is a zombie nobody
// reaped yet).
func gone(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if errors.Is(err, os.ErrNotExist) {
		return true
	}
	if err != nil {
		return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
	}
	s := string(data)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(fields) > 0 && (fields[0] == "Z" || fields[0] == "X")
}

// waitGone polls until process pid has ended.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !gone(pid) {
		if time.Now().After(deadline) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("process %d still runs", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// readPID polls for the pid a script writes to path.
func readPID(t *testing.T, path string) int {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, err := os.ReadFile(path)
		if pid, perr := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && perr == nil && pid > 0 {
			return pid
		}
		if time.Now().After(deadline) {
			t.Fatalf("no pid in %s", path)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// echoServer answers every POST with {"echo": <body>} and records the
// requests' headers.
type echoServer struct {
	*httptest.Server
	mu      sync.Mutex
	headers []http.Header
}

func newEchoServer(t *testing.T) *echoServer {
	t.Helper()
	s := &echoServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.headers = append(s.headers, r.Header.Clone())
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"echo": %s, "method": %q}`, body, r.Method)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *echoServer) requests() []http.Header {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]http.Header(nil), s.headers...)
}

// TestResultShapes checks both task forms on an Http and a Command
// function: lambda:invoke answers as Step Functions does (the function's
// result under Payload), a bare function ARN with the result itself; every
// FunctionName form finds the function.
func TestResultShapes(t *testing.T) {
	t.Parallel()
	f := setup(t)
	srv := newEchoServer(t)
	f.apply(t, "Alert_count", map[string]any{"Http": map[string]any{"Endpoint": srv.URL + "/count"}})
	f.apply(t, "Echo_cmd", map[string]any{"Command": shell(t, `printf '{"echo": %s}' "$(cat)"`, nil)})

	out, err := f.invoke(t, seedFunctionName, `{"n": 1.50, "s": "<a&b>"}`)
	require.NoError(t, err)
	m := out.(map[string]any)
	require.Equal(t, "$LATEST", m["ExecutedVersion"])
	require.Equal(t, json.Number("200"), m["StatusCode"])
	require.Equal(t, `{"echo":{"n":1.50,"s":"<a&b>"},"method":"POST"}`, jsonOf(t, m["Payload"]), "numbers kept as written")
	requestID := m["SdkResponseMetadata"].(map[string]any)["RequestId"].(string)
	require.Len(t, requestID, 36)
	meta := m["SdkHttpMetadata"].(map[string]any)
	require.Equal(t, json.Number("200"), meta["HttpStatusCode"])
	require.Equal(t, requestID, meta["HttpHeaders"].(map[string]any)["x-amzn-RequestId"])
	require.Equal(t, []any{"$LATEST"}, meta["AllHttpHeaders"].(map[string]any)["X-Amz-Executed-Version"])
	require.Equal(t, requestID, srv.requests()[0].Get("X-Firstline-Request-Id"), "the function sees the request id the result reports")

	for _, name := range []string{
		"Alert_count", "Alert_count:$LATEST", "Alert_count:prod",
		"arn:aws:lambda:ap-northeast-1:123456789012:function:Alert_count",
		"arn:aws:lambda:ap-northeast-1:123456789012:function:Alert_count:$LATEST",
		"123456789012:function:Alert_count",
	} {
		out, err := f.invoke(t, name, `{"x": 1}`)
		require.NoError(t, err, name)
		require.Equal(t, `{"echo":{"x":1},"method":"POST"}`, jsonOf(t, out.(map[string]any)["Payload"]), name)
	}

	out, err = f.invoke(t, "Echo_cmd", `{"host": "web-1"}`)
	require.NoError(t, err)
	require.Equal(t, `{"echo":{"host":"web-1"}}`, jsonOf(t, out.(map[string]any)["Payload"]))

	// No Payload: the function gets an empty object.
	out, err = f.call(context.Background(), t, &workflow.Request{Resource: function.InvokeResource, Parameters: map[string]any{"FunctionName": "Echo_cmd"}})
	require.NoError(t, err)
	require.Equal(t, `{"echo":{}}`, jsonOf(t, out.(map[string]any)["Payload"]))

	// A bare function ARN: Parameters are the payload, the result is the
	// function's own.
	for _, res := range []string{
		"arn:aws:lambda:ap-northeast-1:123456789012:function:Echo_cmd",
		"arn:aws:lambda:ap-northeast-1:123456789012:function:Echo_cmd:$LATEST",
		"arn:aws:lambda:::function:Echo_cmd",
	} {
		out, err := f.call(context.Background(), t, &workflow.Request{Resource: res, Parameters: value(t, `{"host": "web-2", "n": 3}`)})
		require.NoError(t, err, res)
		require.Equal(t, `{"echo":{"host":"web-2","n":3}}`, jsonOf(t, out), res)
	}

	// A function printing nothing returns null.
	f.apply(t, "Quiet", map[string]any{"Command": shell(t, `cat >/dev/null`, nil)})
	out, err = f.call(context.Background(), t, &workflow.Request{Resource: "arn:aws:lambda:r:a:function:Quiet", Parameters: map[string]any{}})
	require.NoError(t, err)
	require.Nil(t, out)
}

// TestDryRun checks InvocationType DryRun finds the function without
// running it.
func TestDryRun(t *testing.T) {
	t.Parallel()
	f := setup(t)
	srv := newEchoServer(t)
	f.apply(t, "Alert_count", map[string]any{"Http": map[string]any{"Endpoint": srv.URL}})
	out, err := f.call(context.Background(), t, &workflow.Request{Resource: function.InvokeResource,
		Parameters: map[string]any{"FunctionName": "Alert_count", "InvocationType": "DryRun"}})
	require.NoError(t, err)
	require.Equal(t, json.Number("204"), out.(map[string]any)["StatusCode"])
	require.Empty(t, srv.requests())
	_, err = f.call(context.Background(), t, &workflow.Request{Resource: function.InvokeResource,
		Parameters: map[string]any{"FunctionName": "Missing", "InvocationType": "DryRun"}})
	requireTaskError(t, err, function.ErrResourceNotFound)
}

// TestParameterErrors checks what a state machine gets wrong fails the
// task with States.Runtime, and an unknown function with
// Lambda.ResourceNotFoundException.
func TestParameterErrors(t *testing.T) {
	t.Parallel()
	f := setup(t)
	for _, tc := range []struct {
		name   string
		params any
		cause  string
	}{
		{"no FunctionName", map[string]any{"Payload": map[string]any{}}, "needs FunctionName"},
		{"FunctionName not a string", map[string]any{"FunctionName": json.Number("3")}, "needs FunctionName"},
		{"unknown parameter", map[string]any{"FunctionName": "x", "payload": map[string]any{}}, `no parameter "payload"`},
		{"Event", map[string]any{"FunctionName": "x", "InvocationType": "Event"}, "InvocationType Event"},
		{"other service", map[string]any{"FunctionName": "arn:aws:sns:r:a:topic"}, "not a Lambda function ARN"},
		{"not an object", []any{"x"}, "must be an object"},
	} {
		_, err := f.call(context.Background(), t, &workflow.Request{Resource: function.InvokeResource, Parameters: tc.params})
		require.Contains(t, requireTaskError(t, err, workflow.ErrRuntime), tc.cause, tc.name)
	}
	_, err := f.call(context.Background(), t, &workflow.Request{Resource: function.InvokeResource + ".sync", Parameters: map[string]any{"FunctionName": "x"}})
	requireTaskError(t, err, workflow.ErrRuntime)

	_, err = f.invoke(t, seedFunctionName, `{}`)
	cause := requireTaskError(t, err, function.ErrResourceNotFound)
	require.Contains(t, cause, "Function not found: Alert_count")
	_, err = f.call(context.Background(), t, &workflow.Request{Resource: "arn:aws:lambda:r:a:function:Nope", Parameters: map[string]any{}})
	requireTaskError(t, err, function.ErrResourceNotFound)
}

// TestHTTPErrors checks the error each kind of failing HTTP answer raises.
func TestHTTPErrors(t *testing.T) {
	t.Parallel()
	f := setup(t)
	const token = "tok-very-secret-123"
	mux := http.NewServeMux()
	mux.HandleFunc("/status/{code}", func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(r.PathValue("code"))
		w.WriteHeader(code)
		fmt.Fprint(w, "nope")
	})
	mux.HandleFunc("/error-type", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprint(w, `{"errorType": "CustomError", "errorMessage": "boom", "trace": []}`)
	})
	mux.HandleFunc("/handled", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Amz-Function-Error", "Handled")
		fmt.Fprint(w, `{"errorType":"ValidationError","errorMessage":"no host"}`)
	})
	mux.HandleFunc("/unhandled", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Amz-Function-Error", "Unhandled")
		fmt.Fprint(w, `out of memory`)
	})
	mux.HandleFunc("/not-json", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "hello") })
	mux.HandleFunc("/two-values", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{"a":1} {"b":2}`) })
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `"%s"`, strings.Repeat("a", function.MaxResponseBytes))
	})
	mux.HandleFunc("/leak", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, "token %s refused", r.Header.Get("X-Token"))
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body) // then the server notices the client leaving
		select {
		case <-r.Context().Done():
		case <-time.After(30 * time.Second):
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()

	for _, tc := range []struct {
		name, endpoint, want string
		cause                []string
	}{
		{"throttled", srv.URL + "/status/429", function.ErrTooManyRequests, []string{"429 Too Many Requests: nope"}},
		{"server error", srv.URL + "/status/500", function.ErrServiceException, []string{"500"}},
		{"unavailable", srv.URL + "/status/503", function.ErrServiceException, []string{"503"}},
		{"refused", closed.URL + "/x?key=abc", function.ErrServiceException, []string{"connection refused", closed.URL + "/x"}},
		{"not found", srv.URL + "/status/404", function.ErrUnknown, []string{"404 Not Found"}},
		{"too large", srv.URL + "/status/413", function.ErrRequestTooLarge, nil},
		{"reported on 500", srv.URL + "/error-type", "CustomError", []string{`{"errorType":"CustomError","errorMessage":"boom","trace":[]}`}},
		{"X-Amz-Function-Error", srv.URL + "/handled", "ValidationError", []string{`"errorMessage":"no host"`}},
		{"X-Amz-Function-Error untyped", srv.URL + "/unhandled", function.ErrUnknown, []string{"out of memory"}},
		{"not JSON", srv.URL + "/not-json", function.ErrMarshal, []string{`"errorType":"Runtime.MarshalError"`}},
		{"two values", srv.URL + "/two-values", function.ErrMarshal, []string{"more than one JSON value"}},
		{"response too large", srv.URL + "/big", function.ErrResponseTooLarge, []string{"6291556 bytes"}},
		{"timeout", srv.URL + "/slow", function.ErrTimedOut, []string{`"errorType":"Sandbox.Timedout"`, "Task timed out after 1.00 seconds"}},
		{"secret header value", srv.URL + "/leak", function.ErrUnknown, []string{"token <secret> refused"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			name := strings.ReplaceAll(tc.name, " ", "_")
			name = strings.ReplaceAll(name, "-", "_")
			f.apply(t, name, map[string]any{"Http": map[string]any{"Endpoint": tc.endpoint, "Headers": map[string]string{"X-Token": token}}, "TimeoutSeconds": 1})
			start := time.Now()
			_, err := f.invoke(t, name, `{"q": 1}`)
			cause := requireTaskError(t, err, tc.want)
			for _, c := range tc.cause {
				require.Contains(t, cause, c)
			}
			require.NotContains(t, cause, token)
			require.NotContains(t, cause, "key=abc", "no query string in a cause")
			require.Less(t, time.Since(start), 5*time.Second)
		})
	}
}

// TestCommandErrors checks the error each way a command fails raises.
func TestCommandErrors(t *testing.T) {
	t.Parallel()
	f := setup(t)
	const secret = "s3cr3t-value-42"
	notExecutable := filepath.Join(t.TempDir(), "fn.sh")
	require.NoError(t, os.WriteFile(notExecutable, []byte("#!/bin/sh\necho {}\n"), 0o644))
	for _, tc := range []struct {
		name    string
		command map[string]any
		want    string
		cause   []string
		notIn   []string
	}{
		{name: "exit status", command: shell(t, "cat >/dev/null\necho 'first line' >&2\ni=0; while [ $i -lt 2000 ]; do echo \"noise $i\" >&2; i=$((i+1)); done\necho 'disk full on /var' >&2\nexit 3\n", nil),
			want: function.ErrUnknown, cause: []string{"exit status 3", "disk full on /var"}, notIn: []string{"first line"}},
		{name: "reported error", command: shell(t, `echo '{"errorType": "ValidationError", "errorMessage": "no host"}'; exit 1`, nil),
			want: "ValidationError", cause: []string{`{"errorType":"ValidationError","errorMessage":"no host"}`}},
		{name: "errorType with status 0 is a result", command: shell(t, `echo '{"errorType": "x"}'`, nil)},
		{name: "not JSON", command: shell(t, `echo hello`, nil), want: function.ErrMarshal},
		{name: "killed by a signal", command: shell(t, `kill -9 $$`, nil), want: function.ErrUnknown, cause: []string{"signal: killed"}},
		{name: "missing program", command: map[string]any{"Path": "/nonexistent/alert-count"}, want: function.ErrInvalidEntrypoint, cause: []string{"no such file or directory"}},
		{name: "not executable", command: map[string]any{"Path": notExecutable}, want: function.ErrInvalidEntrypoint, cause: []string{"permission denied"}},
		{name: "missing dir", command: map[string]any{"Path": "/bin/sh", "Dir": "/nonexistent"}, want: function.ErrInvalidEntrypoint},
		{name: "output too large", command: shell(t, `printf '"'; head -c 7000000 /dev/zero | tr '\0' a; printf '"'`, nil), want: function.ErrResponseTooLarge},
		{name: "secret in stderr", command: shell(t, `echo "auth with $TOKEN failed" >&2; exit 1`, map[string]string{"TOKEN": secret}),
			want: function.ErrUnknown, cause: []string{"auth with <secret> failed"}, notIn: []string{secret}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			name := strings.ReplaceAll(tc.name, " ", "_")
			f.apply(t, name, map[string]any{"Command": tc.command, "TimeoutSeconds": 10})
			out, err := f.invoke(t, name, `{"q": 1}`)
			if tc.want == "" {
				require.NoError(t, err)
				require.Equal(t, `{"errorType":"x"}`, jsonOf(t, out.(map[string]any)["Payload"]))
				return
			}
			cause := requireTaskError(t, err, tc.want)
			for _, c := range tc.cause {
				require.Contains(t, cause, c)
			}
			for _, c := range tc.notIn {
				require.NotContains(t, cause, c)
			}
			require.Less(t, len(cause), 5000, "a cause quotes a bounded tail")
		})
	}
}

// TestTimeoutKillsProcessGroup runs a command whose child started a
// grandchild; at the function's timeout both are killed and the task
// fails with Sandbox.Timedout, without waiting for them.
func TestTimeoutKillsProcessGroup(t *testing.T) {
	t.Parallel()
	f := setup(t)
	pidFile := filepath.Join(t.TempDir(), "pid")
	f.apply(t, "Hang", map[string]any{"TimeoutSeconds": 1, "Command": shell(t,
		`sh -c 'sleep 300 & echo $! > "$PIDFILE"; wait' &
wait
`, map[string]string{"PIDFILE": pidFile})})
	start := time.Now()
	_, err := f.invoke(t, "Hang", `{}`)
	took := time.Since(start)
	cause := requireTaskError(t, err, function.ErrTimedOut)
	require.Contains(t, cause, "Task timed out after 1.00 seconds")
	require.GreaterOrEqual(t, took, time.Second)
	require.Less(t, took, 4*time.Second)
	waitGone(t, readPID(t, pidFile))
}

// TestExitKillsLeftovers runs a command that leaves a process behind
// holding its standard output: the call ends as the command exits and the
// leftover is killed.
func TestExitKillsLeftovers(t *testing.T) {
	t.Parallel()
	f := setup(t)
	pidFile := filepath.Join(t.TempDir(), "pid")
	f.apply(t, "Leaves", map[string]any{"Command": shell(t, `sleep 300 &
echo $! > "$PIDFILE"
echo '{"ok": true}'
`, map[string]string{"PIDFILE": pidFile})})
	start := time.Now()
	out, err := f.invoke(t, "Leaves", `{}`)
	require.NoError(t, err)
	require.Equal(t, `{"ok":true}`, jsonOf(t, out.(map[string]any)["Payload"]))
	require.Less(t, time.Since(start), 1500*time.Millisecond, "not waiting for the leftover's pipes")
	waitGone(t, readPID(t, pidFile))
}

// TestEscapedProcessHoldingPipes runs a command whose leftover left the
// process group (setsid) and holds standard output: the call ends after a
// short grace all the same.
func TestEscapedProcessHoldingPipes(t *testing.T) {
	t.Parallel()
	f := setup(t)
	pidFile := filepath.Join(t.TempDir(), "pid")
	f.apply(t, "Escapes", map[string]any{"Command": shell(t, `setsid sh -c 'echo $$ > "$PIDFILE"; exec sleep 300' &
while [ ! -s "$PIDFILE" ]; do sleep 0.01; done
echo '{"ok": true}'
`, map[string]string{"PIDFILE": pidFile})})
	start := time.Now()
	out, err := f.invoke(t, "Escapes", `{}`)
	pid := readPID(t, pidFile)
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) })
	require.NoError(t, err)
	require.Equal(t, `{"ok":true}`, jsonOf(t, out.(map[string]any)["Payload"]))
	require.Less(t, time.Since(start), 4*time.Second)
}

// TestStateTimeout checks a Task TimeoutSeconds shorter than the
// function's ends the call with States.Timeout.
func TestStateTimeout(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.apply(t, "Slow", map[string]any{"TimeoutSeconds": 60, "Command": shell(t, "exec sleep 300", nil)})
	start := time.Now()
	_, err := f.call(context.Background(), t, &workflow.Request{Resource: function.InvokeResource, TimeoutSeconds: 1,
		Parameters: map[string]any{"FunctionName": "Slow"}})
	requireTaskError(t, err, workflow.ErrTimeout)
	require.Less(t, time.Since(start), 4*time.Second)
}

// TestCancel checks a cancelled context (a server stopping) kills the
// command and returns the context's error, not a task error.
func TestCancel(t *testing.T) {
	t.Parallel()
	f := setup(t)
	pidFile := filepath.Join(t.TempDir(), "pid")
	f.apply(t, "Long", map[string]any{"Command": shell(t, `sleep 300 &
echo $! > "$PIDFILE"
wait
`, map[string]string{"PIDFILE": pidFile})})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := f.call(ctx, t, &workflow.Request{Resource: function.InvokeResource, Parameters: map[string]any{"FunctionName": "Long"}})
		done <- err
	}()
	pid := readPID(t, pidFile)
	cancel()
	err := <-done
	require.ErrorIs(t, err, context.Canceled)
	var te *workflow.TaskError
	require.False(t, errors.As(err, &te))
	waitGone(t, pid)
}

// TestIdempotencyKey checks every invocation passes the driver's key on:
// the same key when a task runs again after a crash.
func TestIdempotencyKey(t *testing.T) {
	t.Parallel()
	f := setup(t)
	srv := newEchoServer(t)
	f.apply(t, "Http_fn", map[string]any{"Http": map[string]any{"Endpoint": srv.URL, "Headers": map[string]string{"X-Team": "ops"}}})
	f.apply(t, "Cmd_fn", map[string]any{"Command": shell(t,
		`printf '{"key": "%s", "execution": "%s", "name": "%s"}' "$FIRSTLINE_IDEMPOTENCY_KEY" "$FIRSTLINE_EXECUTION_ARN" "$FIRSTLINE_FUNCTION_NAME"`, nil)})
	const execution = "arn:aws:states:ap-northeast-1:123456789012:execution:first-response:alarm-42"
	const key = execution + "#r7"
	for range 2 { // a crash and the task runs again
		_, err := f.call(context.Background(), t, &workflow.Request{Resource: function.InvokeResource, IdempotencyKey: key,
			Parameters: map[string]any{"FunctionName": "Http_fn", "Payload": map[string]any{}}})
		require.NoError(t, err)
	}
	reqs := srv.requests()
	require.Len(t, reqs, 2)
	for _, h := range reqs {
		require.Equal(t, key, h.Get("Idempotency-Key"))
		require.Equal(t, execution, h.Get("X-Firstline-Execution"))
		require.Equal(t, "Http_fn", h.Get("X-Firstline-Function"))
		require.Equal(t, "ops", h.Get("X-Team"))
		require.Equal(t, "application/json", h.Get("Content-Type"))
	}
	out, err := f.call(context.Background(), t, &workflow.Request{Resource: "arn:aws:lambda:r:a:function:Cmd_fn", IdempotencyKey: key, Parameters: map[string]any{}})
	require.NoError(t, err)
	require.Equal(t, map[string]any{"key": key, "execution": execution, "name": "Cmd_fn"}, out)

	// Without a key (a local run) nothing is sent.
	_, err = f.invoke(t, "Http_fn", `{}`)
	require.NoError(t, err)
	require.Empty(t, srv.requests()[2].Get("Idempotency-Key"))
}

// TestCommandEnvironment checks a command sees a minimal environment and
// its Env, never the server's variables. Not parallel: it sets one.
func TestCommandEnvironment(t *testing.T) {
	t.Setenv("SECRET_X", "server-only-secret")
	f := setup(t)
	f.apply(t, "Env_fn", map[string]any{"Command": shell(t,
		`printf '{"names": "%s", "foo": "%s", "secret": "%s", "path": "%s"}' "$(env | cut -d= -f1 | sort | tr '\n' ' ')" "$FOO" "$SECRET_X" "$PATH"`,
		map[string]string{"FOO": "bar"})})
	out, err := f.call(context.Background(), t, &workflow.Request{Resource: "arn:aws:lambda:r:a:function:Env_fn", IdempotencyKey: "e#r1", Parameters: map[string]any{}})
	require.NoError(t, err)
	m := out.(map[string]any)
	require.Equal(t, "bar", m["foo"])
	require.Empty(t, m["secret"], "the server's environment does not reach the command")
	require.Equal(t, os.Getenv("PATH"), m["path"])
	var names []string
	for _, n := range strings.Fields(m["names"].(string)) {
		switch n {
		case "PWD", "OLDPWD", "SHLVL", "_": // the shell's own
		default:
			names = append(names, n)
		}
	}
	require.Equal(t, []string{"FIRSTLINE_EXECUTION_ARN", "FIRSTLINE_FUNCTION_NAME", "FIRSTLINE_IDEMPOTENCY_KEY", "FIRSTLINE_REQUEST_ID", "FOO", "HOME", "LANG", "PATH"}, names)
}

// TestNoShell checks nothing of the payload or the arguments is
// interpreted by a shell.
func TestNoShell(t *testing.T) {
	t.Parallel()
	f := setup(t)
	dir := t.TempDir()
	marker := filepath.Join(dir, "pwned")
	// /bin/echo gets the arguments as they are: no expansion.
	f.apply(t, "Args_fn", map[string]any{"Command": map[string]any{"Path": "/bin/echo", "Args": []string{`"$(touch ` + marker + `)"`}}})
	out, err := f.invoke(t, "Args_fn", `{}`)
	require.NoError(t, err)
	require.Equal(t, `$(touch `+marker+`)`, out.(map[string]any)["Payload"])
	// The payload is data on standard input.
	f.apply(t, "Cat_fn", map[string]any{"Command": map[string]any{"Path": "/bin/cat"}})
	payload := `{"host": "web-1; touch ` + marker + `", "x": "$(touch ` + marker + `)", "y": "` + "`touch " + marker + "`" + `"}`
	out, err = f.invoke(t, "Cat_fn", payload)
	require.NoError(t, err)
	require.Equal(t, value(t, payload), out.(map[string]any)["Payload"])
	_, err = os.Stat(marker)
	require.ErrorIs(t, err, os.ErrNotExist)
}

// TestRegister checks the keys the integration answers and that a second
// registration is refused.
func TestRegister(t *testing.T) {
	t.Parallel()
	f := setup(t)
	for _, res := range []string{
		"arn:aws:states:::lambda:invoke",
		"arn:aws:states:ap-northeast-1:123456789012:lambda:invoke",
		"arn:aws:states:::lambda:invoke.waitForTaskToken",
		"arn:aws:lambda:ap-northeast-1:123456789012:function:Alert_count",
		"arn:aws:lambda:ap-northeast-1:123456789012:function:Alert_count:$LATEST",
	} {
		i, _, ok := f.reg.Lookup(res)
		require.True(t, ok, res)
		require.Same(t, f.integ, i, res)
	}
	require.Error(t, f.integ.Register(f.reg))
}

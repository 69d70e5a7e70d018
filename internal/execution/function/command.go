package function

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/firstline/firstline/internal/workflow"
)

// pipeGrace bounds the wait for a command's output pipes to close once
// the command has exited and its process group has been killed (a process
// that left the group may hold them open).
const pipeGrace = 2 * time.Second

// invokeCommand runs the function's program in a process group of its
// own, the payload on its standard input, and returns its standard output
// when it exits with status 0. When it exits, or at ctx's deadline, the
// whole group is killed, so no process it started outlives the call. Any
// other end is a *workflow.TaskError:
//
//	cannot be started (missing, not executable) → Runtime.InvalidEntrypoint
//	its file is being written (ETXTBSY)          → Lambda.ServiceException
//	status ≠ 0, stdout {"errorType": ...}        → the errorType (cause: stdout)
//	status ≠ 0 otherwise, or killed by a signal  → Lambda.Unknown (cause: the end of stderr)
//	stdout over MaxResponseBytes                 → Function.ResponseSizeTooLarge
//
// When ctx's deadline (errDeadline) passes it returns errDeadline.
func invokeCommand(ctx context.Context, inv *invocation) ([]byte, error) {
	c := inv.spec.Command
	redact := secretRedactor(c.Env)
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, &workflow.TaskError{Name: ErrServiceException, Cause: fmt.Sprintf("run %s: %v", c.Path, err)}
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		closeAll(inR, inW)
		return nil, &workflow.TaskError{Name: ErrServiceException, Cause: fmt.Sprintf("run %s: %v", c.Path, err)}
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		closeAll(inR, inW, outR, outW)
		return nil, &workflow.TaskError{Name: ErrServiceException, Cause: fmt.Sprintf("run %s: %v", c.Path, err)}
	}

	cmd := exec.CommandContext(ctx, c.Path, c.Args...)
	cmd.Dir = c.Dir
	cmd.Env = commandEnv(inv)
	// The child gets the pipe ends as files, so Wait returns as soon as
	// the program exits, whoever else holds the pipes.
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, errW
	ownProcessGroup(cmd)
	err = cmd.Start()
	closeAll(inR, outW, errW) // the child's ends
	if err != nil {
		closeAll(inW, outR, errR)
		if busyStart(err) {
			return nil, &workflow.TaskError{Name: ErrServiceException, Cause: fmt.Sprintf("%s; try again (RequestId: %s)", startError(err), inv.requestID)}
		}
		return nil, functionError(ErrInvalidEntrypoint, fmt.Sprintf("RequestId: %s Error: cannot start the function: %s", inv.requestID, startError(err)))
	}

	stdout := &capBuffer{max: MaxResponseBytes}
	stderr := &tailBuffer{max: MaxStderrBytes}
	var wg sync.WaitGroup
	wg.Add(3)
	go func() {
		defer wg.Done()
		// A program that does not read its input ends with EPIPE here.
		_, _ = inW.Write(inv.payload)
		_ = inW.Close()
	}()
	go func() { defer wg.Done(); _, _ = io.Copy(stdout, outR) }()
	go func() { defer wg.Done(); _, _ = io.Copy(stderr, errR) }()

	waitErr := cmd.Wait()
	killProcessGroup(cmd)
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(pipeGrace):
		// Someone outside the group holds the pipes: stop reading.
		closeAll(inW, outR, errR)
		<-done
	}
	closeAll(inW, outR, errR)

	if errors.Is(context.Cause(ctx), errDeadline) {
		return nil, errDeadline
	}
	if ctx.Err() != nil {
		return nil, context.Cause(ctx)
	}
	if waitErr == nil {
		if stdout.over {
			return nil, functionError(ErrResponseTooLarge, fmt.Sprintf("Response payload size exceeded maximum allowed payload size (%d bytes).", MaxResponseBytes))
		}
		return stdout.buf, nil
	}
	if te, found := reportedError(stdout.buf, redact); found && !stdout.over {
		return nil, te
	}
	how := waitErr.Error() // "exit status 3", "signal: killed"
	var ee *exec.ExitError
	if errors.As(waitErr, &ee) {
		how = ee.ProcessState.String()
	}
	cause := fmt.Sprintf("%s %s (function %s, RequestId: %s)", c.Path, how, inv.name, inv.requestID)
	if s := stderr.String(); strings.TrimSpace(s) != "" {
		cause += "; the end of its standard error:\n" + tail(redact(s), maxCauseTail)
	}
	return nil, &workflow.TaskError{Name: ErrUnknown, Cause: cause}
}

// commandEnv is the program's environment: PATH, HOME and LANG (the
// server's, or defaults), the invocation's FIRSTLINE_* variables, then the
// spec's Env, which may override the first three.
func commandEnv(inv *invocation) []string {
	env := map[string]string{
		"PATH": "/usr/local/bin:/usr/bin:/bin",
		"HOME": "/",
		"LANG": "C.UTF-8",
	}
	for k := range env {
		if v := os.Getenv(k); v != "" {
			env[k] = v
		}
	}
	env[envFunctionName] = inv.name
	env[envRequestID] = inv.requestID
	if inv.key != "" {
		env[envIdempotencyKey] = inv.key
		env[envExecution] = inv.execution
	}
	for k, v := range inv.spec.Command.Env {
		env[k] = v
	}
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// startError describes why a program could not start.
func startError(err error) string { return err.Error() }

func closeAll(files ...*os.File) {
	for _, f := range files {
		_ = f.Close()
	}
}

// capBuffer keeps up to max bytes and notes whether more were written; it
// never fails a write, so the writer is never blocked.
type capBuffer struct {
	buf  []byte
	max  int
	over bool
}

func (b *capBuffer) Write(p []byte) (int, error) {
	if room := b.max - len(b.buf); room < len(p) {
		b.over = true
		b.buf = append(b.buf, p[:max(room, 0)]...)
	} else {
		b.buf = append(b.buf, p...)
	}
	return len(p), nil
}

// tailBuffer keeps the last max bytes written.
type tailBuffer struct {
	buf []byte
	max int
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	n := len(p)
	if len(p) >= b.max {
		b.buf = append(b.buf[:0], p[len(p)-b.max:]...)
		return n, nil
	}
	if drop := len(b.buf) + len(p) - b.max; drop > 0 {
		b.buf = append(b.buf[:0], b.buf[drop:]...)
	}
	b.buf = append(b.buf, p...)
	return n, nil
}

func (b *tailBuffer) String() string { return string(b.buf) }

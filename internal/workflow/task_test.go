package workflow_test

import (
	"testing"
	"time"

	"github.com/firstline/firstline/internal/workflow"
)

// startAndAdvance starts def with input and advances it once.
func startAndAdvance(t *testing.T, def, input string, now time.Time) (*workflow.Machine, *workflow.Execution, []*workflow.Request) {
	t.Helper()
	m, err := workflow.Parse([]byte(def))
	if err != nil {
		t.Fatal(err)
	}
	e, err := m.Start([]byte(input), workflow.StartOptions{Name: "t"}, now)
	if err != nil {
		t.Fatal(err)
	}
	return m, e, m.Advance(e, now, nil)
}

// TestTaskRequest checks what a Task asks its integration for: the
// effective parameters, timeouts from paths, and a task token that the
// parameters can pass on ($$.Task.Token).
func TestTaskRequest(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	_, _, reqs := startAndAdvance(t, `{"StartAt":"Approve","States":{"Approve":{
		"Type":"Task","Resource":"arn:aws:states:us-east-1:123456789012:lambda:invoke.waitForTaskToken",
		"Parameters":{"FunctionName":"ask","Payload":{"token.$":"$$.Task.Token","host.$":"$.host"}},
		"TimeoutSecondsPath":"$.timeout","HeartbeatSeconds":30,"End":true}}}`, `{"host":"web-1","timeout":3600}`, now)
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Kind != workflow.KindTask || r.State != "Approve" || r.Attempt != 0 || r.Invocation != 0 {
		t.Errorf("request %+v", r)
	}
	if r.TimeoutSeconds != 3600 || r.HeartbeatSeconds != 30 {
		t.Errorf("timeouts %d/%d, want 3600/30", r.TimeoutSeconds, r.HeartbeatSeconds)
	}
	if len(r.TaskToken) != 64 {
		t.Fatalf("task token %q", r.TaskToken)
	}
	payload := r.Parameters.(map[string]any)["Payload"].(map[string]any)
	if payload["token"] != r.TaskToken || payload["host"] != "web-1" {
		t.Errorf("payload %v does not carry the token and host", payload)
	}
}

// TestRetryTimers checks the retry intervals a failing task waits:
// IntervalSeconds × BackoffRate^n capped by MaxDelaySeconds, and FULL
// jitter within [0, delay].
func TestRetryTimers(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		jitter string
		want   []time.Duration
	}{
		{"NONE", []time.Duration{2 * time.Second, 6 * time.Second, 10 * time.Second, 10 * time.Second}},
		{"FULL", []time.Duration{2 * time.Second, 6 * time.Second, 10 * time.Second, 10 * time.Second}},
	} {
		m, e, reqs := startAndAdvance(t, `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
			"Retry":[{"ErrorEquals":["Busy"],"IntervalSeconds":2,"BackoffRate":3,"MaxDelaySeconds":10,"MaxAttempts":4,"JitterStrategy":"`+tc.jitter+`"}],"End":true}}}`, `{}`, now)
		at := now
		for i, max := range tc.want {
			m.Deliver(e, workflow.Response{ID: reqs[0].ID, Failed: true, Error: "Busy", Cause: "try later"}, at)
			var timer *workflow.Request
			for _, p := range e.Pending {
				timer = p
			}
			if timer == nil || timer.Kind != workflow.KindTimer {
				t.Fatalf("%s retry %d: no timer pending (%+v)", tc.jitter, i, e.Pending)
			}
			d := timer.Until.Sub(at)
			if tc.jitter == "NONE" && d != max || d < 0 || d > max {
				t.Errorf("%s retry %d waits %v, want %s%v", tc.jitter, i, d, map[bool]string{true: "at most ", false: ""}[tc.jitter == "FULL"], max)
			}
			at = timer.Until
			m.Deliver(e, workflow.Response{ID: timer.ID}, at)
			reqs = m.Advance(e, at, nil)
			if len(reqs) != 1 || reqs[0].Attempt != i+1 {
				t.Fatalf("%s retry %d: requests %+v", tc.jitter, i, reqs)
			}
		}
		// The fifth failure exhausts MaxAttempts 4.
		m.Deliver(e, workflow.Response{ID: reqs[0].ID, Failed: true, Error: "Busy", Cause: "still busy"}, at)
		m.Advance(e, at, nil)
		if e.Status != workflow.StatusFailed || e.Error != "Busy" || e.Cause != "still busy" {
			t.Errorf("%s: ended %s %s %s", tc.jitter, e.Status, e.Error, e.Cause)
		}
	}
}

// TestStopAndLateAnswers checks StopExecution and that an answer to a
// request that is no longer pending is ignored.
func TestStopAndLateAnswers(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m, e, reqs := startAndAdvance(t, `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}}}`, `{}`, now)
	m.Stop(e, "Operator", "stopped by hand", now.Add(time.Second))
	if e.Status != workflow.StatusAborted || e.Error != "Operator" || len(e.Pending) != 0 {
		t.Fatalf("after Stop: %s %s pending %d", e.Status, e.Error, len(e.Pending))
	}
	if m.Deliver(e, workflow.Response{ID: reqs[0].ID, Output: 1}, now.Add(2*time.Second)) {
		t.Error("a late answer was accepted")
	}
	if last := e.History[len(e.History)-1]; last.Type != "ExecutionAborted" {
		t.Errorf("last event %s", last.Type)
	}
}

// TestAdvanceBudget checks that an endless Pass/Choice loop returns from
// Advance after AdvanceBudget states with work left.
func TestAdvanceBudget(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m, e, _ := startAndAdvance(t, `{"StartAt":"A","States":{
		"A":{"Type":"Pass","Next":"B"},
		"B":{"Type":"Choice","Choices":[{"Variable":"$.stop","IsPresent":true,"Next":"End"}],"Default":"A"},
		"End":{"Type":"Succeed"}}}`, `{}`, now)
	if e.Done() || len(e.Runnable) == 0 {
		t.Fatalf("loop ended or blocked: %s", e.Status)
	}
	if e.Transitions != workflow.AdvanceBudget {
		t.Errorf("%d transitions in one Advance, want %d", e.Transitions, workflow.AdvanceBudget)
	}
	m.Stop(e, "", "", now)
}

package local_test

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/firstline/firstline/internal/workflow"
	"github.com/firstline/firstline/internal/workflow/local"
)

// TestFirstResponseRunbook runs the seed runbook
// (examples/first-response/state-machine.asl.json, identical to
// ../shared/fixtures/states/seed-first-response.asl.json) on each of its
// branches with the mock config that ships beside it.
func TestFirstResponseRunbook(t *testing.T) {
	dir := "../../../examples/first-response/"
	def, err := os.ReadFile(dir + "state-machine.asl.json")
	if err != nil {
		t.Fatal(err)
	}
	seed, err := os.ReadFile("../../../testdata/fixtures/states/seed-first-response.asl.json")
	if err != nil {
		t.Fatal(err)
	}
	if string(seed) != string(def) {
		t.Fatal("the example's state machine differs from the seed's: it must run unmodified")
	}
	m, err := workflow.Parse(def)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(dir + "tests/mock-config.json")
	if err != nil {
		t.Fatal(err)
	}
	mc, err := local.ParseMockConfig(data)
	if err != nil {
		t.Fatal(err)
	}
	head := []string{"Alert Count Check Invoke", "Alert Count Check Condition"}
	restart := append(slices.Clone(head), "Alert Name Check Condition", "Restart Http", "Status Http", "Wait", "Status Run Commnad", "Status Check")
	for _, tc := range []struct {
		name, input, status string
		states              []string
		// elapsed is the virtual time the run takes: the Wait state's 10
		// seconds, and the retry intervals.
		elapsed time.Duration
	}{
		{"TooManyFailures", "alarm-event.json", workflow.StatusSucceeded, append(slices.Clone(head), "SNS Publish"), 0},
		{"RestartSucceeds", "alarm-event.json", workflow.StatusSucceeded, append(slices.Clone(restart), "Success"), 10 * time.Second},
		{"RestartFails", "alarm-event.json", workflow.StatusFailed, append(slices.Clone(restart), "Send Error", "Fail"), 10 * time.Second},
		{"OtherAlarm", "alarm-event-4xx.json", workflow.StatusSucceeded, append(slices.Clone(head), "Alert Name Check Condition", "Test Invoke"), 0},
		// Two throttled invocations: retries after 2 s and 4 s (BackoffRate 2).
		{"CountRetriedThenSucceeds", "alarm-event.json", workflow.StatusSucceeded, append(slices.Clone(restart), "Success"), 16 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			input, err := os.ReadFile(dir + "tests/" + tc.input)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Date(2023, 4, 11, 3, 20, 6, 0, time.UTC)
			res, err := local.Run(context.Background(), m, input, local.Options{StateMachineName: "state-machine", Mock: mc, TestCase: tc.name, Start: start})
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != tc.status {
				t.Fatalf("status %s (%s: %s), want %s", res.Status, res.Error, res.Cause, tc.status)
			}
			if !slices.Equal(res.States, tc.states) {
				t.Errorf("states %q\nwant %q", res.States, tc.states)
			}
			if got := res.StopDate.Sub(res.StartDate); got != tc.elapsed {
				t.Errorf("virtual run time %v, want %v", got, tc.elapsed)
			}
		})
	}
}

// TestRestartFleetExample runs examples/states/restart-fleet.asl.json on its
// mock test cases.
func TestRestartFleetExample(t *testing.T) {
	dir := "../../../examples/states/"
	def, err := os.ReadFile(dir + "restart-fleet.asl.json")
	if err != nil {
		t.Fatal(err)
	}
	m, err := workflow.Parse(def)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(dir + "restart-fleet.mock.json")
	if err != nil {
		t.Fatal(err)
	}
	mc, err := local.ParseMockConfig(data)
	if err != nil {
		t.Fatal(err)
	}
	input, err := os.ReadFile(dir + "restart-fleet.input.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, output string
		paged        bool
		elapsed      time.Duration
	}{
		{"AllRestart", `{"failed":[],"results":[{"host":"i-0a1","ok":true},{"host":"i-0b2","ok":true},{"host":"i-0c3","ok":true},{"host":"i-0d4","ok":true}]}`, false, 0},
		{"OneThrottledThenOk", `{"failed":[],"results":[{"host":"i-0a1","ok":true},{"host":"i-0b2","ok":true},{"host":"i-0c3","ok":true},{"host":"i-0d4","ok":true}]}`, false, 2 * time.Second},
		{"TwoHostsFail", `{"failed":["i-0b2","i-0c3"],"results":[{"host":"i-0a1","ok":true},{"error":"SSM.InvalidInstanceId","host":"i-0b2","ok":false},{"error":"SSM.InvalidInstanceId","host":"i-0c3","ok":false},{"host":"i-0d4","ok":true}]}`, true, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := local.Run(context.Background(), m, input, local.Options{StateMachineName: "restart-fleet", Mock: mc, TestCase: tc.name})
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != workflow.StatusSucceeded || string(res.Output) != tc.output {
				t.Errorf("%s %s\nwant output %s", res.Status, res.Output, tc.output)
			}
			if paged := slices.Contains(res.States, "Page on-call"); paged != tc.paged {
				t.Errorf("paged = %v, want %v", paged, tc.paged)
			}
			if got := res.StopDate.Sub(res.StartDate); got != tc.elapsed {
				t.Errorf("virtual run time %v, want %v", got, tc.elapsed)
			}
		})
	}
}

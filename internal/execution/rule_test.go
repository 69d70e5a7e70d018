package execution_test

import (
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/firstline/firstline/internal/server/servertest"
	"github.com/firstline/firstline/internal/store"
	"github.com/firstline/firstline/internal/store/storetest"
)

// TestRuleStartsExecution sends the canary alarm fixture to a server whose
// rule targets a state machine, and sees the execution succeed with the
// event as its input through the "Step Functions Execution Status Change"
// events it publishes.
func TestRuleStartsExecution(t *testing.T) {
	storetest.Run(t, func(t *testing.T, d store.Dialect) {
		s := servertest.Start(t, d)
		apply := func(kind, name string, spec any) {
			code, body := s.Do(t, http.MethodPut, "/api/v1/resources/"+kind+"/"+name, s.AdminToken, spec)
			require.Equal(t, http.StatusCreated, code, string(body))
		}
		apply("StateMachine", "triage", map[string]any{"Definition": map[string]any{
			"StartAt": "Pick",
			"States": map[string]any{
				"Pick": map[string]any{"Type": "Pass", "Parameters": map[string]any{"alarm.$": "$.detail.alarmName", "state.$": "$.detail.state.value"}, "End": true},
			},
		}})
		apply("Rule", "alarm-to-runbook", map[string]any{
			"EventPattern": map[string]any{"source": []string{"aws.cloudwatch"}, "detail-type": []string{"CloudWatch Alarm State Change"}},
			"Targets":      []any{map[string]any{"Id": "runbook", "Arn": "arn:aws:states:ap-northeast-1:123456789012:stateMachine:triage"}},
		})
		alarm, err := os.ReadFile("../../testdata/fixtures/cloudwatch/canary-alarm-state-change.json")
		require.NoError(t, err)
		var ev map[string]any
		require.NoError(t, json.Unmarshal(alarm, &ev))
		detail, _ := json.Marshal(ev["detail"])
		code, body := s.Do(t, http.MethodPost, "/api/v1/events", s.AdminToken, map[string]any{"Entries": []any{map[string]any{
			"Source": "aws.cloudwatch", "DetailType": "CloudWatch Alarm State Change", "Detail": string(detail), "Resources": ev["resources"],
		}}})
		require.Equal(t, http.StatusOK, code, string(body))

		var statuses []string
		deadline := time.Now().Add(20 * time.Second)
		for time.Now().Before(deadline) {
			code, body = s.Do(t, http.MethodGet, "/api/v1/events?source=aws.states&limit=10", s.AdminToken, nil)
			require.Equal(t, http.StatusOK, code, string(body))
			var page struct {
				Events []struct {
					DetailType string `json:"detail-type"`
					Resources  []string
					Detail     struct {
						Status, Output, StateMachineArn string
					}
				}
			}
			require.NoError(t, json.Unmarshal(body, &page))
			statuses = nil
			for _, e := range page.Events {
				require.Equal(t, "Step Functions Execution Status Change", e.DetailType)
				require.Contains(t, e.Resources[0], ":execution:triage:")
				statuses = append(statuses, e.Detail.Status)
				if e.Detail.Status == "SUCCEEDED" {
					require.JSONEq(t, `{"alarm":"Canary monitoring is failed","state":"ALARM"}`, e.Detail.Output)
					require.True(t, strings.HasSuffix(e.Detail.StateMachineArn, ":stateMachine:triage"))
				}
			}
			if len(statuses) == 2 {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		require.ElementsMatch(t, []string{"RUNNING", "SUCCEEDED"}, statuses)
	})
}

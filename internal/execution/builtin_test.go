package execution_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/firstline/firstline/internal/event"
	"github.com/firstline/firstline/internal/store"
	"github.com/firstline/firstline/internal/store/storetest"
	"github.com/firstline/firstline/internal/workflow"
)

// TestBuiltins runs the integrations firstline provides itself: a parent
// state machine that calls an HTTP endpoint, starts a child and waits for
// it (.sync:2), starts another without waiting, and puts an event on the
// bus.
func TestBuiltins(t *testing.T) {
	storetest.Run(t, func(t *testing.T, d store.Dialect) {
		type seen struct{ body, key, query string }
		var mu sync.Mutex
		got := map[string]seen{}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			mu.Lock()
			got[r.URL.Path] = seen{string(b), r.Header.Get("Idempotency-Key"), r.URL.RawQuery}
			mu.Unlock()
			if r.URL.Path == "/missing" {
				http.Error(w, "no such page", http.StatusNotFound)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"status":"active"}`))
		}))
		defer srv.Close()
		c := &calls{keys: map[string]int{}}
		x := startExecutor(t, d, c, map[string]string{
			"child": `{"StartAt":"Double","States":{"Double":{"Type":"Pass","Parameters":{"n.$":"States.MathAdd($.n, $.n)"},"End":true}}}`,
			"parent": `{"StartAt":"Check","States":{
				"Check":{"Type":"Task","Resource":"arn:aws:states:::http:invoke","Parameters":{"ApiEndpoint":"` + srv.URL + `/health","Method":"POST","QueryParameters":{"verbose":"1"},"RequestBody":{"host":"web-1"}},
				         "ResultSelector":{"status.$":"$.ResponseBody.status","code.$":"$.StatusCode"},"ResultPath":"$.check","Next":"Child"},
				"Child":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2","Parameters":{"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:child","Input":{"n":21}},
				         "ResultSelector":{"n.$":"$.Output.n","status.$":"$.Status"},"ResultPath":"$.child","Next":"Fire"},
				"Fire":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution","Parameters":{"StateMachineArn":"arn:aws:states:::stateMachine:child","Input":"{\"n\":1}"},"ResultPath":"$.fired","Next":"Tell"},
				"Tell":{"Type":"Task","Resource":"arn:aws:states:::events:putEvents","Parameters":{"Entries":[{"Source":"firstline.runbook","DetailType":"Runbook Done","Detail":{"n.$":"$.child.n"}}]},"ResultPath":"$.put","Next":"Missing"},
				"Missing":{"Type":"Task","Resource":"arn:aws:states:::http:invoke","Parameters":{"ApiEndpoint":"` + srv.URL + `/missing","Method":"GET"},
				           "Catch":[{"ErrorEquals":["States.Http.StatusCode.404"],"ResultPath":null,"Next":"Done"}],"End":true},
				"Done":{"Type":"Succeed"}}}`,
		})
		ctx := context.Background()
		s, err := x.Start(ctx, "parent", "p1", nil)
		require.NoError(t, err)
		done := waitDone(t, x, s.ExecutionArn)
		require.Equal(t, workflow.StatusSucceeded, done.Status, "%s: %s", done.Error, done.Cause)
		var out struct {
			Check struct {
				Status string
				Code   int
			}
			Child struct {
				N      int
				Status string
			}
			Fired struct{ ExecutionArn string }
			Put   struct {
				FailedEntryCount int
				Entries          []struct{ EventId string }
			}
		}
		require.NoError(t, json.Unmarshal(done.Output, &out))
		require.Equal(t, "active", out.Check.Status)
		require.Equal(t, 200, out.Check.Code)
		require.Equal(t, 42, out.Child.N)
		require.Equal(t, "SUCCEEDED", out.Child.Status)
		require.Contains(t, out.Fired.ExecutionArn, ":execution:child:")
		require.Len(t, out.Put.Entries, 1)
		mu.Lock()
		health := got["/health"]
		mu.Unlock()
		require.JSONEq(t, `{"host":"web-1"}`, health.body)
		require.Equal(t, "verbose=1", health.query)
		require.Contains(t, health.key, s.ExecutionArn+"#", "the idempotency key names the execution")

		ev, err := event.NewStore(x.DB).Get(ctx, out.Put.Entries[0].EventId)
		require.NoError(t, err)
		require.Equal(t, "firstline.runbook", ev.Source)
		require.JSONEq(t, `{"n":42}`, string(ev.Detail))

		fired := waitDone(t, x, out.Fired.ExecutionArn)
		require.JSONEq(t, `{"n":2}`, string(fired.Output))
	})
}

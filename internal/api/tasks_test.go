package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/firstline/firstline/internal/server/servertest"
	"github.com/firstline/firstline/internal/store"
	"github.com/firstline/firstline/internal/store/storetest"
)

// TestTaskTokenRoutes approves and rejects .waitForTaskToken tasks whose
// token went out through http:invoke, the way a runbook asks a person.
func TestTaskTokenRoutes(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, d store.Dialect) {
		tokens := make(chan string, 4)
		asked := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var body struct{ Token string }
			b, _ := io.ReadAll(r.Body)
			_ = json.Unmarshal(b, &body)
			tokens <- body.Token
			w.WriteHeader(http.StatusAccepted)
		}))
		defer asked.Close()
		s := servertest.Start(t, d)
		applyMachine(t, s, "approval", `{"StartAt":"Ask","States":{"Ask":{
			"Type":"Task","Resource":"arn:aws:states:::http:invoke.waitForTaskToken",
			"Parameters":{"ApiEndpoint":"`+asked.URL+`","Method":"POST","RequestBody":{"token.$":"$$.Task.Token"}},
			"ResultPath":"$.answer","End":true}}}`)
		token := func() string {
			select {
			case tok := <-tokens:
				return tok
			case <-time.After(15 * time.Second):
				t.Fatal("nobody was asked")
			}
			return ""
		}

		arn := startExecution(t, s, s.AdminToken, map[string]any{"stateMachineName": "approval", "input": `{"host":"web-1"}`})
		tok := token()
		status, b := s.Do(t, http.MethodPost, "/api/v1/tasks/heartbeat", s.AdminToken, map[string]string{"taskToken": tok})
		require.Equal(t, http.StatusOK, status, string(b))
		status, b = s.Do(t, http.MethodPost, "/api/v1/tasks/success", s.AdminToken, map[string]string{"taskToken": tok, "output": `{"approved":true}`})
		require.Equal(t, http.StatusOK, status, string(b))
		done := waitEnded(t, s, arn)
		require.Equal(t, "SUCCEEDED", done.Status)
		require.JSONEq(t, `{"host":"web-1","answer":{"approved":true}}`, *done.Output)
		status, b = s.Do(t, http.MethodPost, "/api/v1/tasks/success", s.AdminToken, map[string]string{"taskToken": tok, "output": `{}`})
		require.Equal(t, http.StatusNotFound, status, "a token answers once: %s", b)

		arn = startExecution(t, s, s.AdminToken, map[string]any{"stateMachineName": "approval"})
		tok = token()
		status, b = s.Do(t, http.MethodPost, "/api/v1/tasks/success", s.AdminToken, map[string]string{"taskToken": tok, "output": `not json`})
		require.Equal(t, http.StatusBadRequest, status, string(b))
		require.Contains(t, string(b), `"field":"output"`)
		status, b = s.Do(t, http.MethodPost, "/api/v1/tasks/failure", s.AdminToken, map[string]string{"taskToken": tok, "error": "Rejected", "cause": "not now"})
		require.Equal(t, http.StatusOK, status, string(b))
		done = waitEnded(t, s, arn)
		require.Equal(t, "FAILED", done.Status)
		require.Equal(t, "Rejected", done.Error)
		require.Equal(t, "not now", done.Cause)

		status, _ = s.Do(t, http.MethodPost, "/api/v1/tasks/heartbeat", s.AdminToken, map[string]string{"taskToken": "unknown"})
		require.Equal(t, http.StatusNotFound, status)
		status, _ = s.Do(t, http.MethodPost, "/api/v1/tasks/success", s.AdminToken, map[string]string{"output": "{}"})
		require.Equal(t, http.StatusBadRequest, status)
	})
}

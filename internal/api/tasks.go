package api

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/firstline/firstline/internal/execution"
)

// SendTaskSuccessRequest is SendTaskSuccess's body: the token a
// .waitForTaskToken task received ($$.Task.Token) and its output, JSON
// text in a string (or a JSON value).
type SendTaskSuccessRequest struct {
	TaskToken string          `json:"taskToken"`
	Output    jsonTextOrValue `json:"output"`
}

// SendTaskFailureRequest is SendTaskFailure's body.
type SendTaskFailureRequest struct {
	TaskToken string `json:"taskToken"`
	Error     string `json:"error"`
	Cause     string `json:"cause"`
}

// SendTaskHeartbeatRequest is SendTaskHeartbeat's body.
type SendTaskHeartbeatRequest struct {
	TaskToken string `json:"taskToken"`
}

// jsonTextOrValue takes JSON text in a string, as the Step Functions API
// does, or any other JSON value as is.
type jsonTextOrValue []byte

func (j *jsonTextOrValue) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*j = []byte(s)
		return nil
	}
	*j = append([]byte(nil), b...)
	return nil
}

func (a *API) taskTokenError(err error) error {
	switch {
	case errors.Is(err, execution.ErrTaskDoesNotExist):
		return errStatus(http.StatusNotFound, CodeNotFound, err.Error())
	case errors.Is(err, execution.ErrInvalidOutput):
		return errField("output", err.Error())
	}
	return err
}

func (a *API) sendTaskSuccess(w http.ResponseWriter, r *http.Request) error {
	x, err := a.executor()
	if err != nil {
		return err
	}
	var req SendTaskSuccessRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.TaskToken == "" {
		return errField("taskToken", "is required")
	}
	if len(req.Output) == 0 {
		return errField("output", "is required: the task's result as JSON")
	}
	a.pending(r).Resource = "tasks/" + tokenPrefix(req.TaskToken)
	if err := x.SendTaskSuccess(r.Context(), req.TaskToken, req.Output); err != nil {
		return a.taskTokenError(err)
	}
	writeJSON(w, http.StatusOK, struct{}{})
	return nil
}

func (a *API) sendTaskFailure(w http.ResponseWriter, r *http.Request) error {
	x, err := a.executor()
	if err != nil {
		return err
	}
	var req SendTaskFailureRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	switch {
	case req.TaskToken == "":
		return errField("taskToken", "is required")
	case len(req.Error) > 256:
		return errField("error", "must be at most 256 characters")
	case len(req.Cause) > 32768:
		return errField("cause", "must be at most 32768 characters")
	}
	p := a.pending(r)
	p.Resource = "tasks/" + tokenPrefix(req.TaskToken)
	p.Detail = map[string]string{"error": req.Error}
	if err := x.SendTaskFailure(r.Context(), req.TaskToken, req.Error, req.Cause); err != nil {
		return a.taskTokenError(err)
	}
	writeJSON(w, http.StatusOK, struct{}{})
	return nil
}

func (a *API) sendTaskHeartbeat(w http.ResponseWriter, r *http.Request) error {
	x, err := a.executor()
	if err != nil {
		return err
	}
	var req SendTaskHeartbeatRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.TaskToken == "" {
		return errField("taskToken", "is required")
	}
	if err := x.SendTaskHeartbeat(r.Context(), req.TaskToken); err != nil {
		return a.taskTokenError(err)
	}
	writeJSON(w, http.StatusOK, struct{}{})
	return nil
}

// tokenPrefix names a token in the audit log without writing the secret.
func tokenPrefix(t string) string {
	if len(t) > 8 {
		return t[:8] + "…"
	}
	return "…"
}

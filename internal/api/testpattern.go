package api

import (
	"errors"
	"net/http"

	"github.com/firstline/firstline/internal/pattern"
)

// TestEventPatternRequest is the body of POST /api/v1/test-event-pattern,
// as EventBridge TestEventPattern takes it: both fields are JSON text.
type TestEventPatternRequest struct {
	EventPattern string `json:"EventPattern"`
	Event        string `json:"Event"`
}

// TestEventPatternResponse says whether the event matches.
type TestEventPatternResponse struct {
	Result bool `json:"Result"`
}

func (a *API) testEventPattern(w http.ResponseWriter, r *http.Request) error {
	var req TestEventPatternRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.EventPattern == "" {
		return errField("EventPattern", "is required")
	}
	if req.Event == "" {
		return errField("Event", "is required")
	}
	p, err := pattern.Compile([]byte(req.EventPattern))
	if err != nil {
		var pe *pattern.Error
		field := "EventPattern"
		if errors.As(err, &pe) && pe.Path != "" {
			field = "EventPattern." + pe.Path
		}
		return &apiError{status: http.StatusBadRequest, code: CodeInvalidEventPattern, msg: err.Error(), field: field}
	}
	ok, err := p.Match([]byte(req.Event))
	if err != nil {
		return errField("Event", "is not a valid JSON object")
	}
	writeJSON(w, http.StatusOK, TestEventPatternResponse{Result: ok})
	return nil
}

package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/firstline/firstline/internal/auth"
	"github.com/firstline/firstline/internal/reqid"
	"github.com/firstline/firstline/internal/store"
)

// Error codes: the closed list the API returns in error.code (also in
// openapi.json, components.schemas.Error).
const (
	CodeValidation         = "ValidationException"
	CodeSerialization      = "SerializationException"
	CodeUnauthorized       = "Unauthorized"
	CodeForbidden          = "Forbidden"
	CodeNotFound           = "NotFound"
	CodeConflict           = "Conflict"
	CodeMethodNotAllowed   = "MethodNotAllowed"
	CodePayloadTooLarge    = "PayloadTooLarge"
	CodeUnsupportedMedia   = "UnsupportedMediaType"
	CodeInternal           = "InternalFailure"
	CodeServiceUnavailable = "ServiceUnavailable"
	// CodeInvalidEventPattern is EventBridge's code for a pattern it rejects.
	CodeInvalidEventPattern = "InvalidEventPatternException"
)

// ErrorCodes lists every code in the closed list.
var ErrorCodes = []string{CodeValidation, CodeSerialization, CodeUnauthorized, CodeForbidden, CodeNotFound,
	CodeConflict, CodeMethodNotAllowed, CodePayloadTooLarge, CodeUnsupportedMedia, CodeInternal, CodeServiceUnavailable,
	CodeInvalidEventPattern}

// ErrorBody is the body of every error response.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail says what went wrong: Code from the closed list, Message
// naming the broken rule, Field the path into the request (if any).
type ErrorDetail struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	Field     string `json:"field,omitempty"`
	RequestID string `json:"requestId,omitempty"`
}

// apiError is an error the API builds itself with a fixed status.
type apiError struct {
	status int
	code   string
	msg    string
	field  string
}

func (e *apiError) Error() string { return e.msg }

func errStatus(status int, code, msg string) error {
	return &apiError{status: status, code: code, msg: msg}
}

func errField(field, msg string) error {
	return &apiError{status: http.StatusBadRequest, code: CodeValidation, msg: field + ": " + msg, field: field}
}

type fielder interface{ Field() string }
type coder interface{ ErrorCode() string }

// writeError maps err to a status and the error body; it is the only place
// that does so.
func (a *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	d := ErrorDetail{RequestID: reqid.From(r.Context())}
	status := http.StatusInternalServerError
	var ae *apiError
	var fe fielder
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &ae):
		status, d.Code, d.Message, d.Field = ae.status, ae.code, ae.msg, ae.field
	case errors.As(err, &mbe):
		status, d.Code = http.StatusRequestEntityTooLarge, CodePayloadTooLarge
		d.Message = "request body is larger than the limit for this route"
	case errors.Is(err, auth.ErrUnauthorized):
		status, d.Code, d.Message = http.StatusUnauthorized, CodeUnauthorized, err.Error()
	case errors.As(err, &fe):
		status, d.Code, d.Message, d.Field = http.StatusBadRequest, CodeValidation, err.Error(), fe.Field()
		var c coder
		if errors.As(err, &c) && c.ErrorCode() != "" {
			d.Code = c.ErrorCode()
		}
	case errors.Is(err, store.ErrNotFound):
		status, d.Code, d.Message = http.StatusNotFound, CodeNotFound, err.Error()
	case errors.Is(err, store.ErrConflict):
		status, d.Code, d.Message = http.StatusConflict, CodeConflict, err.Error()
	default:
		d.Code = CodeInternal
		d.Message = "internal error; quote request id " + d.RequestID + " to the operator"
		a.logger.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, slog.Any("err", err))
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="firstline"`)
	}
	writeJSON(w, status, ErrorBody{d})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"error":{"code":"InternalFailure","message":"encode response"}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

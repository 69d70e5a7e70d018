package sns

import (
	"net/http"

	"github.com/firstline/firstline/internal/ingest"
)

// UnauthorizedError rejects a message that failed verification: unsigned,
// an unknown SignatureVersion, a certificate URL that is not https on an
// SNS host, a certificate that is unusable or outside its validity period,
// a signature that does not match, or a topic the hook does not accept.
// Its Unauthorized method makes the framework answer 401.
type UnauthorizedError struct {
	// Reason says what failed; it is shown to the sender.
	Reason string
	// Err is the underlying cause, if any.
	Err error
}

func (e *UnauthorizedError) Error() string {
	if e.Err != nil {
		return "SNS message not verified: " + e.Reason + ": " + e.Err.Error()
	}
	return "SNS message not verified: " + e.Reason
}

// Unauthorized reports true: the framework checks for this method.
func (e *UnauthorizedError) Unauthorized() bool { return true }

// Unwrap returns the cause.
func (e *UnauthorizedError) Unwrap() error { return e.Err }

func unauthorized(reason string, err error) error {
	return &UnauthorizedError{Reason: reason, Err: err}
}

// UnavailableError reports that a message could not be verified or a
// subscription confirmed for a reason that may pass: the signing
// certificate or SubscribeURL could not be fetched (network error,
// timeout, a 5xx answer). errors.As finds an *ingest.Response in it (503,
// with an error body), so the framework answers 503 and SNS retries the
// delivery instead of dropping it as it does on a 4xx.
type UnavailableError struct {
	// Op is what failed, e.g. "fetch signing certificate".
	Op  string
	Err error
}

func (e *UnavailableError) Error() string { return "SNS: " + e.Op + ": " + e.Err.Error() }

// Unwrap returns the cause.
func (e *UnavailableError) Unwrap() error { return e.Err }

// Temporary reports true: retrying later may succeed.
func (e *UnavailableError) Temporary() bool { return true }

// As lets errors.As find the answer the framework writes: 503 with the
// framework's error body.
func (e *UnavailableError) As(target any) bool {
	p, ok := target.(**ingest.Response)
	if !ok {
		return false
	}
	*p = &ingest.Response{
		Status: http.StatusServiceUnavailable,
		Body:   map[string]any{"error": map[string]string{"code": "ServiceUnavailable", "message": e.Error()}},
	}
	return true
}

package function

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/firstline/firstline/internal/workflow"
)

// invokeHTTP POSTs the payload to the function's endpoint and returns the
// response body of a 2xx answer without X-Amz-Function-Error. Any other
// answer is a *workflow.TaskError:
//
//	X-Amz-Function-Error, or a failing status with a body
//	  {"errorType": ...}                  → the errorType (cause: the body)
//	429                                   → Lambda.TooManyRequestsException
//	413                                   → Lambda.RequestTooLargeException
//	5xx, no answer (refused, reset, DNS)  → Lambda.ServiceException
//	any other status                      → Lambda.Unknown
//	a body over MaxResponseBytes          → Function.ResponseSizeTooLarge
//
// When ctx's deadline (errDeadline) passes it returns errDeadline.
func (i *Integration) invokeHTTP(ctx context.Context, inv *invocation) ([]byte, error) {
	h := inv.spec.Http
	where := endpointForCause(h.Endpoint)
	redact := secretRedactor(h.Headers)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.Endpoint, bytes.NewReader(inv.payload))
	if err != nil {
		return nil, &workflow.TaskError{Name: ErrServiceException, Cause: fmt.Sprintf("POST %s: %v", where, redact(err.Error()))}
	}
	for k, v := range h.Headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "firstline")
	req.Header.Set(headerFunction, inv.name)
	req.Header.Set(headerRequestID, inv.requestID)
	if inv.key != "" {
		req.Header.Set(headerIdempotencyKey, inv.key)
		req.Header.Set(headerExecution, inv.execution)
	}
	resp, err := i.client.Do(req)
	if err != nil {
		if errors.Is(context.Cause(ctx), errDeadline) {
			return nil, errDeadline
		}
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		return nil, &workflow.TaskError{Name: ErrServiceException, Cause: fmt.Sprintf(
			"POST %s: %s (Service: AWSLambda; Status Code: 500; Error Code: ServiceException; Request ID: %s)", where, redact(unwrapURLError(err)), inv.requestID)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	if err != nil {
		if errors.Is(context.Cause(ctx), errDeadline) {
			return nil, errDeadline
		}
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		return nil, &workflow.TaskError{Name: ErrServiceException, Cause: fmt.Sprintf("POST %s: reading the response: %s (Request ID: %s)", where, redact(unwrapURLError(err)), inv.requestID)}
	}
	status := resp.StatusCode
	ok := status >= 200 && status < 300
	if len(body) > MaxResponseBytes {
		if !ok {
			body = body[:maxCauseTail]
		} else {
			return nil, functionError(ErrResponseTooLarge, fmt.Sprintf("Response payload size exceeded maximum allowed payload size (%d bytes).", MaxResponseBytes))
		}
	}
	if ok && resp.Header.Get(headerFunctionError) == "" {
		return body, nil
	}
	if te, found := reportedError(body, redact); found {
		return nil, te
	}
	if ok { // X-Amz-Function-Error without an errorType
		return nil, &workflow.TaskError{Name: ErrUnknown, Cause: fmt.Sprintf(
			"The cause could not be determined because the function did not return an error type. Returned payload: %s", truncate(redact(string(body)), maxCauseTail))}
	}
	cause := fmt.Sprintf("POST %s answered %s", where, resp.Status)
	if b := bytes.TrimSpace(body); len(b) > 0 {
		cause += ": " + truncate(redact(string(b)), maxCauseTail)
	}
	switch {
	case status == http.StatusTooManyRequests:
		return nil, &workflow.TaskError{Name: ErrTooManyRequests, Cause: cause}
	case status == http.StatusRequestEntityTooLarge:
		return nil, &workflow.TaskError{Name: ErrRequestTooLarge, Cause: cause}
	case status >= 500:
		return nil, &workflow.TaskError{Name: ErrServiceException, Cause: cause}
	default:
		return nil, &workflow.TaskError{Name: ErrUnknown, Cause: cause}
	}
}

// endpointForCause is the endpoint without user information, query or
// fragment, which may carry credentials.
func endpointForCause(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil {
		return "the function's endpoint"
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}

// unwrapURLError drops the *url.Error wrapping (method and full URL, which
// may carry credentials in its query).
func unwrapURLError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

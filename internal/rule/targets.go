package rule

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/firstline/firstline/internal/arn"
)

// Delivery is one shaped payload for one target.
type Delivery struct {
	Rule    string
	Target  Target
	EventID string
	Payload []byte
}

// Deliverer delivers to one kind of target. It returns nil on success, or
// an error; a *DeliveryError says whether a retry may help.
type Deliverer interface {
	Deliver(ctx context.Context, d Delivery) error
}

// DelivererFunc adapts a function to Deliverer.
type DelivererFunc func(ctx context.Context, d Delivery) error

// Deliver calls f.
func (f DelivererFunc) Deliver(ctx context.Context, d Delivery) error { return f(ctx, d) }

// DeliveryError is a failed delivery. Permanent errors go to the
// dead-letter list at once; others are retried within the RetryPolicy.
type DeliveryError struct {
	Permanent bool
	Status    int    // HTTP status, 0 if none
	Response  string // the start of the response body
	Err       error
}

func (e *DeliveryError) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("HTTP %d: %v", e.Status, e.Err)
	}
	return e.Err.Error()
}

func (e *DeliveryError) Unwrap() error { return e.Err }

// Targets is the registry of target kinds: Http, and one Deliverer per ARN
// service (logs here; states, sns, ssm... added by later capabilities).
type Targets struct {
	http      Deliverer
	byService map[string]Deliverer
}

// NewTargets returns a registry with the Http deliverer set to http.
func NewTargets(http Deliverer) *Targets {
	return &Targets{http: http, byService: map[string]Deliverer{}}
}

// RegisterArn makes ARNs of service deliver through d.
func (t *Targets) RegisterArn(service string, d Deliverer) error {
	if _, dup := t.byService[service]; dup {
		return fmt.Errorf("register target service %q: already registered", service)
	}
	t.byService[service] = d
	return nil
}

func (t *Targets) services() []string {
	var out []string
	for s := range t.byService {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

func (t *Targets) validateArn(s string) error {
	a, err := arn.Parse(s)
	if err != nil {
		return err
	}
	if _, ok := t.byService[a.Service]; !ok {
		return fmt.Errorf("no target kind for ARN service %q; firstline delivers to: %s, and Http", a.Service, strings.Join(t.services(), ", "))
	}
	return nil
}

// deliverer returns the Deliverer for a validated target.
func (t *Targets) deliverer(tg Target) (Deliverer, error) {
	if tg.Http != nil {
		return t.http, nil
	}
	a, err := arn.Parse(tg.Arn)
	if err != nil {
		return nil, err
	}
	d, ok := t.byService[a.Service]
	if !ok {
		return nil, fmt.Errorf("no target kind for ARN service %q", a.Service)
	}
	return d, nil
}

// HTTPDeliverer posts payloads to Http targets.
type HTTPDeliverer struct {
	Client  *http.Client
	Timeout time.Duration // per request, default 10 s
}

// maxResponseKept bounds the response body kept for the dead-letter list.
const maxResponseKept = 4096

// Deliver sends the payload. A 2xx is success; 429 and 5xx and network
// errors may be retried; any other status is permanent.
func (h *HTTPDeliverer) Deliver(ctx context.Context, d Delivery) error {
	t := d.Target.Http
	timeout := h.Timeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, fmt.Errorf("http target %s timed out after %s", d.Target.Id, timeout))
	defer cancel()
	u, err := url.Parse(t.Endpoint)
	if err != nil {
		return &DeliveryError{Permanent: true, Err: err}
	}
	if len(t.QueryStringParameters) > 0 {
		q := u.Query()
		for k, v := range t.QueryStringParameters {
			q.Set(k, v)
		}
		u.RawQuery = q.Encode()
	}
	method := t.HttpMethod
	if method == "" {
		method = http.MethodPost
	}
	var body io.Reader
	if method != http.MethodGet && method != http.MethodHead {
		body = bytes.NewReader(d.Payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return &DeliveryError{Permanent: true, Err: err}
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "firstline")
	req.Header.Set("X-Firstline-Event-Id", d.EventID)
	req.Header.Set("X-Firstline-Rule", d.Rule)
	for k, v := range t.HeaderParameters {
		req.Header.Set(k, v)
	}
	if err := setAuth(req, t.Auth); err != nil {
		return &DeliveryError{Permanent: true, Err: err}
	}
	client := h.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		if c := context.Cause(ctx); c != nil && errors.Is(err, context.DeadlineExceeded) {
			err = c
		}
		return &DeliveryError{Err: err}
	}
	defer resp.Body.Close()
	kept, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponseKept))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	return &DeliveryError{
		Permanent: resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode < 500,
		Status:    resp.StatusCode,
		Response:  string(kept),
		Err:       fmt.Errorf("%s %s answered %s", method, t.Endpoint, resp.Status),
	}
}

// LogDeliverer is the target for CloudWatch Logs ARNs
// (arn:aws:logs:region:account:log-group:NAME): it writes the payload to
// firstline's log, one record per delivery.
type LogDeliverer struct{ Logger *slog.Logger }

// Deliver logs the payload.
func (l LogDeliverer) Deliver(ctx context.Context, d Delivery) error {
	a, _ := arn.Parse(d.Target.Arn)
	l.Logger.InfoContext(ctx, "event delivered to log target", "rule", d.Rule, "target", d.Target.Id,
		"log_group", strings.TrimPrefix(a.Resource, "log-group:"), "event_id", d.EventID, "payload", string(d.Payload))
	return nil
}

// Interface guards.
var (
	_ Deliverer = (*HTTPDeliverer)(nil)
	_ Deliverer = LogDeliverer{}
)

// setAuth adds the credentials named by a, read from the environment now.
func setAuth(req *http.Request, a *HTTPAuth) error {
	if a == nil {
		return nil
	}
	get := func(name string) (string, error) {
		v, ok := os.LookupEnv(name)
		if !ok {
			return "", fmt.Errorf("environment variable %s is not set on the firstline server", name)
		}
		return v, nil
	}
	switch {
	case a.BearerTokenEnv != "":
		v, err := get(a.BearerTokenEnv)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+v)
	case a.BasicUsernameEnv != "":
		u, err := get(a.BasicUsernameEnv)
		if err != nil {
			return err
		}
		p, err := get(a.BasicPasswordEnv)
		if err != nil {
			return err
		}
		req.SetBasicAuth(u, p)
	case a.ApiKeyName != "":
		v, err := get(a.ApiKeyValueEnv)
		if err != nil {
			return err
		}
		req.Header.Set(a.ApiKeyName, v)
	}
	return nil
}

package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/firstline/firstline/internal/event"
)

// Request is one request to a hook, as a receiver sees it.
type Request struct {
	Hook   string
	Header http.Header
	Body   []byte
	// Received is when the request arrived (the default event time).
	Received time.Time
}

// Receiver turns the requests of one source into events. It fills Source,
// DetailType, Detail, Resources and Time of each event; ingest fills the
// rest of the envelope. Errors with a Field() method answer 400 naming the
// field; a Response error lets the receiver answer without events (for
// example an SNS subscription confirmation).
type Receiver interface {
	Receive(ctx context.Context, r *Request) ([]*event.Event, error)
}

// ReceiverFunc adapts a function to Receiver.
type ReceiverFunc func(ctx context.Context, r *Request) ([]*event.Event, error)

// Receive calls f.
func (f ReceiverFunc) Receive(ctx context.Context, r *Request) ([]*event.Event, error) {
	return f(ctx, r)
}

// Response is returned by a receiver that answers a request itself, with
// no events (Status 200 by default, Body JSON).
type Response struct {
	Status int
	Body   any
}

func (r *Response) Error() string { return fmt.Sprintf("answered without events (%d)", r.Status) }

// Factory builds a receiver from a hook's spec (the whole spec JSON: a
// receiver reads its own fields and must accept Type and Auth). It returns
// errors with Field() paths relative to the spec.
type Factory func(hook string, spec json.RawMessage) (Receiver, error)

// Types is the registry of receiver types.
type Types struct{ byName map[string]Factory }

// NewTypes returns an empty registry.
func NewTypes() *Types { return &Types{byName: map[string]Factory{}} }

// Register adds a type; a duplicate name is an error.
func (t *Types) Register(name string, f Factory) error {
	if _, dup := t.byName[name]; dup {
		return fmt.Errorf("register hook type %q: already registered", name)
	}
	t.byName[name] = f
	return nil
}

func (t *Types) names() []string {
	var out []string
	for n := range t.byName {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func (t *Types) lookup(name string) (Factory, error) {
	if f, ok := t.byName[name]; ok {
		return f, nil
	}
	return nil, &FieldError{"Type", fmt.Sprintf("unknown hook type %q; want one of %s", name, strings.Join(t.names(), ", "))}
}

// FieldError rejects a field of a hook spec or of a request body.
type FieldError struct{ Path, Msg string }

func (e *FieldError) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return e.Path + ": " + e.Msg
}

// Field returns the path of the rejected field.
func (e *FieldError) Field() string { return e.Path }

// DecodeSpec decodes a hook spec into v, rejecting unknown fields; v must
// have Type and Auth fields (or embed SpecBase).
func DecodeSpec(spec json.RawMessage, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(spec)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		msg := strings.TrimPrefix(err.Error(), "json: ")
		if f, ok := strings.CutPrefix(msg, "unknown field "); ok {
			return &FieldError{strings.Trim(f, `"`), "unknown field for this hook type"}
		}
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) {
			return &FieldError{ute.Field, "has the wrong type: " + msg}
		}
		return &FieldError{"", msg}
	}
	return nil
}

// SpecBase holds the fields every hook spec has; receivers embed it in
// their config so DecodeSpec accepts them.
type SpecBase struct {
	Type string          `json:"Type"`
	Auth json.RawMessage `json:"Auth,omitempty"`
}

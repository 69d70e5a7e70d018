package workflow

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/firstline/firstline/internal/arn"
)

// Integration patterns of a Task resource (Developer Guide › Discover
// service integration patterns in Step Functions).
const (
	RequestResponse  = "REQUEST_RESPONSE"  // no suffix: the call's answer is the result
	RunJob           = "RUN_JOB"           // .sync: wait for the job to finish
	WaitForTaskToken = "WAIT_FOR_CALLBACK" // .waitForTaskToken: wait for SendTaskSuccess/Failure
)

// Integration runs the tasks of the Task states whose Resource it was
// registered for. The server, the Run Command issue and the notification
// issue register the real ones; `states run` answers tasks from mocks.
type Integration interface {
	// Invoke runs the task of r (r.Parameters is the effective input,
	// r.TaskToken is set for .waitForTaskToken, r.ID is stable across
	// retries of a driver crash and serves as the idempotency key). It
	// returns the task's result, or a *TaskError to fail the task with a
	// name Retry and Catch can match; any other error fails it as
	// States.TaskFailed. For WaitForTaskToken the result is ignored: the
	// task completes when the token is answered.
	Invoke(ctx context.Context, r *Request, pattern string) (any, error)
}

// ErrAnswerLater is returned by an integration that started a task whose
// answer comes later through another path (a .sync child execution that
// has not ended): the driver leaves the request pending.
var ErrAnswerLater = errors.New("the task is answered later")

// IntegrationFunc adapts a function to Integration.
type IntegrationFunc func(ctx context.Context, r *Request, pattern string) (any, error)

// Invoke calls f.
func (f IntegrationFunc) Invoke(ctx context.Context, r *Request, pattern string) (any, error) {
	return f(ctx, r, pattern)
}

// TaskError fails a task with an error name and cause, e.g.
// {Error: "Lambda.ServiceException", Cause: "..."}.
type TaskError struct {
	Name  string
	Cause string
}

func (e *TaskError) Error() string { return e.Name + ": " + e.Cause }

// Registry maps Task resource ARNs to integrations. Keys are ARNs with
// region and account left empty, e.g. "arn:aws:states:::lambda:invoke",
// "arn:aws:states:::aws-sdk:ssm:sendCommand"; a key ending in "*"
// matches every resource with that prefix ("arn:aws:lambda:::function:*"
// for bare function ARNs). Region and account of a resource are ignored,
// and the .sync / .waitForTaskToken suffixes select the pattern, not the
// integration. The longest matching key wins. A Registry is safe for
// concurrent Lookup once registration is done.
type Registry struct {
	exact    map[string]Integration
	prefixes []prefixEntry
}

type prefixEntry struct {
	prefix string
	i      Integration
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{exact: map[string]Integration{}} }

// Register adds an integration for key. It fails on a key that is not an
// ARN or is already registered.
func (r *Registry) Register(key string, i Integration) error {
	norm, _, err := normalizeResource(strings.TrimSuffix(key, "*"))
	if err != nil {
		return err
	}
	if strings.HasSuffix(key, "*") {
		for _, p := range r.prefixes {
			if p.prefix == norm {
				return fmt.Errorf("integration %q is already registered", key)
			}
		}
		r.prefixes = append(r.prefixes, prefixEntry{norm, i})
		sort.Slice(r.prefixes, func(a, b int) bool { return len(r.prefixes[a].prefix) > len(r.prefixes[b].prefix) })
		return nil
	}
	if _, dup := r.exact[norm]; dup {
		return fmt.Errorf("integration %q is already registered", key)
	}
	r.exact[norm] = i
	return nil
}

// Lookup finds the integration for a Task's Resource and the integration
// pattern its suffix asks for.
func (r *Registry) Lookup(resource string) (Integration, string, bool) {
	norm, pattern, err := normalizeResource(resource)
	if err != nil {
		return nil, "", false
	}
	if i, ok := r.exact[norm]; ok {
		return i, pattern, true
	}
	for _, p := range r.prefixes {
		if strings.HasPrefix(norm, p.prefix) {
			return p.i, pattern, true
		}
	}
	return nil, "", false
}

// normalizeResource empties region and account and cuts the pattern
// suffix.
func normalizeResource(resource string) (string, string, error) {
	a, err := arn.Parse(resource)
	if err != nil {
		return "", "", err
	}
	a.Region, a.Account = "", ""
	pattern := RequestResponse
	res := a.Resource
	switch {
	case strings.HasSuffix(res, ".waitForTaskToken"):
		res, pattern = strings.TrimSuffix(res, ".waitForTaskToken"), WaitForTaskToken
	case strings.HasSuffix(res, ".sync:2"):
		res, pattern = strings.TrimSuffix(res, ".sync:2"), RunJob
	case strings.HasSuffix(res, ".sync"):
		res, pattern = strings.TrimSuffix(res, ".sync"), RunJob
	}
	if a.Service == "lambda" {
		// arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]
		res = strings.TrimSuffix(res, ":$LATEST")
	}
	a.Resource = res
	return a.String(), pattern, nil
}

// Keys lists the registered resource keys, sorted, for messages.
func (r *Registry) Keys() []string {
	var out []string
	for k := range r.exact {
		out = append(out, k)
	}
	for _, p := range r.prefixes {
		out = append(out, p.prefix+"*")
	}
	sort.Strings(out)
	return out
}

// TaskRef is one Task state of a machine: its name, Resource and location
// in the definition (a JSON pointer such as /States/Restart/Resource).
type TaskRef struct {
	State, Resource, Location string
}

// Tasks lists every Task state of the machine, nested ones included, in
// location order.
func (m *Machine) Tasks() []TaskRef {
	var out []TaskRef
	var walk func(d *Definition)
	walk = func(d *Definition) {
		for _, st := range d.States {
			if st.Type == "Task" {
				out = append(out, TaskRef{State: st.Name, Resource: st.Resource, Location: st.loc + "/Resource"})
			}
			for _, b := range st.Branches {
				walk(b)
			}
			if st.Processor != nil {
				walk(st.Processor)
			}
		}
	}
	walk(m.Definition)
	sort.Slice(out, func(i, j int) bool { return out[i].Location < out[j].Location })
	return out
}

package rule

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/firstline/firstline/internal/pattern"
	"github.com/firstline/firstline/internal/rule/input"
)

// Limits from the EventBridge API Reference (PutRule, PutTargets, Target,
// RetryPolicy).
const (
	MaxTargets              = 5
	DefaultRetryAttempts    = 185
	MaxRetryAttempts        = 185
	DefaultMaximumEventAge  = 86400
	MinMaximumEventAge      = 60
	MaxMaximumEventAge      = 86400
	maxDescription          = 512
	maxTargetIDLen          = 64
	maxEventPatternTextSize = 4096
)

// Spec is a rule as `firstline apply` takes it: the fields of the
// AWS::Events::Rule CloudFormation resource that apply here.
type Spec struct {
	Description string `json:"Description,omitempty"`
	// State is ENABLED (the default) or DISABLED.
	State string `json:"State"`
	// EventPattern is a JSON object, or a string holding one (as the
	// PutRule API takes it).
	EventPattern json.RawMessage `json:"EventPattern"`
	Targets      []Target        `json:"Targets"`
}

// Target says where a rule delivers and how.
type Target struct {
	Id string `json:"Id"` //nolint:revive // AWS field name
	// Arn names a firstline resource in AWS form (account and region are
	// ignored), e.g. arn:aws:logs:us-east-1:123456789012:log-group:/ops.
	Arn string `json:"Arn,omitempty"`
	// Http delivers to an HTTP endpoint, like an API destination.
	Http *HTTPTarget `json:"Http,omitempty"` //nolint:revive // AWS-style name
	input.Config
	RetryPolicy      *RetryPolicy      `json:"RetryPolicy,omitempty"`
	DeadLetterConfig *DeadLetterConfig `json:"DeadLetterConfig,omitempty"`
}

// HTTPTarget is an API-destination-like endpoint.
type HTTPTarget struct {
	Endpoint              string            `json:"Endpoint"`
	HttpMethod            string            `json:"HttpMethod,omitempty"` //nolint:revive // AWS field name
	HeaderParameters      map[string]string `json:"HeaderParameters,omitempty"`
	QueryStringParameters map[string]string `json:"QueryStringParameters,omitempty"`
	// Auth, if set, authenticates each request with a secret read from
	// the server's environment at delivery time, so it is never stored.
	Auth *HTTPAuth `json:"Auth,omitempty"`
}

// HTTPAuth names environment variables of the firstline server holding a
// target's credentials (as an EventBridge connection's authorization, with
// the secrets kept out of the database). Set exactly one way: BearerTokenEnv;
// BasicUsernameEnv with BasicPasswordEnv; or ApiKeyName with ApiKeyValueEnv.
type HTTPAuth struct {
	BearerTokenEnv   string `json:"BearerTokenEnv,omitempty"`
	BasicUsernameEnv string `json:"BasicUsernameEnv,omitempty"`
	BasicPasswordEnv string `json:"BasicPasswordEnv,omitempty"`
	ApiKeyName       string `json:"ApiKeyName,omitempty"`     //nolint:revive // AWS-style name
	ApiKeyValueEnv   string `json:"ApiKeyValueEnv,omitempty"` //nolint:revive // AWS-style name
}

// RetryPolicy bounds redelivery (EventBridge API Reference › RetryPolicy).
type RetryPolicy struct {
	MaximumRetryAttempts     *int `json:"MaximumRetryAttempts,omitempty"`
	MaximumEventAgeInSeconds *int `json:"MaximumEventAgeInSeconds,omitempty"`
}

// DeadLetterConfig is accepted for compatibility; failed deliveries always
// go to firstline's dead-letter list.
type DeadLetterConfig struct {
	Arn string `json:"Arn,omitempty"`
}

// Retries returns the retry attempts and the maximum event age in seconds,
// with EventBridge's defaults.
func (t Target) Retries() (attempts, maxAge int) {
	attempts, maxAge = DefaultRetryAttempts, DefaultMaximumEventAge
	if t.RetryPolicy != nil {
		if t.RetryPolicy.MaximumRetryAttempts != nil {
			attempts = *t.RetryPolicy.MaximumRetryAttempts
		}
		if t.RetryPolicy.MaximumEventAgeInSeconds != nil {
			maxAge = *t.RetryPolicy.MaximumEventAgeInSeconds
		}
	}
	return attempts, maxAge
}

// FieldError rejects a field of a rule spec.
type FieldError struct{ Path, Msg string }

func (e *FieldError) Error() string { return e.Path + ": " + e.Msg }

// Field returns the path of the rejected field.
func (e *FieldError) Field() string { return e.Path }

// ParseSpec decodes and validates a rule spec, reporting every problem at
// once, and returns it with EventPattern as a JSON object and State set.
// targets lists the target kinds that may be named.
func ParseSpec(raw json.RawMessage, targets *Targets) (*Spec, *pattern.Pattern, error) {
	var s Spec
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		msg := strings.TrimPrefix(err.Error(), "json: ")
		if f, ok := strings.CutPrefix(msg, "unknown field "); ok {
			return nil, nil, &FieldError{strings.Trim(f, `"`), "unknown field"}
		}
		return nil, nil, &FieldError{"", msg}
	}
	var errs []error
	fail := func(path, format string, args ...any) {
		errs = append(errs, &FieldError{path, fmt.Sprintf(format, args...)})
	}
	if len(s.Description) > maxDescription {
		fail("Description", "is longer than %d characters", maxDescription)
	}
	switch s.State {
	case "":
		s.State = "ENABLED"
	case "ENABLED", "DISABLED":
	default:
		fail("State", "is %q; want ENABLED or DISABLED", s.State)
	}
	var p *pattern.Pattern
	pat := bytes.TrimSpace(s.EventPattern)
	if len(pat) > 0 && pat[0] == '"' {
		var text string
		if err := json.Unmarshal(pat, &text); err == nil {
			pat = []byte(text)
		}
	}
	if len(pat) == 0 || string(pat) == "null" {
		fail("EventPattern", "is required")
	} else {
		var err error
		if p, err = pattern.Compile(pat); err != nil {
			for _, e := range unjoin(err) {
				var pe *pattern.Error
				if errors.As(e, &pe) {
					path := "EventPattern"
					if pe.Path != "" {
						path += "." + pe.Path
					}
					fail(path, "%s", pe.Reason)
				}
			}
		} else {
			var compact bytes.Buffer
			_ = json.Compact(&compact, pat)
			s.EventPattern = compact.Bytes()
		}
	}
	if len(s.Targets) > MaxTargets {
		fail("Targets", "has %d targets; a rule has at most %d", len(s.Targets), MaxTargets)
	}
	ids := map[string]bool{}
	for i, t := range s.Targets {
		path := fmt.Sprintf("Targets[%d]", i)
		switch {
		case t.Id == "" || len(t.Id) > maxTargetIDLen:
			fail(path+".Id", "must be 1 to %d characters", maxTargetIDLen)
		case ids[t.Id]:
			fail(path+".Id", "%q is used by another target of this rule", t.Id)
		}
		ids[t.Id] = true
		for _, c := range t.Id {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
				fail(path+".Id", "has %q; use letters, digits, '.', '-', '_'", c)
				break
			}
		}
		switch {
		case (t.Arn == "") == (t.Http == nil):
			fail(path, "set exactly one of Arn and Http")
		case t.Http != nil:
			validateHTTP(t.Http, path+".Http", fail)
		default:
			if err := targets.validateArn(t.Arn); err != nil {
				fail(path+".Arn", "%s", err)
			}
		}
		if err := t.Config.Validate(); err != nil {
			for _, e := range unjoin(err) {
				var fe interface{ Field() string }
				if errors.As(e, &fe) {
					fail(path+"."+fe.Field(), "%s", strings.TrimPrefix(e.Error(), fe.Field()+": "))
				} else {
					fail(path, "%s", e)
				}
			}
		}
		if rp := t.RetryPolicy; rp != nil {
			if n := rp.MaximumRetryAttempts; n != nil && (*n < 0 || *n > MaxRetryAttempts) {
				fail(path+".RetryPolicy.MaximumRetryAttempts", "is %d; want 0 to %d", *n, MaxRetryAttempts)
			}
			if n := rp.MaximumEventAgeInSeconds; n != nil && (*n < MinMaximumEventAge || *n > MaxMaximumEventAge) {
				fail(path+".RetryPolicy.MaximumEventAgeInSeconds", "is %d; want %d to %d", *n, MinMaximumEventAge, MaxMaximumEventAge)
			}
		}
	}
	if len(errs) > 0 {
		return nil, nil, errors.Join(errs...)
	}
	if s.Targets == nil {
		s.Targets = []Target{}
	}
	return &s, p, nil
}

func validateHTTP(h *HTTPTarget, path string, fail func(string, string, ...any)) {
	u, err := url.Parse(h.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		fail(path+".Endpoint", "%q is not an http:// or https:// URL", h.Endpoint)
	}
	switch h.HttpMethod {
	case "":
		h.HttpMethod = "POST"
	case "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS":
	default:
		fail(path+".HttpMethod", "is %q; want GET, POST, PUT, PATCH, DELETE, HEAD or OPTIONS", h.HttpMethod)
	}
	if a := h.Auth; a != nil {
		ways := 0
		if a.BearerTokenEnv != "" {
			ways++
		}
		if a.BasicUsernameEnv != "" || a.BasicPasswordEnv != "" {
			ways++
			if a.BasicUsernameEnv == "" || a.BasicPasswordEnv == "" {
				fail(path+".Auth", "BasicUsernameEnv and BasicPasswordEnv go together")
			}
		}
		if a.ApiKeyName != "" || a.ApiKeyValueEnv != "" {
			ways++
			if a.ApiKeyName == "" || a.ApiKeyValueEnv == "" {
				fail(path+".Auth", "ApiKeyName and ApiKeyValueEnv go together")
			}
		}
		if ways != 1 {
			fail(path+".Auth", "set exactly one of BearerTokenEnv, BasicUsernameEnv+BasicPasswordEnv, ApiKeyName+ApiKeyValueEnv")
		}
	}
	for k, v := range h.HeaderParameters {
		if k == "" || strings.ContainsAny(k, " :\r\n") || strings.ContainsAny(v, "\r\n") {
			fail(path+".HeaderParameters."+k, "is not a valid header")
		}
	}
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

package function

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/firstline/firstline/internal/resource"
)

// KindName is the resource kind of functions.
const KindName = "Function"

// Timeout bounds of a function, in seconds (Lambda's: 3 s by default there,
// 900 s at most).
const (
	DefaultTimeoutSeconds = 60
	MaxTimeoutSeconds     = 900
	maxDescription        = 256 // Lambda's limit on Description
)

// Spec is a Function resource's spec: one way to run the function, Http or
// Command, and its timeout.
type Spec struct {
	// Description says what the function does (at most 256 characters).
	Description string `json:"Description,omitempty"`
	// Http runs the function by POSTing the payload to an endpoint.
	Http *HTTPSpec `json:"Http,omitempty"` //nolint:revive // AWS-style name
	// Command runs the function as a child process of the server.
	Command *CommandSpec `json:"Command,omitempty"`
	// TimeoutSeconds bounds one invocation: 1 to 900, default 60. At the
	// timeout an HTTP request is abandoned and a command's whole process
	// group is killed; the task fails with Sandbox.Timedout.
	TimeoutSeconds *int `json:"TimeoutSeconds,omitempty"`
}

// HTTPSpec runs a function over HTTP: POST of the payload as JSON, the
// JSON response body is the result.
type HTTPSpec struct {
	// Endpoint is an http:// or https:// URL.
	Endpoint string `json:"Endpoint"`
	// Headers are added to every request. Values may carry secrets (apply
	// expands ${VAR}); they never appear in logs or in a task's cause.
	Headers map[string]string `json:"Headers,omitempty"`
}

// CommandSpec runs a function as a program: the payload as JSON on its
// standard input, the JSON on its standard output is the result. The
// program is started directly, never through a shell.
type CommandSpec struct {
	// Path is the program's absolute path.
	Path string `json:"Path"`
	// Args are its arguments (after argv[0], which is Path).
	Args []string `json:"Args,omitempty"`
	// Env is added to the minimal environment the program gets (PATH,
	// HOME, LANG and the FIRSTLINE_* variables of the invocation), never
	// to the server's whole environment. Values may carry secrets.
	Env map[string]string `json:"Env,omitempty"`
	// Dir is the working directory (absolute); default the server's.
	Dir string `json:"Dir,omitempty"`
}

// Timeout returns TimeoutSeconds, or the default.
func (s *Spec) Timeout() int {
	if s.TimeoutSeconds == nil {
		return DefaultTimeoutSeconds
	}
	return *s.TimeoutSeconds
}

// Kind is the Function resource kind.
type Kind struct{}

// Name returns "Function".
func (Kind) Name() string { return KindName }

// reservedEnv are set by firstline at every invocation of a command.
var reservedEnv = []string{envIdempotencyKey, envExecution, envRequestID, envFunctionName}

// envName is a portable environment variable name.
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Normalize validates a function spec and returns its canonical JSON, with
// TimeoutSeconds filled in and keys in a fixed order. Every problem is
// reported, each with its path in the spec (e.g. "Http.Endpoint").
func (Kind) Normalize(_ string, raw json.RawMessage) (json.RawMessage, error) {
	var errs []error
	fail := func(path, format string, args ...any) {
		errs = append(errs, &resource.FieldError{Path: path, Msg: fmt.Sprintf(format, args...)})
	}
	var spec Spec
	if err := decodeStrict(raw, &spec); err != nil {
		return nil, decodeError("", err)
	}
	if len(spec.Description) > maxDescription {
		fail("Description", "has %d characters; at most %d", len(spec.Description), maxDescription)
	}
	switch {
	case spec.Http == nil && spec.Command == nil:
		fail("", "set one of Http (an endpoint) and Command (a program)")
	case spec.Http != nil && spec.Command != nil:
		fail("", "set one of Http and Command, not both")
	case spec.Http != nil:
		validateHTTP(spec.Http, fail)
	default:
		validateCommand(spec.Command, fail)
	}
	if t := spec.TimeoutSeconds; t != nil && (*t < 1 || *t > MaxTimeoutSeconds) {
		fail("TimeoutSeconds", "is %d; want 1 to %d", *t, MaxTimeoutSeconds)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	t := spec.Timeout()
	spec.TimeoutSeconds = &t
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(spec); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func validateHTTP(h *HTTPSpec, fail func(string, string, ...any)) {
	u, err := url.Parse(h.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		fail("Http.Endpoint", "%q is not an http:// or https:// URL", h.Endpoint)
	}
	for _, k := range sortedKeys(h.Headers) {
		v := h.Headers[k]
		path := "Http.Headers." + k
		switch {
		case k == "" || strings.ContainsAny(k, " \t:\r\n") || !isToken(k):
			fail(path, "is not a valid header name")
		case isReservedHeader(k):
			fail(path, "is set by firstline at each invocation")
		case strings.ContainsAny(v, "\r\n\x00"):
			fail(path, "has a line break or NUL in its value")
		}
	}
}

func validateCommand(c *CommandSpec, fail func(string, string, ...any)) {
	switch {
	case c.Path == "":
		fail("Command.Path", "is required: the program's absolute path")
	case !filepath.IsAbs(c.Path):
		fail("Command.Path", "%q is not an absolute path", c.Path)
	case strings.ContainsRune(c.Path, 0):
		fail("Command.Path", "has a NUL byte")
	}
	for i, a := range c.Args {
		if strings.ContainsRune(a, 0) {
			fail(fmt.Sprintf("Command.Args[%d]", i), "has a NUL byte")
		}
	}
	for _, k := range sortedKeys(c.Env) {
		path := "Command.Env." + k
		switch {
		case !envName.MatchString(k):
			fail(path, "is not a valid variable name (letters, digits, '_', not starting with a digit)")
		case slices.Contains(reservedEnv, k):
			fail(path, "is set by firstline at each invocation")
		case strings.ContainsRune(c.Env[k], 0):
			fail(path, "has a NUL byte in its value")
		}
	}
	if c.Dir != "" && !filepath.IsAbs(c.Dir) {
		fail("Command.Dir", "%q is not an absolute path", c.Dir)
	}
}

// isReservedHeader reports headers firstline sets itself.
func isReservedHeader(k string) bool {
	switch strings.ToLower(k) {
	case "host", "content-type", "content-length", "transfer-encoding", "connection", strings.ToLower(headerIdempotencyKey):
		return true
	}
	return strings.HasPrefix(strings.ToLower(k), "x-firstline-")
}

// isToken reports whether s is an RFC 9110 token.
func isToken(s string) bool {
	for _, c := range s {
		if c > 0x7e || c <= ' ' || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, c) {
			return false
		}
	}
	return true
}

// decodeStrict decodes one JSON object, refusing unknown fields.
func decodeStrict(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("unexpected data after the spec")
	}
	return nil
}

// decodeError turns a decoding error into a field error with its path.
func decodeError(path string, err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return &resource.FieldError{Path: join(path, te.Field), Msg: fmt.Sprintf("is a JSON %s; want %s", te.Value, typeName(te.Type.String()))}
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	if strings.HasPrefix(msg, "unknown field") {
		msg += "; a Function spec has Description, Http {Endpoint, Headers}, Command {Path, Args, Env, Dir} and TimeoutSeconds"
	}
	return &resource.FieldError{Path: path, Msg: msg}
}

func typeName(goType string) string {
	switch goType {
	case "int", "*int":
		return "an integer"
	case "string":
		return "a string"
	case "[]string":
		return "a list of strings"
	case "map[string]string":
		return "an object of strings"
	}
	return "an object"
}

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + "." + b
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Interface guard.
var _ resource.Kind = Kind{}

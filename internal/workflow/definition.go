package workflow

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/firstline/firstline/internal/arn"
	"github.com/firstline/firstline/internal/workflow/jsonata"
)

// Query languages (Developer Guide › Transforming data with JSONata).
const (
	JSONPath = "JSONPath"
	JSONata  = "JSONata"
)

// Diagnostic is one problem found in a definition, shaped like the
// ValidateStateMachineDefinition API's diagnostics (Step Functions API
// Reference › ValidateStateMachineDefinitionDiagnostic). Severity is ERROR
// or WARNING; Code is one of AWS's codes (SCHEMA_VALIDATION_FAILED,
// INVALID_JSON_DESCRIPTION, MISSING_DESCRIPTION, INVALID_RESOURCE,
// MISSING_END_STATE, DUPLICATE_STATE_NAME, INVALID_STATE_NAME, and the
// warnings NO_DOLLAR, NO_PATH, PASS_RESULT_IS_STATIC); Location is a JSON
// pointer into the definition such as "/States/Wait/Seconds".
type Diagnostic struct {
	Severity string `json:"severity"`
	Code     string `json:"code"`
	Message  string `json:"message"`
	Location string `json:"location,omitempty"`
}

// Validation is the answer of Validate: Result "OK" or "FAIL" (FAIL when
// any diagnostic is an ERROR), and every diagnostic found.
type Validation struct {
	Result      string       `json:"result"`
	Diagnostics []Diagnostic `json:"diagnostics"`
	Truncated   bool         `json:"truncated"`
}

// MaxDefinitionBytes is the largest definition accepted (Step Functions
// quotas: 1 MB).
const MaxDefinitionBytes = 1 << 20

// Machine is a compiled, validated state machine definition. It is
// immutable and safe for concurrent use by any number of executions.
type Machine struct {
	Definition *Definition
	// Source is the definition's JSON text as given.
	Source []byte
}

// Definition is a state machine or one of its nested scopes (a Parallel
// branch or a Map item processor): StartAt, States and the query language
// in effect.
type Definition struct {
	Comment        string
	StartAt        string
	States         map[string]*State
	TimeoutSeconds int64 // top level only; 0 = none
	QueryLanguage  string
	loc            string // JSON pointer of this scope
}

// State is one compiled state. Fields hold the compiled forms of what the
// definition wrote; which are set depends on Type and QueryLanguage.
type State struct {
	Name, Type, Comment, QueryLanguage string
	Next                               string
	End                                bool
	loc                                string
	assigns                            []assignment

	// JSONPath input and output processing. A nil path with the null flag
	// set is the explicit null of the spec.
	inputPath, outputPath   *path
	inputNull, outputNull   bool
	resultPath              *refPath
	resultNull              bool
	parameters, resultSel   pnode
	result                  any
	hasResult               bool
	assign                  pnode
	assignJSONata           *jsonata.Template
	arguments, outputJSONat *jsonata.Template

	// Task
	Resource                             string
	timeoutSeconds, heartbeatSeconds     int64
	timeoutPath, heartbeatPath           *path
	timeoutJSONata, heartbeatJSONata     *jsonata.Expr
	retry                                []*retrier
	catch                                []*catcher
	choices                              []*choiceRule
	Default                              string
	seconds                              *int64
	timestamp                            *time.Time
	secondsPath, timestampPath           *path
	secondsJSONata, timestampJSONata     *jsonata.Expr
	errorName, cause                     string
	errorPath, causePath                 pnode
	errorJSONata, causeJSONata           *jsonata.Expr
	Branches                             []*Definition
	Processor                            *Definition
	itemsPath                            *path
	itemsJSONata                         *jsonata.Template
	itemsSource                          any
	itemSelector                         pnode
	itemSelectorJSONata                  *jsonata.Template
	maxConcurrency                       int64
	maxConcurrencyPath                   *path
	maxConcurrencyJSONata                *jsonata.Expr
	toleratedCount, toleratedPercent     *float64
	toleratedCountPath, toleratedPctPath *path
	toleratedCountJSONata                *jsonata.Expr
	toleratedPctJSONata                  *jsonata.Expr
}

type retrier struct {
	equals      []string
	interval    float64 // seconds
	maxAttempts int
	backoff     float64
	maxDelay    float64 // seconds; 0 = none
	jitter      string  // FULL or NONE
}

type catcher struct {
	equals        []string
	next          string
	resultPath    *refPath
	resultNull    bool
	assign        pnode
	assignJSONata *jsonata.Template
	output        *jsonata.Template
}

// choiceRule is a Choice rule: a combinator (And, Or, Not), a comparison
// of Variable with an operand or an operand path, or a JSONata Condition.
type choiceRule struct {
	and, or       []*choiceRule
	not           *choiceRule
	variable      *path
	op            string
	operand       any
	operandPath   *path
	condition     *jsonata.Expr
	next          string
	assign        pnode
	assignJSONata *jsonata.Template
	output        *jsonata.Template
}

// stateFields lists the fields each state type allows besides Type,
// Comment and QueryLanguage (States Language › State Types, and the
// JSONata additions of 2024).
var stateFields = map[string][]string{
	"Pass":     {"Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters", "Result", "Assign", "Output"},
	"Task":     {"Next", "End", "Resource", "InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector", "Retry", "Catch", "TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds", "HeartbeatSecondsPath", "Credentials", "Assign", "Arguments", "Output"},
	"Choice":   {"Choices", "Default", "InputPath", "OutputPath", "Assign", "Output"},
	"Wait":     {"Next", "End", "InputPath", "OutputPath", "Seconds", "SecondsPath", "Timestamp", "TimestampPath", "Assign", "Output"},
	"Succeed":  {"InputPath", "OutputPath", "Output"},
	"Fail":     {"Error", "ErrorPath", "Cause", "CausePath"},
	"Parallel": {"Next", "End", "Branches", "InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector", "Retry", "Catch", "Assign", "Arguments", "Output"},
	"Map": {"Next", "End", "Iterator", "ItemProcessor", "ItemsPath", "Items", "ItemSelector", "Parameters", "ItemReader", "ItemBatcher", "ResultWriter",
		"MaxConcurrency", "MaxConcurrencyPath", "ToleratedFailureCount", "ToleratedFailureCountPath", "ToleratedFailurePercentage", "ToleratedFailurePercentagePath",
		"Label", "InputPath", "OutputPath", "ResultPath", "ResultSelector", "Retry", "Catch", "Assign", "Output"},
}

// jsonPathOnly and jsonataOnly are the fields one query language has and
// the other does not (Developer Guide › Transforming data with JSONata ›
// JSONPath fields not supported in JSONata).
var jsonPathOnly = map[string]bool{
	"InputPath": true, "OutputPath": true, "ResultPath": true, "Parameters": true, "ResultSelector": true, "Result": true,
	"ItemsPath": true, "SecondsPath": true, "TimestampPath": true, "TimeoutSecondsPath": true, "HeartbeatSecondsPath": true,
	"ErrorPath": true, "CausePath": true, "MaxConcurrencyPath": true, "ToleratedFailureCountPath": true, "ToleratedFailurePercentagePath": true,
	"Iterator": false,
}

var jsonataOnly = map[string]bool{"Arguments": true, "Output": true, "Items": true}

var comparisonOps = []string{
	"StringEquals", "StringEqualsPath", "StringLessThan", "StringLessThanPath", "StringGreaterThan", "StringGreaterThanPath",
	"StringLessThanEquals", "StringLessThanEqualsPath", "StringGreaterThanEquals", "StringGreaterThanEqualsPath", "StringMatches",
	"NumericEquals", "NumericEqualsPath", "NumericLessThan", "NumericLessThanPath", "NumericGreaterThan", "NumericGreaterThanPath",
	"NumericLessThanEquals", "NumericLessThanEqualsPath", "NumericGreaterThanEquals", "NumericGreaterThanEqualsPath",
	"BooleanEquals", "BooleanEqualsPath",
	"TimestampEquals", "TimestampEqualsPath", "TimestampLessThan", "TimestampLessThanPath", "TimestampGreaterThan", "TimestampGreaterThanPath",
	"TimestampLessThanEquals", "TimestampLessThanEqualsPath", "TimestampGreaterThanEquals", "TimestampGreaterThanEqualsPath",
	"IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp",
}

// Validate checks a definition and returns every problem found, as
// ValidateStateMachineDefinition does. It never returns an error: a
// definition that is not JSON is a FAIL with INVALID_JSON_DESCRIPTION.
func Validate(def []byte) Validation {
	_, diags := compile(def)
	v := Validation{Result: "OK", Diagnostics: diags}
	if v.Diagnostics == nil {
		v.Diagnostics = []Diagnostic{}
	}
	for _, d := range diags {
		if d.Severity == "ERROR" {
			v.Result = "FAIL"
		}
	}
	return v
}

// Compile validates def and compiles it. It returns the machine and any
// warnings, or nil and every diagnostic when there is an ERROR.
func Compile(def []byte) (*Machine, []Diagnostic) {
	return compile(def)
}

// DefinitionError is returned by MustCompile-style callers: the
// diagnostics of a definition that failed validation.
type DefinitionError struct{ Diagnostics []Diagnostic }

func (e *DefinitionError) Error() string {
	var b strings.Builder
	b.WriteString("invalid state machine definition:")
	n := 0
	for _, d := range e.Diagnostics {
		if d.Severity != "ERROR" {
			continue
		}
		if n == 5 {
			fmt.Fprintf(&b, " (and %d more)", countErrors(e.Diagnostics)-5)
			break
		}
		fmt.Fprintf(&b, " %s at %s: %s;", d.Code, orRoot(d.Location), d.Message)
		n++
	}
	return strings.TrimSuffix(b.String(), ";")
}

func countErrors(ds []Diagnostic) int {
	n := 0
	for _, d := range ds {
		if d.Severity == "ERROR" {
			n++
		}
	}
	return n
}

func orRoot(loc string) string {
	if loc == "" {
		return "/"
	}
	return loc
}

// Parse is Compile returning a *DefinitionError when the definition is
// invalid.
func Parse(def []byte) (*Machine, error) {
	m, diags := compile(def)
	if m == nil {
		return nil, &DefinitionError{Diagnostics: diags}
	}
	return m, nil
}

type compiler struct {
	cur   *State // the state being compiled
	diags []Diagnostic
	names map[string]string // every state name in the machine → its location
}

func (c *compiler) errorf(code, loc, format string, args ...any) {
	c.diags = append(c.diags, Diagnostic{Severity: "ERROR", Code: code, Message: fmt.Sprintf(format, args...), Location: loc})
}

func (c *compiler) schema(loc, format string, args ...any) {
	c.errorf("SCHEMA_VALIDATION_FAILED", loc, format, args...)
}

func (c *compiler) warnf(code, loc, format string, args ...any) {
	c.diags = append(c.diags, Diagnostic{Severity: "WARNING", Code: code, Message: fmt.Sprintf(format, args...), Location: loc})
}

func compile(def []byte) (*Machine, []Diagnostic) {
	c := &compiler{names: map[string]string{}}
	if len(bytes.TrimSpace(def)) == 0 {
		c.errorf("MISSING_DESCRIPTION", "", "The definition is empty")
		return nil, c.diags
	}
	if len(def) > MaxDefinitionBytes {
		c.schema("", "The definition is %d bytes, more than the limit of %d", len(def), MaxDefinitionBytes)
		return nil, c.diags
	}
	v, err := decodeJSON(def)
	if err != nil {
		c.errorf("INVALID_JSON_DESCRIPTION", "", "The definition is not valid JSON: %v", err)
		return nil, c.diags
	}
	checkDuplicateKeys(def, c)
	obj, ok := v.(map[string]any)
	if !ok {
		c.schema("", "The definition must be a JSON object, not %s", typeName(v))
		return nil, c.diags
	}
	top := c.definition(obj, "", JSONPath, true)
	c.checkScopes(top, nil)
	m := &Machine{Definition: top, Source: append([]byte(nil), def...)}
	sort.SliceStable(c.diags, func(i, j int) bool { return c.diags[i].Severity == "ERROR" && c.diags[j].Severity != "ERROR" })
	for _, d := range c.diags {
		if d.Severity == "ERROR" {
			return nil, c.diags
		}
	}
	return m, c.diags
}

// checkDuplicateKeys reports member names that appear twice in one
// object: DUPLICATE_STATE_NAME inside a States object, a schema error
// elsewhere.
func checkDuplicateKeys(def []byte, c *compiler) {
	dec := json.NewDecoder(bytes.NewReader(def))
	type frame struct {
		obj  bool
		keys map[string]bool
		loc  string
		key  string // the key this container is the value of
		next bool   // object: expecting a key
		idx  int
	}
	var stack []*frame
	childLoc := func() (string, string) {
		if len(stack) == 0 {
			return "", ""
		}
		f := stack[len(stack)-1]
		if f.obj {
			return f.loc + "/" + f.key, f.key
		}
		return fmt.Sprintf("%s/%d", f.loc, f.idx), ""
	}
	afterValue := func() {
		if len(stack) == 0 {
			return
		}
		f := stack[len(stack)-1]
		if f.obj {
			f.next = true
		} else {
			f.idx++
		}
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return
		}
		if len(stack) > 0 && stack[len(stack)-1].obj && stack[len(stack)-1].next {
			f := stack[len(stack)-1]
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:len(stack)-1]
				afterValue()
				continue
			}
			k, _ := tok.(string)
			if f.keys[k] {
				parent := ""
				if len(stack) > 1 {
					parent = stack[len(stack)-1].loc
				}
				_ = parent
				if strings.HasSuffix(f.loc, "/States") {
					c.errorf("DUPLICATE_STATE_NAME", f.loc+"/"+k, "The state name %q appears more than once", k)
				} else {
					c.schema(f.loc+"/"+k, "The field %q appears more than once", k)
				}
			}
			f.keys[k] = true
			f.key = k
			f.next = false
			continue
		}
		switch d := tok.(type) {
		case json.Delim:
			switch d {
			case '{', '[':
				loc, _ := childLoc()
				stack = append(stack, &frame{obj: d == '{', keys: map[string]bool{}, loc: loc, next: true})
			case ']':
				stack = stack[:len(stack)-1]
				afterValue()
			}
		default:
			afterValue()
		}
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// assignment is a variable name an Assign field sets, and where.
type assignment struct {
	name, loc string
	catch     bool // in a catcher: not part of the scope check (recorded AWS behaviour)
}

// checkScopes reports names a nested scope assigns that an enclosing scope
// assigns too. It runs once the whole machine is compiled.
func (c *compiler) checkScopes(d *Definition, outer map[string]bool) {
	names := map[string]bool{}
	for k := range outer {
		names[k] = true
	}
	mine := scopeAssignments(d)
	for _, a := range mine {
		if outer[a.name] {
			c.schema(a.loc, "The variable %q is assigned in an enclosing scope: a Parallel branch or Map iteration cannot assign it", a.name)
		}
	}
	for _, a := range mine {
		names[a.name] = true
	}
	for _, st := range d.States {
		for _, b := range st.Branches {
			c.checkScopes(b, names)
		}
		if st.Processor != nil {
			c.checkScopes(st.Processor, names)
		}
	}
}

func scopeAssignments(d *Definition) []assignment {
	var out []assignment
	for _, st := range d.States {
		for _, a := range st.assigns {
			if !a.catch {
				out = append(out, a)
			}
		}
	}
	return out
}

// definition compiles a machine or a nested scope. A nested scope (a
// Parallel branch, a Map item processor) may read the variables of the
// scopes around it but not assign one of their names (Developer Guide ›
// Passing data between states with variables › Variable scope); see
// checkScopes.
func (c *compiler) definition(obj map[string]any, loc, inherited string, top bool) *Definition {
	d := &Definition{States: map[string]*State{}, QueryLanguage: inherited, loc: loc}
	allowed := []string{"StartAt", "States", "Comment"}
	if top {
		allowed = append(allowed, "Version", "TimeoutSeconds", "QueryLanguage")
	} else {
		allowed = append(allowed, "ProcessorConfig")
	}
	for _, k := range sortedKeys(obj) {
		if !slices.Contains(allowed, k) {
			c.schema(loc+"/"+k, "The field %q is not supported here", k)
		}
	}
	if ql, ok := obj["QueryLanguage"]; ok {
		s, _ := ql.(string)
		if s != JSONPath && s != JSONata {
			c.schema(loc+"/QueryLanguage", "QueryLanguage must be JSONPath or JSONata")
		} else {
			d.QueryLanguage = s
		}
	}
	d.Comment = c.optString(obj, "Comment", loc)
	if v, ok := obj["Version"]; ok {
		if _, ok := v.(string); !ok {
			c.schema(loc+"/Version", "Version must be a string")
		}
	}
	if v, ok := obj["TimeoutSeconds"]; ok {
		n, ok := toInt(v)
		if !ok || n <= 0 || n > 99999999 {
			c.schema(loc+"/TimeoutSeconds", "TimeoutSeconds must be a positive integer")
		}
		d.TimeoutSeconds = n
	}
	start, ok := obj["StartAt"].(string)
	if !ok || start == "" {
		c.schema(loc+"/StartAt", "The field StartAt is required and must be a string")
	}
	d.StartAt = start
	states, ok := obj["States"].(map[string]any)
	if !ok || len(states) == 0 {
		c.schema(loc+"/States", "The field States is required and must be an object holding at least one state")
		return d
	}
	for _, name := range sortedKeys(states) {
		sloc := loc + "/States/" + name
		if n := len([]rune(name)); n == 0 || n > 80 {
			c.errorf("INVALID_STATE_NAME", sloc, "State names must be 1 to 80 characters long")
		}
		if prev, dup := c.names[name]; dup {
			c.errorf("DUPLICATE_STATE_NAME", sloc, "The state name %q is also used at %s; state names must be unique in the state machine", name, prev)
		}
		c.names[name] = sloc
		sobj, ok := states[name].(map[string]any)
		if !ok {
			c.schema(sloc, "A state must be a JSON object")
			continue
		}
		if st := c.state(name, sobj, sloc, d.QueryLanguage); st != nil {
			d.States[name] = st
		}
	}
	if start != "" {
		if _, ok := states[start]; !ok {
			c.schema(loc+"/StartAt", "StartAt %q names no state in States", start)
		}
	}
	c.checkTransitions(d, states)
	return d
}

// checkTransitions checks that every transition names a state of the
// scope, every state is reachable from StartAt, and some state ends.
func (c *compiler) checkTransitions(d *Definition, raw map[string]any) {
	targets := func(st *State) []string {
		var out []string
		if st.Next != "" {
			out = append(out, st.Next)
		}
		if st.Default != "" {
			out = append(out, st.Default)
		}
		for _, r := range st.choices {
			if r.next != "" {
				out = append(out, r.next)
			}
		}
		for _, ct := range st.catch {
			if ct.next != "" {
				out = append(out, ct.next)
			}
		}
		return out
	}
	for _, name := range sortedKeys(raw) {
		st := d.States[name]
		if st == nil {
			continue
		}
		check := func(field, target string) {
			if target == "" {
				return
			}
			if _, ok := raw[target]; !ok {
				c.errorf("MISSING_TRANSITION_TARGET", st.loc+"/"+field, "Missing transition target: %q names no state in this scope", target)
			}
		}
		check("Next", st.Next)
		check("Default", st.Default)
		for i, r := range st.choices {
			check(fmt.Sprintf("Choices/%d/Next", i), r.next)
		}
		for i, ct := range st.catch {
			check(fmt.Sprintf("Catch/%d/Next", i), ct.next)
		}
	}
	if _, ok := d.States[d.StartAt]; !ok {
		return
	}
	seen := map[string]bool{d.StartAt: true}
	queue := []string{d.StartAt}
	for len(queue) > 0 {
		st := d.States[queue[0]]
		queue = queue[1:]
		if st == nil {
			continue
		}
		for _, t := range targets(st) {
			if !seen[t] {
				seen[t] = true
				queue = append(queue, t)
			}
		}
	}
	terminal := false
	for _, name := range sortedKeys(raw) {
		if !seen[name] {
			c.schema(d.loc+"/States/"+name, "State %q is not reachable from StartAt", name)
		}
		if st := d.States[name]; st != nil && (st.End || st.Type == "Succeed" || st.Type == "Fail") {
			terminal = true
		}
	}
	if !terminal && len(d.States) == len(raw) {
		c.errorf("MISSING_END_STATE", d.loc+"/States", "No state ends the workflow: one needs \"End\": true, or Type Succeed or Fail")
	}
}

func (c *compiler) optString(obj map[string]any, key, loc string) string {
	v, ok := obj[key]
	if !ok {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		c.schema(loc+"/"+key, "%s must be a string", key)
	}
	return s
}

// state compiles one state.
func (c *compiler) state(name string, obj map[string]any, loc, inherited string) *State {
	st := &State{Name: name, loc: loc, QueryLanguage: inherited}
	prev := c.cur
	c.cur = st
	defer func() { c.cur = prev }()
	typ, ok := obj["Type"].(string)
	fields, known := stateFields[typ]
	if !ok || !known {
		c.schema(loc+"/Type", "Type must be one of Pass, Task, Choice, Wait, Succeed, Fail, Parallel, Map")
		return nil
	}
	st.Type = typ
	if ql, ok := obj["QueryLanguage"]; ok {
		s, _ := ql.(string)
		switch {
		case s != JSONPath && s != JSONata:
			c.schema(loc+"/QueryLanguage", "QueryLanguage must be JSONPath or JSONata")
		case s == JSONPath && inherited == JSONata:
			c.schema(loc+"/QueryLanguage", "A state cannot use JSONPath when the state machine uses JSONata")
		default:
			st.QueryLanguage = s
		}
	}
	jsonataMode := st.QueryLanguage == JSONata
	for _, k := range sortedKeys(obj) {
		switch {
		case k == "Type" || k == "Comment" || k == "QueryLanguage":
		case !slices.Contains(fields, k):
			c.schema(loc+"/"+k, "The field %q is not supported by %s states", k, typ)
		case jsonataMode && (jsonPathOnly[k] || k == "Iterator"):
			c.schema(loc+"/"+k, "The field %q is not supported with QueryLanguage JSONata", k)
		case !jsonataMode && jsonataOnly[k]:
			c.schema(loc+"/"+k, "The field %q is supported only with QueryLanguage JSONata", k)
		}
	}
	st.Comment = c.optString(obj, "Comment", loc)

	// Transitions.
	if slices.Contains(fields, "Next") {
		next, hasNext := obj["Next"]
		end, hasEnd := obj["End"]
		switch {
		case hasNext && hasEnd:
			c.schema(loc, "A state cannot have both Next and End")
		case hasNext:
			s, ok := next.(string)
			if !ok || s == "" {
				c.schema(loc+"/Next", "Next must be the name of a state")
			}
			st.Next = s
		case hasEnd:
			b, ok := end.(bool)
			if !ok || !b {
				c.schema(loc+"/End", "End must be true (or use Next)")
			}
			st.End = true
		default:
			c.schema(loc, "A %s state must have Next or \"End\": true", typ)
		}
	}

	c.ioFields(st, obj, loc)
	if st.QueryLanguage == JSONata {
		c.statesRefs(st, obj, loc)
	}

	switch typ {
	case "Pass":
		if r, ok := obj["Result"]; ok {
			st.result, st.hasResult = r, true
		}
	case "Task":
		c.task(st, obj, loc)
	case "Choice":
		c.choice(st, obj, loc)
	case "Wait":
		c.wait(st, obj, loc)
	case "Fail":
		c.failState(st, obj, loc)
	case "Parallel":
		br, ok := obj["Branches"].([]any)
		if !ok || len(br) == 0 {
			c.schema(loc+"/Branches", "A Parallel state needs Branches, an array of at least one branch")
		}
		for i, b := range br {
			bl := fmt.Sprintf("%s/Branches/%d", loc, i)
			bo, ok := b.(map[string]any)
			if !ok {
				c.schema(bl, "A branch must be an object with StartAt and States")
				continue
			}
			st.Branches = append(st.Branches, c.definition(bo, bl, st.QueryLanguage, false))
		}
	case "Map":
		c.mapState(st, obj, loc)
	}
	if slices.Contains(fields, "Retry") {
		c.retryCatch(st, obj, loc)
	}
	return st
}

// ioFields compiles the input and output processing fields.
func (c *compiler) ioFields(st *State, obj map[string]any, loc string) {
	optPath := func(key string) (*path, bool) {
		v, ok := obj[key]
		if !ok {
			return nil, false
		}
		if v == nil {
			return nil, true
		}
		s, ok := v.(string)
		if !ok {
			c.schema(loc+"/"+key, "%s must be a path string or null", key)
			return nil, false
		}
		p, err := parsePath(s)
		if err != nil {
			c.schema(loc+"/"+key, "%v", err)
			return nil, false
		}
		return p, false
	}
	st.inputPath, st.inputNull = optPath("InputPath")
	st.outputPath, st.outputNull = optPath("OutputPath")
	if v, ok := obj["ResultPath"]; ok {
		if v == nil {
			st.resultNull = true
		} else if s, ok := v.(string); !ok {
			c.schema(loc+"/ResultPath", "ResultPath must be a reference path string or null")
		} else if rp, err := parseRefPath(s); err != nil {
			c.schema(loc+"/ResultPath", "%v", err)
		} else {
			st.resultPath = rp
		}
	}
	payload := func(key string) pnode {
		v, ok := obj[key]
		if !ok {
			return nil
		}
		if key != "Assign" {
			if _, isObj := v.(map[string]any); !isObj && st.Type != "Pass" {
				c.schema(loc+"/"+key, "%s must be a JSON object", key)
				return nil
			}
		}
		return c.payload(v, loc+"/"+key)
	}
	if st.QueryLanguage == JSONata {
		st.arguments = c.jsonataTemplate(obj, "Arguments", loc)
		st.outputJSONat = c.jsonataTemplate(obj, "Output", loc)
		if v, ok := obj["Assign"]; ok {
			c.checkAssign(v, loc+"/Assign")
			st.assignJSONata = c.jsonataTemplate(obj, "Assign", loc)
		}
		return
	}
	st.parameters = payload("Parameters")
	st.resultSel = payload("ResultSelector")
	if v, ok := obj["Assign"]; ok {
		c.checkAssign(v, loc+"/Assign")
		st.assign = c.payload(v, loc+"/Assign")
	}
	if st.Type == "Pass" {
		if r, ok := obj["Result"]; ok {
			if s, isStr := r.(string); isStr && strings.HasPrefix(s, "$") {
				c.warnf("PASS_RESULT_IS_STATIC", loc+"/Result", "Result is static: the path %q is not evaluated (use Parameters with a .$ field)", s)
			}
		}
	}
}

// statesRefs reports JSONata expressions that read $states.result or
// $states.errorOutput where the state has none (Developer Guide ›
// Transforming data with JSONata › Reserved variable: $states): the
// result only in the Output and Assign of Task, Parallel and Map states,
// the error output only in a catcher.
func (c *compiler) statesRefs(st *State, obj map[string]any, loc string) {
	var walk func(v any, loc string, result, errOut bool)
	walk = func(v any, loc string, result, errOut bool) {
		switch x := v.(type) {
		case string:
			// A string is an expression when it starts with {% and ends
			// with %} (with a space around it, it is literal text).
			if strings.HasPrefix(x, "{%") && !strings.HasSuffix(x, "%}") {
				c.schema(loc, "A JSONata expression must be written as the whole string, opened with {%% and closed with %%}: %q", x)
				return
			}
			if !strings.HasPrefix(x, "{%") {
				return
			}
			if !result && strings.Contains(x, "$states.result") {
				c.schema(loc, "$states.result is not available here: only the Output and Assign of Task, Parallel and Map states see the result")
			}
			if !errOut && strings.Contains(x, "$states.errorOutput") {
				c.schema(loc, "$states.errorOutput is available only in the Output and Assign of a catcher")
			}
		case map[string]any:
			for _, k := range sortedKeys(x) {
				walk(x[k], loc+"/"+k, result, errOut)
			}
		case []any:
			for i, e := range x {
				walk(e, fmt.Sprintf("%s/%d", loc, i), result, errOut)
			}
		}
	}
	hasResult := st.Type == "Task" || st.Type == "Parallel" || st.Type == "Map"
	for _, k := range sortedKeys(obj) {
		switch k {
		case "Branches", "ItemProcessor", "Iterator":
			continue
		case "Catch":
			walk(obj[k], loc+"/"+k, false, true)
		case "Output", "Assign":
			walk(obj[k], loc+"/"+k, hasResult, false)
		default:
			walk(obj[k], loc+"/"+k, false, false)
		}
	}
}

// checkAssign checks the variable names an Assign field defines and
// remembers them for the scope check.
func (c *compiler) checkAssign(v any, loc string) {
	obj, ok := v.(map[string]any)
	if !ok {
		c.schema(loc, "Assign must be a JSON object")
		return
	}
	for _, k := range sortedKeys(obj) {
		name := strings.TrimSuffix(k, ".$")
		if c.cur != nil {
			c.cur.assigns = append(c.cur.assigns, assignment{name: name, loc: loc + "/" + k, catch: strings.Contains(loc, "/Catch/")})
		}
		if !validVariableName(name) || name == "states" {
			c.schema(loc+"/"+k, "%q is not a valid variable name (letters, digits and _, not starting with a digit, at most 80 characters; \"states\" is reserved)", name)
		}
	}
}

func (c *compiler) payload(v any, loc string) pnode {
	c.noDollar(v, loc)
	return compilePayload(v, loc, func(l, msg string) { c.schema(l, "%s", msg) })
}

// noDollar warns about string values that look like paths in fields whose
// names do not end with ".$" (they are passed on as literal text).
func (c *compiler) noDollar(v any, loc string) {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if strings.HasSuffix(k, ".$") {
				continue
			}
			if s, ok := val.(string); ok && (strings.HasPrefix(s, "$.") || strings.HasPrefix(s, "$$.") || strings.HasPrefix(s, "States.")) {
				c.warnf("NO_DOLLAR", loc+"/"+k, "The value of %q looks like a path or intrinsic function, but the field name does not end with .$: it is passed on as text", k)
			}
			c.noDollar(val, loc+"/"+k)
		}
	case []any:
		for i, e := range x {
			c.noDollar(e, fmt.Sprintf("%s/%d", loc, i))
		}
	}
}

func (c *compiler) jsonataTemplate(obj map[string]any, key, loc string) *jsonata.Template {
	v, ok := obj[key]
	if !ok {
		return nil
	}
	t, err := jsonata.CompileTemplate(v)
	if err != nil {
		c.schema(loc+"/"+key, "%v", err)
		return nil
	}
	return t
}

// jsonataOrInt compiles a field that takes a non-negative integer, or a
// JSONata expression in JSONata states.
func (c *compiler) jsonataOrInt(st *State, obj map[string]any, key, loc string, min int64) (int64, *jsonata.Expr, bool) {
	v, ok := obj[key]
	if !ok {
		return 0, nil, false
	}
	if s, isStr := v.(string); isStr && st.QueryLanguage == JSONata && jsonata.IsExpr(s) {
		e, err := jsonata.Compile(s)
		if err != nil {
			c.schema(loc+"/"+key, "%v", err)
		}
		return 0, e, true
	}
	n, ok := toInt(v)
	if !ok || n < min || n > 99999999 {
		c.schema(loc+"/"+key, "%s must be an integer between %d and 99999999", key, min)
		return 0, nil, false
	}
	return n, nil, true
}

func isExprString(v any) bool {
	s, ok := v.(string)
	return ok && jsonata.IsExpr(s)
}

// jsonataExpr compiles one JSONata expression field.
func (c *compiler) jsonataExpr(src, loc string) *jsonata.Expr {
	e, err := jsonata.Compile(src)
	if err != nil {
		c.schema(loc, "%v", err)
		return nil
	}
	return e
}

func (c *compiler) pathField(obj map[string]any, key, loc string) *path {
	v, ok := obj[key]
	if !ok {
		return nil
	}
	s, ok := v.(string)
	if !ok {
		c.schema(loc+"/"+key, "%s must be a path string", key)
		return nil
	}
	p, err := parsePath(s)
	if err != nil {
		c.schema(loc+"/"+key, "%v", err)
		return nil
	}
	return p
}

func (c *compiler) task(st *State, obj map[string]any, loc string) {
	res, ok := obj["Resource"].(string)
	if !ok || res == "" {
		c.schema(loc+"/Resource", "A Task state needs Resource, a URI naming the task to run")
	} else if _, err := arn.Parse(res); err != nil {
		c.errorf("INVALID_RESOURCE", loc+"/Resource", "Resource %q is not a valid ARN", res)
	}
	st.Resource = res
	var hasT, hasH bool
	st.timeoutSeconds, st.timeoutJSONata, hasT = c.jsonataOrInt(st, obj, "TimeoutSeconds", loc, 1)
	st.heartbeatSeconds, st.heartbeatJSONata, hasH = c.jsonataOrInt(st, obj, "HeartbeatSeconds", loc, 1)
	st.timeoutPath = c.pathField(obj, "TimeoutSecondsPath", loc)
	st.heartbeatPath = c.pathField(obj, "HeartbeatSecondsPath", loc)
	if hasT && st.timeoutPath != nil {
		c.schema(loc, "A Task state cannot have both TimeoutSeconds and TimeoutSecondsPath")
	}
	if hasH && st.heartbeatPath != nil {
		c.schema(loc, "A Task state cannot have both HeartbeatSeconds and HeartbeatSecondsPath")
	}
	if st.timeoutSeconds > 0 && st.heartbeatSeconds > 0 && st.heartbeatSeconds >= st.timeoutSeconds {
		c.schema(loc+"/HeartbeatSeconds", "HeartbeatSeconds must be smaller than TimeoutSeconds")
	}
}

func (c *compiler) wait(st *State, obj map[string]any, loc string) {
	n := 0
	for _, k := range []string{"Seconds", "Timestamp", "SecondsPath", "TimestampPath"} {
		if _, ok := obj[k]; ok {
			n++
		}
	}
	if n != 1 {
		c.schema(loc, "A Wait state needs exactly one of Seconds, Timestamp, SecondsPath and TimestampPath")
	}
	if _, ok := obj["Seconds"]; ok {
		s, e, ok := c.jsonataOrInt(st, obj, "Seconds", loc, 0)
		if ok && e == nil {
			st.seconds = &s
		}
		st.secondsJSONata = e
	}
	if v, ok := obj["Timestamp"]; ok {
		s, _ := v.(string)
		if st.QueryLanguage == JSONata && jsonata.IsExpr(s) {
			e, err := jsonata.Compile(s)
			if err != nil {
				c.schema(loc+"/Timestamp", "%v", err)
			}
			st.timestampJSONata = e
		} else if t, err := parseTimestamp(s); err != nil {
			c.schema(loc+"/Timestamp", "Timestamp must be an RFC 3339 timestamp such as 2016-03-14T01:59:00Z")
		} else {
			st.timestamp = &t
		}
	}
	st.secondsPath = c.pathField(obj, "SecondsPath", loc)
	st.timestampPath = c.pathField(obj, "TimestampPath", loc)
}

// parseTimestamp parses the timestamps the States Language accepts.
func parseTimestamp(s string) (time.Time, error) {
	if !timestampRE.MatchString(s) {
		return time.Time{}, fmt.Errorf("%q is not an RFC 3339 timestamp", s)
	}
	return time.Parse(time.RFC3339Nano, s)
}

func (c *compiler) failState(st *State, obj map[string]any, loc string) {
	one := func(key, pathKey string) (string, pnode, *jsonata.Expr) {
		v, has := obj[key]
		pv, hasPath := obj[pathKey]
		if has && hasPath {
			c.schema(loc, "A Fail state cannot have both %s and %s", key, pathKey)
		}
		var s string
		var e *jsonata.Expr
		if has {
			var ok bool
			s, ok = v.(string)
			if !ok {
				c.schema(loc+"/"+key, "%s must be a string", key)
			}
			if st.QueryLanguage == JSONata && jsonata.IsExpr(s) {
				ex, err := jsonata.Compile(s)
				if err != nil {
					c.schema(loc+"/"+key, "%v", err)
				}
				e, s = ex, ""
			}
		}
		var p pnode
		if hasPath {
			ps, ok := pv.(string)
			if !ok {
				c.schema(loc+"/"+pathKey, "%s must be a path or an intrinsic function", pathKey)
			} else if n, err := compileDynamic(pathKey, ps); err != nil {
				c.schema(loc+"/"+pathKey, "%v", err)
			} else {
				p = n
			}
		}
		return s, p, e
	}
	st.errorName, st.errorPath, st.errorJSONata = one("Error", "ErrorPath")
	st.cause, st.causePath, st.causeJSONata = one("Cause", "CausePath")
}

func (c *compiler) errorEquals(v any, loc string, last bool) []string {
	arr, ok := v.([]any)
	if !ok || len(arr) == 0 {
		c.schema(loc, "ErrorEquals must be a non-empty array of error names")
		return nil
	}
	var out []string
	for i, e := range arr {
		s, ok := e.(string)
		if !ok || s == "" {
			c.schema(fmt.Sprintf("%s/%d", loc, i), "An error name must be a non-empty string")
			continue
		}
		out = append(out, s)
	}
	if slices.Contains(out, ErrALL) {
		if len(out) != 1 {
			c.schema(loc, "States.ALL must appear alone in ErrorEquals")
		} else if !last {
			c.schema(loc, "States.ALL must be in the last retrier or catcher")
		}
	}
	return out
}

func (c *compiler) retryCatch(st *State, obj map[string]any, loc string) {
	if v, ok := obj["Retry"]; ok {
		arr, ok := v.([]any)
		if !ok {
			c.schema(loc+"/Retry", "Retry must be an array of retriers")
		}
		for i, r := range arr {
			rl := fmt.Sprintf("%s/Retry/%d", loc, i)
			ro, ok := r.(map[string]any)
			if !ok {
				c.schema(rl, "A retrier must be an object")
				continue
			}
			rt := &retrier{interval: 1, maxAttempts: 3, backoff: 2, jitter: "NONE"}
			for _, k := range sortedKeys(ro) {
				switch k {
				case "ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds", "JitterStrategy", "Comment":
				default:
					c.schema(rl+"/"+k, "The field %q is not supported in a retrier", k)
				}
			}
			rt.equals = c.errorEquals(ro["ErrorEquals"], rl+"/ErrorEquals", i == len(arr)-1)
			if x, ok := ro["IntervalSeconds"]; ok {
				n, ok := toInt(x)
				if !ok || n < 1 || n > 99999999 {
					c.schema(rl+"/IntervalSeconds", "IntervalSeconds must be a positive integer")
				}
				rt.interval = float64(n)
			}
			if x, ok := ro["MaxAttempts"]; ok {
				n, ok := toInt(x)
				if !ok || n < 0 || n > 99999999 {
					c.schema(rl+"/MaxAttempts", "MaxAttempts must be a non-negative integer")
				}
				rt.maxAttempts = int(n)
			}
			if x, ok := ro["BackoffRate"]; ok {
				f, ok := toFloat(x)
				if !ok || f < 1 {
					c.schema(rl+"/BackoffRate", "BackoffRate must be a number greater than or equal to 1.0")
				}
				rt.backoff = f
			}
			if x, ok := ro["MaxDelaySeconds"]; ok {
				n, ok := toInt(x)
				if !ok || n < 1 || n > 31622400 {
					c.schema(rl+"/MaxDelaySeconds", "MaxDelaySeconds must be a positive integer of at most 31622400")
				}
				rt.maxDelay = float64(n)
			}
			if x, ok := ro["JitterStrategy"]; ok {
				s, _ := x.(string)
				if s != "FULL" && s != "NONE" {
					c.schema(rl+"/JitterStrategy", "JitterStrategy must be FULL or NONE")
				}
				rt.jitter = s
			}
			st.retry = append(st.retry, rt)
		}
	}
	if v, ok := obj["Catch"]; ok {
		arr, ok := v.([]any)
		if !ok {
			c.schema(loc+"/Catch", "Catch must be an array of catchers")
		}
		for i, r := range arr {
			cl := fmt.Sprintf("%s/Catch/%d", loc, i)
			co, ok := r.(map[string]any)
			if !ok {
				c.schema(cl, "A catcher must be an object")
				continue
			}
			ct := &catcher{}
			for _, k := range sortedKeys(co) {
				switch k {
				case "ErrorEquals", "Next", "Comment", "Assign":
				case "ResultPath":
					if st.QueryLanguage == JSONata {
						c.schema(cl+"/"+k, "ResultPath is not supported with QueryLanguage JSONata; use Output")
					}
				case "Output":
					if st.QueryLanguage != JSONata {
						c.schema(cl+"/"+k, "Output in a catcher is supported only with QueryLanguage JSONata")
					}
				default:
					c.schema(cl+"/"+k, "The field %q is not supported in a catcher", k)
				}
			}
			ct.equals = c.errorEquals(co["ErrorEquals"], cl+"/ErrorEquals", i == len(arr)-1)
			next, ok := co["Next"].(string)
			if !ok || next == "" {
				c.schema(cl+"/Next", "A catcher needs Next, the state to go to")
			}
			ct.next = next
			if rp, has := co["ResultPath"]; has {
				if rp == nil {
					ct.resultNull = true
				} else if s, ok := rp.(string); !ok {
					c.schema(cl+"/ResultPath", "ResultPath must be a reference path or null")
				} else if p, err := parseRefPath(s); err != nil {
					c.schema(cl+"/ResultPath", "%v", err)
				} else {
					ct.resultPath = p
				}
			}
			ct.assign, ct.assignJSONata, ct.output = c.assignAndOutput(st, co, cl)
			st.catch = append(st.catch, ct)
		}
	}
}

// assignAndOutput compiles the Assign (either query language) and the
// JSONata Output of a catcher or a choice rule.
func (c *compiler) assignAndOutput(st *State, obj map[string]any, loc string) (pnode, *jsonata.Template, *jsonata.Template) {
	var assign pnode
	var assignJ, output *jsonata.Template
	if a, has := obj["Assign"]; has {
		c.checkAssign(a, loc+"/Assign")
		if st.QueryLanguage == JSONata {
			assignJ = c.jsonataTemplate(obj, "Assign", loc)
		} else {
			assign = c.payload(a, loc+"/Assign")
		}
	}
	if st.QueryLanguage == JSONata {
		output = c.jsonataTemplate(obj, "Output", loc)
	}
	return assign, assignJ, output
}

func (c *compiler) choice(st *State, obj map[string]any, loc string) {
	arr, ok := obj["Choices"].([]any)
	if !ok || len(arr) == 0 {
		c.schema(loc+"/Choices", "A Choice state needs Choices, a non-empty array of rules")
	}
	for i, r := range arr {
		rl := fmt.Sprintf("%s/Choices/%d", loc, i)
		ro, ok := r.(map[string]any)
		if !ok {
			c.schema(rl, "A choice rule must be an object")
			continue
		}
		rule := c.choiceRule(st, ro, rl, true)
		if rule != nil {
			st.choices = append(st.choices, rule)
		}
	}
	if v, ok := obj["Default"]; ok {
		s, ok := v.(string)
		if !ok || s == "" {
			c.schema(loc+"/Default", "Default must be the name of a state")
		}
		st.Default = s
	}
}

func (c *compiler) choiceRule(st *State, ro map[string]any, loc string, top bool) *choiceRule {
	r := &choiceRule{}
	var ops []string
	for _, k := range sortedKeys(ro) {
		switch {
		case k == "Comment":
		case k == "Next" || k == "Assign" || k == "Output":
			if !top {
				c.schema(loc+"/"+k, "%s is allowed only in a top-level choice rule", k)
			}
			if k == "Output" && st.QueryLanguage != JSONata {
				c.schema(loc+"/"+k, "Output in a choice rule is supported only with QueryLanguage JSONata")
			}
		case k == "Variable":
			if st.QueryLanguage == JSONata {
				c.schema(loc+"/"+k, "Variable is not supported with QueryLanguage JSONata; use Condition")
			}
		case k == "Condition":
			if st.QueryLanguage != JSONata {
				c.schema(loc+"/"+k, "Condition is supported only with QueryLanguage JSONata")
			}
			ops = append(ops, k)
		case k == "And" || k == "Or" || k == "Not" || slices.Contains(comparisonOps, k):
			ops = append(ops, k)
		default:
			c.schema(loc+"/"+k, "The field %q is not supported in a choice rule", k)
		}
	}
	if top {
		next, ok := ro["Next"].(string)
		if !ok || next == "" {
			c.schema(loc+"/Next", "A top-level choice rule needs Next")
		}
		r.next = next
		r.assign, r.assignJSONata, r.output = c.assignAndOutput(st, ro, loc)
	}
	if len(ops) != 1 {
		c.schema(loc, "A choice rule needs exactly one of And, Or, Not, Condition or a comparison operator; found %d", len(ops))
		return r
	}
	op := ops[0]
	r.op = op
	switch op {
	case "Condition":
		s, ok := ro[op].(string)
		if !ok {
			if b, isBool := ro[op].(bool); isBool {
				r.condition, _ = jsonata.Compile(fmt.Sprintf("{%% %t %%}", b))
				return r
			}
			c.schema(loc+"/Condition", "Condition must be a JSONata expression string")
			return r
		}
		e, err := jsonata.Compile(s)
		if err != nil {
			c.schema(loc+"/Condition", "%v", err)
		}
		r.condition = e
		return r
	case "And", "Or":
		arr, ok := ro[op].([]any)
		if !ok || len(arr) == 0 {
			c.schema(loc+"/"+op, "%s must be a non-empty array of rules", op)
			return r
		}
		for i, x := range arr {
			xo, ok := x.(map[string]any)
			if !ok {
				c.schema(fmt.Sprintf("%s/%s/%d", loc, op, i), "A choice rule must be an object")
				continue
			}
			kid := c.choiceRule(st, xo, fmt.Sprintf("%s/%s/%d", loc, op, i), false)
			if op == "And" {
				r.and = append(r.and, kid)
			} else {
				r.or = append(r.or, kid)
			}
		}
		if _, ok := ro["Variable"]; ok {
			c.schema(loc+"/Variable", "A rule with %s cannot have Variable", op)
		}
		return r
	case "Not":
		xo, ok := ro[op].(map[string]any)
		if !ok {
			c.schema(loc+"/Not", "Not must be a choice rule object")
			return r
		}
		r.not = c.choiceRule(st, xo, loc+"/Not", false)
		if _, ok := ro["Variable"]; ok {
			c.schema(loc+"/Variable", "A rule with Not cannot have Variable")
		}
		return r
	}
	// A comparison.
	vs, ok := ro["Variable"].(string)
	if !ok {
		c.schema(loc+"/Variable", "A comparison needs Variable, a path")
	} else if p, err := parsePath(vs); err != nil {
		c.schema(loc+"/Variable", "%v", err)
	} else {
		r.variable = p
	}
	operand := ro[op]
	switch {
	case strings.HasSuffix(op, "Path"):
		s, ok := operand.(string)
		if !ok {
			c.schema(loc+"/"+op, "%s must be a path", op)
		} else if p, err := parsePath(s); err != nil {
			c.schema(loc+"/"+op, "%v", err)
		} else {
			r.operandPath = p
		}
	case strings.HasPrefix(op, "String"):
		s, ok := operand.(string)
		if !ok {
			c.schema(loc+"/"+op, "%s needs a string", op)
		}
		r.operand = s
	case strings.HasPrefix(op, "Numeric"):
		if !isNumber(operand) {
			c.schema(loc+"/"+op, "%s needs a number", op)
		}
		r.operand = operand
	case strings.HasPrefix(op, "Timestamp"):
		s, _ := operand.(string)
		t, err := parseTimestamp(s)
		if err != nil {
			c.schema(loc+"/"+op, "%s needs an RFC 3339 timestamp such as 2016-03-14T01:59:00Z", op)
		}
		r.operand = t
	default: // BooleanEquals and the Is* tests
		b, ok := operand.(bool)
		if !ok {
			c.schema(loc+"/"+op, "%s needs true or false", op)
		}
		r.operand = b
	}
	return r
}

func (c *compiler) mapState(st *State, obj map[string]any, loc string) {
	proc, hasProc := obj["ItemProcessor"]
	iter, hasIter := obj["Iterator"]
	switch {
	case hasProc && hasIter:
		c.schema(loc, "A Map state cannot have both ItemProcessor and Iterator")
	case !hasProc && !hasIter:
		c.schema(loc+"/ItemProcessor", "A Map state needs ItemProcessor (or the older Iterator)")
	}
	key := "ItemProcessor"
	if !hasProc {
		proc, key = iter, "Iterator"
	}
	if po, ok := proc.(map[string]any); ok {
		if pc, ok := po["ProcessorConfig"].(map[string]any); ok {
			for _, k := range sortedKeys(pc) {
				switch k {
				case "Mode":
					if m, _ := pc[k].(string); m != "INLINE" && m != "DISTRIBUTED" {
						c.schema(loc+"/"+key+"/ProcessorConfig/Mode", "Mode must be INLINE or DISTRIBUTED")
					}
				case "ExecutionType":
				default:
					c.schema(loc+"/"+key+"/ProcessorConfig/"+k, "The field %q is not supported in ProcessorConfig", k)
				}
			}
		}
		st.Processor = c.definition(po, loc+"/"+key, st.QueryLanguage, false)
	} else if proc != nil {
		c.schema(loc+"/"+key, "%s must be an object with StartAt and States", key)
	}
	for _, k := range []string{"ItemReader", "ResultWriter", "ItemBatcher"} {
		if _, ok := obj[k]; ok {
			c.schema(loc+"/"+k, "%s (Distributed Map over external data) is not supported: firstline runs Map states inline", k)
		}
	}
	st.itemsPath = c.pathField(obj, "ItemsPath", loc)
	if st.QueryLanguage == JSONata {
		st.itemsJSONata = c.jsonataTemplate(obj, "Items", loc)
		st.itemsSource = obj["Items"]
		st.itemSelectorJSONata = c.jsonataTemplate(obj, "ItemSelector", loc)
	} else {
		_, hasSel := obj["ItemSelector"]
		_, hasParams := obj["Parameters"]
		if hasSel && hasParams {
			c.schema(loc, "A Map state cannot have both ItemSelector and Parameters")
		}
		if hasSel {
			st.itemSelector = c.payload(obj["ItemSelector"], loc+"/ItemSelector")
		} else if hasParams {
			// The older Parameters of a Map state select each item.
			st.itemSelector, st.parameters = st.parameters, nil
		}
	}
	var e *jsonata.Expr
	st.maxConcurrency, e, _ = c.jsonataOrInt(st, obj, "MaxConcurrency", loc, 0)
	st.maxConcurrencyJSONata = e
	st.maxConcurrencyPath = c.pathField(obj, "MaxConcurrencyPath", loc)
	if v, ok := obj["ToleratedFailureCount"]; ok && st.QueryLanguage == JSONata && isExprString(v) {
		st.toleratedCountJSONata = c.jsonataExpr(v.(string), loc+"/ToleratedFailureCount")
	} else if ok {
		n, ok := toInt(v)
		if !ok || n < 0 {
			c.schema(loc+"/ToleratedFailureCount", "ToleratedFailureCount must be a non-negative integer")
		}
		f := float64(n)
		st.toleratedCount = &f
	}
	if v, ok := obj["ToleratedFailurePercentage"]; ok && st.QueryLanguage == JSONata && isExprString(v) {
		st.toleratedPctJSONata = c.jsonataExpr(v.(string), loc+"/ToleratedFailurePercentage")
	} else if ok {
		f, ok := toFloat(v)
		if !ok || f < 0 || f > 100 {
			c.schema(loc+"/ToleratedFailurePercentage", "ToleratedFailurePercentage must be a number between 0 and 100")
		}
		st.toleratedPercent = &f
	}
	st.toleratedCountPath = c.pathField(obj, "ToleratedFailureCountPath", loc)
	st.toleratedPctPath = c.pathField(obj, "ToleratedFailurePercentagePath", loc)
}

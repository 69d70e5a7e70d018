package jsonata_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firstline/firstline/internal/workflow/jsonata"
)

// js decodes a JSON literal into the package's Go forms (json.Number).
func js(t testing.TB, s string) any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("bad JSON in test %q: %v", s, err)
	}
	return v
}

// states builds the vars for an expression: $states with the given input,
// plus workflow variables.
func states(t testing.TB, input string, vars map[string]any) map[string]any {
	t.Helper()
	out := map[string]any{"states": map[string]any{
		"input":   js(t, input),
		"context": js(t, `{"Execution":{"Id":"arn:aws:states:us-east-1:123456789012:execution:sm:run-1","StartTime":"2024-01-02T03:04:05.678Z"},"State":{"Name":"S"}}`),
	}}
	for k, v := range vars {
		out[k] = v
	}
	return out
}

var jsonNumber = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$`)

// checkForms fails if v holds anything but the package's JSON forms (a
// float64 leaking out, for instance).
func checkForms(t testing.TB, v any) {
	t.Helper()
	switch x := v.(type) {
	case nil, bool, string:
	case json.Number:
		if !jsonNumber.MatchString(string(x)) {
			t.Fatalf("bad number %q", x)
		}
	case map[string]any:
		for _, e := range x {
			checkForms(t, e)
		}
	case []any:
		for _, e := range x {
			checkForms(t, e)
		}
	default:
		t.Fatalf("value %v has Go type %T, not a JSON form", v, v)
	}
}

// canonical renders v as JSON for comparisons.
func canonical(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal %v: %v", v, err)
	}
	return string(b)
}

func eval(t testing.TB, expr string, vars map[string]any) (any, error) {
	t.Helper()
	e, err := jsonata.Compile(expr)
	if err != nil {
		t.Fatalf("Compile(%q): %v", expr, err)
	}
	return e.Eval(vars)
}

func TestIsExpr(t *testing.T) {
	for s, want := range map[string]bool{
		"{% $x %}":      true,
		"{%$x%}":        true,
		"{%\n  $x\n%}":  true,
		"{%%}":          true,
		" {% $x %}":     false, // AWS: no leading spaces
		"{% $x %} ":     false, // nor trailing ones
		"{% $x":         false,
		"$x %}":         false,
		"{%}":           false,
		"x {% $x %}":    false,
		"$states.input": false,
		"":              false,
	} {
		if got := jsonata.IsExpr(s); got != want {
			t.Errorf("IsExpr(%q) = %v, want %v", s, got, want)
		}
	}
}

// TestGuideExamples runs the examples of the AWS Step Functions developer
// guide, "Transforming data with JSONata in Step Functions"
// (https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html).
func TestGuideExamples(t *testing.T) {
	tests := []struct {
		section  string
		template string // a JSON value with {% %} strings
		input    string
		vars     map[string]any
		want     string
	}{
		{
			section:  "introduction: sample after conversion to JSONata",
			template: `{"static":"Hello","title":"{% $states.input.title %}","name":"{% $customerName %}","not-evaluated":"$customerName"}`,
			input:    `{"title":"Doctor"}`,
			vars:     map[string]any{"customerName": "María"},
			want:     `{"name":"María","not-evaluated":"$customerName","static":"Hello","title":"Doctor"}`,
		},
		{
			section:  "Writing JSONata expressions in JSON strings: Items",
			template: `[1, "{% $two %}", 3]`,
			input:    `{}`,
			vars:     map[string]any{"two": json.Number("2")},
			want:     `[1,2,3]`,
		},
		{
			section:  "Writing JSONata expressions in JSON strings: TimeoutSeconds",
			template: `"{% $timeout %}"`,
			input:    `{}`,
			vars:     map[string]any{"timeout": json.Number("30")},
			want:     `30`,
		},
		{
			section:  "JSONata examples: Example: Input and Output",
			template: `{"lastName":"{% 'Last=>' & $states.input.customer.lastName %}","orderValue":"{% $states.input.order.total %}"}`,
			input:    `{"customer":{"firstName":"Martha","lastName":"Rivera"},"order":{"items":7,"total":27.91}}`,
			want:     `{"lastName":"Last=>Rivera","orderValue":27.91}`,
		},
		{
			section:  "JSONata examples: Example: Filtering with JSONata",
			template: `{"dietProducts":"{% $states.input.products[calories=0] %}"}`,
			input: `{"products":[
				{"calories":140,"flavour":"Cola","name":"Product-1"},
				{"calories":0,"flavour":"Cola","name":"Product-2"},
				{"calories":160,"flavour":"Orange","name":"Product-3"},
				{"calories":100,"flavour":"Orange","name":"Product-4"},
				{"calories":0,"flavour":"Lime","name":"Product-5"}]}`,
			want: `{"dietProducts":[{"calories":0,"flavour":"Cola","name":"Product-2"},{"calories":0,"flavour":"Lime","name":"Product-5"}]}`,
		},
		{
			section:  "Choice state: Condition",
			template: `"{% $current_price <= $states.input.desired_price %}"`,
			input:    `{"desired_price":10}`,
			vars:     map[string]any{"current_price": json.Number("9.5")},
			want:     `true`,
		},
		{
			section:  "JSONata functions provided by Step Functions: $partition",
			template: `{"arrayPartition":"{% $partition([1,2,3,4], $states.input.chunkSize) %}"}`,
			input:    `{"chunkSize":3}`,
			want:     `{"arrayPartition":[[1,2,3],[4]]}`,
		},
		{
			section:  "JSONata functions provided by Step Functions: $range",
			template: `{"arrayRange":"{% $range(0, 10, 2) %}"}`,
			input:    `{}`,
			want:     `{"arrayRange":[0,2,4,6,8,10]}`,
		},
		{
			// The intrinsic-functions page gives this States.Hash example
			// as "aaff4a450a104cd177d28d18d7485e8cae074b7", which has 39
			// hex digits; the SHA-1 of "input data" is this.
			section:  "JSONata functions provided by Step Functions: $hash",
			template: `{"myHash":"{% $hash($states.input.content, $hashAlgorithmName) %}"}`,
			input:    `{"content":"input data"}`,
			vars:     map[string]any{"hashAlgorithmName": "SHA-1"},
			want:     `{"myHash":"aaff4a450a104cd177d28d18d74485e8cae074b7"}`,
		},
		{
			section:  "JSONata functions provided by Step Functions: $parse",
			template: `{"deserializedPayload":"{% $parse($states.input.json_string) %}"}`,
			input:    `{"json_string":"{\"a\":[1,2.5,null,true],\"b\":\"x\"}"}`,
			want:     `{"deserializedPayload":{"a":[1,2.5,null,true],"b":"x"}}`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.section, func(t *testing.T) {
			tpl, err := jsonata.CompileTemplate(js(t, tc.template))
			if err != nil {
				t.Fatal(err)
			}
			got, err := tpl.Eval(states(t, tc.input, tc.vars))
			if err != nil {
				t.Fatal(err)
			}
			checkForms(t, got)
			if g, w := canonical(t, got), canonical(t, js(t, tc.want)); g != w {
				t.Errorf("got %s\nwant %s", g, w)
			}
		})
	}
}

// TestGuideRandomAndUUID covers the guide's $random and $uuid examples,
// whose results vary.
func TestGuideRandomAndUUID(t *testing.T) {
	tpl, err := jsonata.CompileTemplate(js(t, `{"randNoSeed":"{% $random() %}","randSeeded":"{% $random($states.input.seed) %}","uniqueId":"{% $uuid() %}"}`))
	if err != nil {
		t.Fatal(err)
	}
	vars := states(t, `{"seed":42}`, nil)
	a, err := tpl.Eval(vars)
	if err != nil {
		t.Fatal(err)
	}
	b, err := tpl.Eval(vars)
	if err != nil {
		t.Fatal(err)
	}
	checkForms(t, a)
	am, bm := a.(map[string]any), b.(map[string]any)
	for _, k := range []string{"randNoSeed", "randSeeded"} {
		f, err := am[k].(json.Number).Float64()
		if err != nil || f < 0 || f >= 1 {
			t.Errorf("%s = %v, want 0 <= n < 1", k, am[k])
		}
	}
	if am["randSeeded"] != bm["randSeeded"] {
		t.Errorf("same seed, different numbers: %v %v", am["randSeeded"], bm["randSeeded"])
	}
	v4 := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	if !v4.MatchString(am["uniqueId"].(string)) || am["uniqueId"] == bm["uniqueId"] {
		t.Errorf("uuids %v %v", am["uniqueId"], bm["uniqueId"])
	}
}

// TestEval covers the JSONata features Step Functions workflows use.
func TestEval(t *testing.T) {
	const input = `{
		"title":"Doctor",
		"alert":{"name":"HighCPU","severity":"critical","labels":{"host":"web-1","my key":"v"},"value":97.5,"count":3,"nothing":null},
		"items":[{"id":1,"name":"a","price":1.5,"tags":["x"]},{"id":2,"name":"b","price":2.5,"tags":["x","y"]},{"id":3,"name":"c","price":10,"tags":[]}],
		"empty":[],
		"csv":"a,b,c",
		"ts":"2024-01-02T03:04:05.678+01:00",
		"payload":"{\"ok\":true,\"n\":[1,2]}"
	}`
	vars := map[string]any{
		"threshold": json.Number("90"),
		"names":     []any{"x", "y"},
		"nothing":   nil,
		"obj":       map[string]any{"k": json.Number("1")},
	}
	tests := []struct{ expr, want string }{
		// Navigation, predicates, variables.
		{`$states.input.title`, `"Doctor"`},
		{`$states.input.alert.labels.host`, `"web-1"`},
		{`$states.input.alert.labels.'my key'`, `"v"`},
		{`$states.input.alert.labels.` + "`my key`", `"v"`},
		{`$states.input.items[0].name`, `"a"`},
		{`$states.input.items[-1].id`, `3`},
		{`$states.input.items[price > 2].name`, `["b","c"]`},
		{`$states.input.items[id = 2]`, `{"id":2,"name":"b","price":2.5,"tags":["x","y"]}`},
		{`$states.input.items.tags`, `["x","x","y"]`},
		{`$states.input.items.id`, `[1,2,3]`},
		{`$states.input.empty`, `[]`},
		{`$states.input.alert.nothing`, `null`},
		{`$states.input.alert.nothing = null`, `true`},
		{`$nothing`, `null`},
		{`$exists($nothing)`, `true`},
		{`$exists($states.input.alert.missing)`, `false`},
		{`$states.context.Execution.Id`, `"arn:aws:states:us-east-1:123456789012:execution:sm:run-1"`},
		{`$threshold`, `90`},
		{`$names[1]`, `"y"`},
		{`$obj.k + 1`, `2`},
		// Operators.
		{`$states.input.alert.value > $threshold ? 'page' : 'ticket'`, `"page"`},
		{`$states.input.alert.count >= 3 and $states.input.alert.severity in ['high','critical']`, `true`},
		{`'[' & $states.input.alert.severity & '] ' & $states.input.alert.name`, `"[critical] HighCPU"`},
		{`"Mr." & "Smith"`, `"Mr.Smith"`},
		{`'arn:aws:s3:::bucket/*' & '*/x'`, `"arn:aws:s3:::bucket/**/x"`},
		{`'count: ' & $states.input.alert.count`, `"count: 3"`},
		{`$states.input.alert.count * 2 - 1`, `5`},
		{`7 % 3`, `1`},
		{`10 / 4`, `2.5`},
		{`-$states.input.alert.count`, `-3`},
		{`[1..4]`, `[1,2,3,4]`},
		{`$states.input.items.price ~> $sum()`, `14`},
		// Constructors.
		{`{'host': $states.input.alert.labels.host, 'ids': $states.input.items.id, 'n': null}`, `{"host":"web-1","ids":[1,2,3],"n":null}`},
		{`[$states.input.title, 1, [2, 3]]`, `["Doctor",1,[2,3]]`},
		{`$states.input.items.{'id': id, 'upper': $uppercase(name)}`, `[{"id":1,"upper":"A"},{"id":2,"upper":"B"},{"id":3,"upper":"C"}]`},
		{`$states.input.items{name: price}`, `{"a":1.5,"b":2.5,"c":10}`},
		// Blocks and variable binding.
		{`( $total := $sum($states.input.items.price); $n := $count($states.input.items); $round($total / $n, 2) )`, `4.67`},
		{`( $f := function($a, $b){ $a * $b }; $f(6, 7) )`, `42`},
		{`( $fact := function($n){ $n <= 1 ? 1 : $n * $fact($n - 1) }; $fact(10) )`, `3628800`},
		{`(/* comments are allowed */ $x := 1; $x + 1 /* twice */)`, `2`},
		// Higher-order functions.
		{`$map($states.input.items, function($i){ $i.id * 10 })`, `[10,20,30]`},
		{`$filter($states.input.items, function($i){ $i.price < 5 }).name`, `["a","b"]`},
		{`$reduce($states.input.items.price, function($acc, $p){ $acc + $p }, 0)`, `14`},
		{`$map([1,2], $string)`, `["1","2"]`},
		{`$sort($states.input.items, function($l, $r){ $l.price < $r.price }).id`, `[3,2,1]`},
		{`$states.input.items^(>price).id`, `[3,2,1]`},
		// Strings.
		{`$string(42)`, `"42"`},
		{`$string(0.1 + 0.2)`, `"0.3"`},
		{`$string(1e-7)`, `"1e-7"`},
		{`$string({'a': [1, null, true]})`, `"{\"a\":[1,null,true]}"`},
		{`$states.input.items.$string(id)`, `["1","2","3"]`},
		{`$uppercase($states.input.alert.name)`, `"HIGHCPU"`},
		{`$lowercase('ABC')`, `"abc"`},
		{`$split($states.input.csv, ',')`, `["a","b","c"]`},
		{`$join($names, '+')`, `"x+y"`},
		{`$substring('incident', 2, 4)`, `"cide"`},
		{`$substringAfter('arn:aws:x', 'arn:')`, `"aws:x"`},
		{`$trim('  a   b ')`, `"a b"`},
		{`$length('héllo')`, `5`},
		{`$contains($states.input.alert.name, 'CPU')`, `true`},
		{`$pad('7', -3, '0')`, `"007"`},
		{`$encodeUrlComponent('a b&c')`, `"a%20b%26c"`},
		{`$base64encode('hello')`, `"aGVsbG8="`},
		{`$base64decode('aGVsbG8=')`, `"hello"`},
		// Regular expressions.
		{`$contains($states.input.alert.labels.host, /^web-\d+$/)`, `true`},
		{`$match('abc123def45', /[0-9]+/).match`, `["123","45"]`},
		{`$replace('a-b-c', /-/, '+')`, `"a+b+c"`},
		{`$split('a1b2c', /[0-9]/)`, `["a","b","c"]`},
		{`$states.input.items[$contains(name, /^[ab]$/)].id`, `[1,2]`},
		// Numbers.
		{`$number('42')`, `42`},
		{`$number('0x1F')`, `31`},
		{`$sum([1, 2.5])`, `3.5`},
		{`$count($states.input.items)`, `3`},
		{`$count([])`, `0`},
		{`$max($states.input.items.price)`, `10`},
		{`$average([1, 2, 3, 4])`, `2.5`},
		{`$round(2.567, 2)`, `2.57`},
		{`$floor(-1.5)`, `-2`},
		{`$abs(-3)`, `3`},
		{`$power(2, 10)`, `1024`},
		{`1e21`, `1e+21`},
		{`123456789012`, `123456789012`},
		// Arrays and objects.
		{`$append([1], [2, 3])`, `[1,2,3]`},
		{`$distinct([1, 1, 2])`, `[1,2]`},
		{`$reverse([1, 2])`, `[2,1]`},
		{`$keys({'b': 1, 'a': 2, 'c': 3})`, `["a","b","c"]`},
		{`$lookup($states.input.alert.labels, 'host')`, `"web-1"`},
		{`$merge([{'a': 1}, {'b': 2}])`, `{"a":1,"b":2}`},
		{`$sift({'a': 1, 'b': 5}, function($v){ $v > 2 })`, `{"b":5}`},
		{`$zip([1, 2], [3, 4])`, `[[1,3],[2,4]]`},
		{`$type($states.input.items)`, `"array"`},
		{`$type($nothing)`, `"null"`},
		{`$boolean($states.input.empty)`, `false`},
		{`$not(true)`, `false`},
		{`$states.input.alert ~> |$|{'acked': true}, ['nothing']|`, `{"acked":true,"count":3,"labels":{"host":"web-1","my key":"v"},"name":"HighCPU","severity":"critical","value":97.5}`},
		// Date and time.
		{`$toMillis('2024-01-02T03:04:05.678Z')`, `1704164645678`},
		{`$toMillis($states.input.ts)`, `1704161045678`},
		{`$toMillis('2024-01-02')`, `1704153600000`},
		{`$fromMillis(1704164645678)`, `"2024-01-02T03:04:05.678Z"`},
		{`$fromMillis(1704164645678, '[Y0001]-[M01]-[D01]')`, `"2024-01-02"`},
		{`$fromMillis($toMillis($states.context.Execution.StartTime) + 3600000)`, `"2024-01-02T04:04:05.678Z"`},
		{`$type($now())`, `"string"`},
		{`$type($millis())`, `"number"`},
		{`$now() = $now()`, `true`},
		{`$toMillis($now()) - $millis() < 1000`, `true`},
		// Step Functions functions.
		{`$parse($states.input.payload).n[1]`, `2`},
		{`$partition($states.input.items.id, 2)`, `[[1,2],[3]]`},
		{`$range(10, 0, -3)`, `[10,7,4,1]`},
		{`$hash('hello', 'MD5')`, `"5d41402abc4b2a76b9719d911017c592"`},
	}
	for _, tc := range tests {
		t.Run(tc.expr, func(t *testing.T) {
			got, err := eval(t, "{% "+tc.expr+" %}", states(t, input, vars))
			if err != nil {
				t.Fatal(err)
			}
			checkForms(t, got)
			if g, w := canonical(t, got), canonical(t, js(t, tc.want)); g != w {
				t.Errorf("got  %s\nwant %s", g, w)
			}
		})
	}
}

// TestStepFunctionsFunctions checks the functions of the guide's section
// "JSONata functions provided by Step Functions" in detail, errors
// included. "Built-in JSONata functions that require integer values as
// parameters will automatically round down any non-integer numbers".
func TestStepFunctionsFunctions(t *testing.T) {
	ok := []struct{ expr, want string }{
		{`$partition([1,2,3,4,5,6,7,8,9], 4)`, `[[1,2,3,4],[5,6,7,8],[9]]`},
		{`$partition([1,2,3], 3)`, `[[1,2,3]]`},
		{`$partition([1,2,3], 5)`, `[[1,2,3]]`},
		{`$partition([1,2,3], 2.9)`, `[[1,2],[3]]`},
		{`$partition([], 2)`, `[]`},
		{`$partition(['a', {'b': null}], 1)`, `[["a"],[{"b":null}]]`},
		{`$range(1, 9, 2)`, `[1,3,5,7,9]`},
		{`$range(0, 3, 1)`, `[0,1,2,3]`},
		{`$range(0.5, 3.9, 1.7)`, `[0,1,2,3]`},
		{`$range(5, 1, -2)`, `[5,3,1]`},
		{`$range(1, 0, 1)`, `[]`},
		{`$count($range(1, 1000, 1))`, `1000`},
		{`$hash('hello', 'SHA-1')`, `"aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"`},
		{`$hash('hello', 'SHA-256')`, `"2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"`},
		{`$length($hash('hello', 'SHA-384'))`, `96`},
		{`$length($hash('hello', 'SHA-512'))`, `128`},
		{`$hash('', 'MD5')`, `"d41d8cd98f00b204e9800998ecf8427e"`},
		{`$random(7) = $random(7)`, `true`},
		{`$random(7) = $random(7.9)`, `true`},
		{`$random(7) != $random(8)`, `true`},
		{`$random() >= 0 and $random() < 1`, `true`},
		{`$uuid() != $uuid()`, `true`},
		{`$length($uuid())`, `36`},
		{`$parse('null')`, `null`},
		{`$parse(' [1, "two", {"three": 3.5}] ')`, `[1,"two",{"three":3.5}]`},
		{`$parse('"s"')`, `"s"`},
		{`$parse('{"a": {"b": null}}').a.b = null`, `true`},
	}
	for _, tc := range ok {
		t.Run(tc.expr, func(t *testing.T) {
			got, err := eval(t, tc.expr, nil)
			if err != nil {
				t.Fatal(err)
			}
			checkForms(t, got)
			if g, w := canonical(t, got), canonical(t, js(t, tc.want)); g != w {
				t.Errorf("got  %s\nwant %s", g, w)
			}
		})
	}

	failing := []struct{ expr, cause string }{
		{`$partition([1,2], 0)`, "chunk size must be a positive integer"},
		{`$partition([1,2], -1)`, "chunk size must be a positive integer"},
		{`$range(0, 10, 0)`, "step must not be zero"},
		{`$range(0, 1000, 1)`, "more than 1000"},
		{`$hash('x', 'SHA-3')`, "algorithm must be one of"},
		{`$hash('x', 'sha-256')`, "algorithm must be one of"},
		{`$parse('{"a":')`, "not valid JSON"},
		{`$parse('{} x')`, "not valid JSON"},
		{`$eval('1 + 1')`, "$eval is not supported"},
		// Functions the library adds that JSONata does not have.
		{`$hashmd5('x')`, "non-function"},
		{`$objmerge({}, {})`, "non-function"},
	}
	for _, tc := range failing {
		t.Run(tc.expr, func(t *testing.T) {
			_, err := eval(t, tc.expr, nil)
			var e *jsonata.Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v, want *jsonata.Error", err)
			}
			if e.Name != "States.QueryEvaluationError" || !strings.Contains(e.Cause, tc.cause) {
				t.Errorf("got %s: %s, want a cause containing %q", e.Name, e.Cause, tc.cause)
			}
		})
	}
}

// TestRuntimeErrors: every evaluation failure is States.QueryEvaluationError
// (guide section "Handling expression errors").
func TestRuntimeErrors(t *testing.T) {
	vars := states(t, `{"x":"a","y":1,"timeout":"soon"}`, map[string]any{"x": "a", "y": json.Number("1")})
	tests := []struct {
		name, expr string
		undefined  bool
		cause      string
	}{
		{"type error", `$x + $y`, false, `"+" operator must evaluate to a number`},
		{"failure to return a result", `$data.thisFieldDoesNotExist`, true, "returned nothing (undefined)"},
		{"missing input field", `$states.input.missing`, true, "returned nothing (undefined)"},
		{"empty filter", `$states.input[x = 'none']`, true, "returned nothing (undefined)"},
		{"unknown function", `$nosuchfunction(1)`, false, "non-function"},
		{"wrong argument type", `$uppercase(1)`, false, "does not match function signature"},
		{"$error", `$error('custom failure')`, false, "custom failure"},
		{"$assert", `$assert(1 = 2, 'one is not two')`, false, "one is not two"},
		{"function result", `$uppercase`, false, "returned an unsupported result type"},
		{"bad timestamp", `$toMillis('2024-01-02 03:04:05')`, false, "ISO 8601"},
		{"infinite recursion", `($f := function($n){ $n + $f($n + 1) }; $f(0))`, false, "stack overflow"},
		{"mutual recursion", `($a := function(){ $b() }; $b := function(){ $a() }; $a())`, false, "stack overflow"},
		{"self application", `(function($f){ $f($f) })(function($f){ $f($f) })`, false, "stack overflow"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			out, err := eval(t, "{% "+tc.expr+" %}", vars)
			if time.Since(start) > 5*time.Second {
				t.Errorf("took %v", time.Since(start))
			}
			if out != nil {
				t.Errorf("result %v with error", out)
			}
			var e *jsonata.Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v (%T), want *jsonata.Error", err, err)
			}
			if e.Name != "States.QueryEvaluationError" {
				t.Errorf("Name = %q", e.Name)
			}
			if got := errors.Is(err, jsonata.ErrUndefined); got != tc.undefined {
				t.Errorf("errors.Is(err, ErrUndefined) = %v, want %v", got, tc.undefined)
			}
			if !strings.Contains(e.Cause, tc.cause) || !strings.Contains(e.Cause, tc.expr) {
				t.Errorf("Cause = %q, want it to name the expression and contain %q", e.Cause, tc.cause)
			}
			if strings.Contains(e.Cause, "position:") || strings.Contains(e.Cause, "0x") {
				t.Errorf("Cause leaks library internals: %q", e.Cause)
			}
			if e.Expression != tc.expr || e.Error() != e.Name+": "+e.Cause {
				t.Errorf("Expression = %q, Error() = %q", e.Expression, e.Error())
			}
		})
	}
}

func TestSyntaxErrors(t *testing.T) {
	tests := []struct {
		src, msg string
		pos      int
	}{
		{`{% 1 + %}`, "unexpected end of expression", 3},
		{`{% $foo( %}`, "", 0},
		{`{% %}`, "empty", 0},
		{`{%%}`, "empty", 0},
		{`{% 'unterminated %}`, "unterminated string", 0},
		{`{% /* no end %}`, "comment has no closing", 0},
		{`{% $states.input.items#$i %}`, "'#' is not supported", 19},
		{`{% $states.input.items@$i %}`, "'@' is not supported", 19},
		{`{% $__sfnr %}`, "reserved", 0},
		{`{% ($__sfnenter := 1) %}`, "reserved", 1},
		{`{% $x := %}`, "", 0},
		{`{% $states.input.'a'.true %}`, "", 0},
		{`{% /[/ %}`, "", 0},
		{`{% $match('x', /a.'b'/) %}`, "is not supported", 0},
		{`{% $states.input.a#b %}`, "'#' is not supported", 15},
		{`{% ` + strings.Repeat("(", 300) + `1` + strings.Repeat(")", 300) + ` %}`, "nests more than", 200},
		{`{% ` + strings.Repeat("x", 70000) + ` %}`, "longer than", 0},
	}
	for _, tc := range tests {
		t.Run(tc.src[:min(len(tc.src), 40)], func(t *testing.T) {
			e, err := jsonata.Compile(tc.src)
			if e != nil {
				t.Fatalf("compiled")
			}
			var se *jsonata.SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("got %v (%T), want *jsonata.SyntaxError", err, err)
			}
			if !strings.Contains(se.Msg, tc.msg) {
				t.Errorf("Msg = %q, want it to contain %q", se.Msg, tc.msg)
			}
			if tc.pos != 0 && se.Position != tc.pos {
				t.Errorf("Position = %d, want %d (%s)", se.Position, tc.pos, se.Msg)
			}
			if se.Location != "" || !strings.Contains(err.Error(), "invalid JSONata expression") {
				t.Errorf("Error() = %q, Location %q", err.Error(), se.Location)
			}
		})
	}
}

func TestCompileTemplateSyntaxErrorLocation(t *testing.T) {
	tests := []struct{ template, loc string }{
		{`{"Arguments":{"foo":"{% 1 + %}"}}`, "/Arguments/foo"},
		{`{"Items":[1,"{% $ok %}","{% ) %}"]}`, "/Items/2"},
		{`{"a/b":{"c~d":"{% ( %}"}}`, "/a~1b/c~0d"},
		{`"{% [ %}"`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.loc, func(t *testing.T) {
			_, err := jsonata.CompileTemplate(js(t, tc.template))
			var se *jsonata.SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("got %v, want *jsonata.SyntaxError", err)
			}
			if se.Location != tc.loc {
				t.Errorf("Location = %q, want %q", se.Location, tc.loc)
			}
			if tc.loc != "" && !strings.Contains(err.Error(), fmt.Sprintf("%q", tc.loc)) {
				t.Errorf("Error() = %q does not name the location", err)
			}
			if !strings.Contains(err.Error(), se.Expression) || se.Expression == "" {
				t.Errorf("Error() = %q does not name the expression", err)
			}
		})
	}

	if _, err := jsonata.CompileTemplate(map[string]any{"ch": make(chan int)}); err == nil {
		t.Error("unsupported Go type compiled")
	}
}

func TestTemplate(t *testing.T) {
	tpl, err := jsonata.CompileTemplate(map[string]any{
		"static":    "not {% an expression %}",
		"n":         json.Number("1.50"),
		"f":         2.0,
		"i":         7,
		"nested":    map[string]any{"list": []any{"{% $states.input.a %}", true, nil, map[string]any{"deep": "{%$states.input.b%}"}}},
		"literals":  map[string]any{"keep": []any{"x", json.Number("2")}},
		"{% key %}": "keys are not evaluated",
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := tpl.Eval(states(t, `{"a":[1,2],"b":{"c":null}}`, nil))
	if err != nil {
		t.Fatal(err)
	}
	checkForms(t, got)
	want := `{"f":2,"i":7,"literals":{"keep":["x",2]},"n":1.50,"nested":{"list":[[1,2],true,null,{"deep":{"c":null}}]},"static":"not {% an expression %}","{% key %}":"keys are not evaluated"}`
	if g := canonical(t, got); g != want {
		t.Errorf("got  %s\nwant %s", g, want)
	}

	// Results do not share memory with the template.
	got.(map[string]any)["literals"].(map[string]any)["keep"].([]any)[0] = "changed"
	again, err := tpl.Eval(states(t, `{"a":1,"b":2}`, nil))
	if err != nil {
		t.Fatal(err)
	}
	if v := again.(map[string]any)["literals"].(map[string]any)["keep"].([]any)[0]; v != "x" {
		t.Errorf("template literal changed to %v", v)
	}

	// An undefined result anywhere fails the template, naming the field.
	_, err = tpl.Eval(states(t, `{"a":1}`, nil))
	var e *jsonata.Error
	if !errors.As(err, &e) || !errors.Is(err, jsonata.ErrUndefined) {
		t.Fatalf("got %v, want an undefined *jsonata.Error", err)
	}
	if e.Location != "/nested/list/3/deep" || e.Expression != "$states.input.b" {
		t.Errorf("Location %q Expression %q", e.Location, e.Expression)
	}
	wantCause := "The JSONata expression '$states.input.b' specified for the field '/nested/list/3/deep' returned nothing (undefined)."
	if e.Cause != wantCause {
		t.Errorf("Cause = %q\nwant    %q", e.Cause, wantCause)
	}

	// A template without expressions is returned as is (in JSON forms).
	lit, err := jsonata.CompileTemplate([]any{1.5, "x", map[string]any{}})
	if err != nil {
		t.Fatal(err)
	}
	v, err := lit.Eval(nil)
	if err != nil {
		t.Fatal(err)
	}
	checkForms(t, v)
	if !reflect.DeepEqual(v, []any{json.Number("1.5"), "x", map[string]any{}}) {
		t.Errorf("got %#v", v)
	}
}

func TestVariables(t *testing.T) {
	vars := map[string]any{
		"states":   map[string]any{"input": map[string]any{}},
		"hash":     "a variable named like a function shadows it",
		"my-var":   "not a JSONata name: skipped",
		"__sfnr":   "reserved: skipped",
		"typed":    struct{ A int }{A: 5},
		"int":      12,
		"floatVar": 0.5,
	}
	for expr, want := range map[string]string{
		`$hash`:              `"a variable named like a function shadows it"`,
		`$typed.A`:           `5`,
		`$int + $floatVar`:   `12.5`,
		`$partition([1], 1)`: `[[1]]`,
	} {
		got, err := eval(t, expr, vars)
		if err != nil {
			t.Errorf("%s: %v", expr, err)
			continue
		}
		checkForms(t, got)
		if g := canonical(t, got); g != want {
			t.Errorf("%s = %s, want %s", expr, g, want)
		}
	}
	if _, err := eval(t, `$x`, map[string]any{"x": make(chan int)}); err == nil {
		t.Error("a channel variable was accepted")
	}
}

// TestConcurrentEval evaluates one compiled expression from many
// goroutines; with the race detector this checks that evaluations share
// no unguarded state (the library's built-in functions keep per-call state).
func TestConcurrentEval(t *testing.T) {
	e, err := jsonata.Compile(`{% ($states.input.names.$uppercase() ~> $join(',')) & ':' & $n %}`)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				n := fmt.Sprint(g*1000 + i)
				name := fmt.Sprintf("g%d", g)
				got, err := e.Eval(map[string]any{
					"states": map[string]any{"input": map[string]any{"names": []any{name, "x"}}},
					"n":      n,
				})
				if want := strings.ToUpper(name) + ",X:" + n; err != nil || got != want {
					errs <- fmt.Errorf("got %v, %v; want %v", got, err, want)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestRepeatedEvaluation: a compiled expression gives the same result every
// time. (The library rewrites its syntax tree when it evaluates
// "x ~> $f(a)"; the adaptor's source rewriting avoids that.)
func TestRepeatedEvaluation(t *testing.T) {
	for expr, want := range map[string]string{
		`$states.input.names ~> $join(',')`:                                                  `"a,b"`,
		`$states.input.names ~> $map(function($n){ $n ~> $uppercase() }) ~> $join()`:         `"AB"`,
		`$map([1, 2, 3], function($v){ $v ~> $string() })`:                                   `["1","2","3"]`,
		`($f := $substringAfter(?, '@') ~> $substringBefore(?, '.'); $f('ops@example.com'))`: `"example"`,
		`$states.input.names ~> $count`:                                                      `2`,
		`'x' ~> /* a comment */ $pad(3, '-')`:                                                `"x--"`,
	} {
		e, err := jsonata.Compile(expr)
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		for i := range 3 {
			got, err := e.Eval(states(t, `{"names":["a","b"]}`, nil))
			if err != nil {
				t.Fatalf("%s (evaluation %d): %v", expr, i+1, err)
			}
			if g := canonical(t, got); g != want {
				t.Errorf("%s (evaluation %d) = %s, want %s", expr, i+1, g, want)
			}
		}
	}
}

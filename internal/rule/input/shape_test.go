package input_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/firstline/firstline/internal/rule/input"
)

// kindsEvent has one value of every JSON kind, and strings needing escapes.
const kindsEvent = `{
  "version": "0", "id": "k", "detail-type": "Kinds", "source": "test", "account": "123456789012",
  "time": "2026-06-07T14:45:00Z", "region": "us-east-1", "resources": ["r0", "r1"],
  "detail": {
    "int": 42, "float": 70.0, "exp": 1e3, "neg": -0.5,
    "yes": true, "no": false, "nil": null,
    "obj": {"z": 1, "a": "x\"y", "list": [1, "two"]},
    "arr": ["a", 2, false],
    "empty": "", "emptyArr": [], "emptyObj": {},
    "quote": "say \"hi\"", "newline": "line1\nline2", "backslash": "C:\\tmp",
    "tab": "a\tb", "html": "<b>&</b>", "unicode": "caf\u00e9 \u2713",
    "items": [{"id": "i1", "n": 1}, {"id": "i2", "n": 2}],
    "nested": {"deep": {"deeper": "bottom"}},
    "odd-name": "dash", "with/slash": "slash", "with space": "space"
  }
}`

func shape(t *testing.T, c input.Config, event string) string {
	t.Helper()
	require.NoError(t, c.Validate())
	got, err := c.Shape([]byte(event), exampleRule, ingested)
	require.NoError(t, err)
	return string(got)
}

func TestNothingSetSendsTheEvent(t *testing.T) {
	t.Parallel()
	got := shape(t, input.Config{}, ec2Event)
	require.Equal(t, ec2Event, got)
}

func TestInput(t *testing.T) {
	t.Parallel()
	for _, in := range []string{`{"a": 1,  "b": [true]}`, `"text"`, `42`, `null`, `[]`} {
		t.Run(in, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, in, shape(t, input.Config{Input: in}, ec2Event))
		})
	}
	t.Run("event need not be JSON", func(t *testing.T) {
		t.Parallel()
		got, err := input.Config{Input: `{}`}.Shape([]byte("not json"), exampleRule, ingested)
		require.NoError(t, err)
		require.Equal(t, `{}`, string(got))
	})
}

func TestInputPath(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ path, want string }{
		{"$", ec2EventCompact},
		{"$.detail", `{"instance-id":"i-0123456789","state":"RUNNING"}`},
		{"$.detail.state", `"RUNNING"`},
		{"$.detail.instance-id", `"i-0123456789"`},
		{"$.detail-type", `"EC2 Instance State-change Notification"`},
		{"$['detail-type']", `"EC2 Instance State-change Notification"`},
		{`$["detail"]["state"]`, `"RUNNING"`},
		{"$.resources", `["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"]`},
		{"$.resources[0]", `"arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"`},
		{"$.resources[-1]", `"arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"`},
		// Paths that can select several values always give an array.
		{"$.resources[*]", `["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"]`},
		{"$.detail.*", `["i-0123456789","RUNNING"]`},
		{"$.resources[5:]", `[]`},
	} {
		t.Run(tc.path, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, shape(t, input.Config{InputPath: tc.path}, ec2Event))
		})
	}
}

func TestInputPathKeepsKeyOrderAndNumberText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ path, want string }{
		{"$.detail.obj", `{"z":1,"a":"x\"y","list":[1,"two"]}`},
		{"$.detail.float", `70.0`},
		{"$.detail.exp", `1e3`},
		{"$.detail.neg", `-0.5`},
		{"$.detail.nil", `null`},
		{"$.detail.no", `false`},
		{"$.detail.items[*].id", `["i1","i2"]`},
		{"$.detail.items[1]", `{"id":"i2","n":2}`},
		{"$..deeper", `["bottom"]`},
		{"$.detail.with/slash", `"slash"`},
		{"$.detail.with space", `"space"`},
		{"$.detail.nested.deep.deeper", `"bottom"`},
	} {
		t.Run(tc.path, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, shape(t, input.Config{InputPath: tc.path}, kindsEvent))
		})
	}
}

func TestInputPathMissing(t *testing.T) {
	t.Parallel()
	for _, p := range []string{"$.detail.nope", "$.resources[7]", "$.detail.state.value", "$.nope.deeper"} {
		t.Run(p, func(t *testing.T) {
			t.Parallel()
			c := input.Config{InputPath: p}
			require.NoError(t, c.Validate())
			_, err := c.Shape([]byte(ec2Event), exampleRule, ingested)
			require.ErrorIs(t, err, input.ErrPathNotFound)
			require.ErrorContains(t, err, p)
		})
	}
}

// kindPaths maps a variable to every value of kindsEvent.
var kindPaths = map[string]string{
	"int": "$.detail.int", "float": "$.detail.float", "exp": "$.detail.exp", "neg": "$.detail.neg",
	"yes": "$.detail.yes", "no": "$.detail.no", "nil": "$.detail.nil",
	"obj": "$.detail.obj", "arr": "$.detail.arr", "empty": "$.detail.empty",
	"emptyArr": "$.detail.emptyArr", "emptyObj": "$.detail.emptyObj",
	"quote": "$.detail.quote", "newline": "$.detail.newline", "backslash": "$.detail.backslash",
	"tab": "$.detail.tab", "html": "$.detail.html", "unicode": "$.detail.unicode",
	"ids": "$.detail.items[*].id", "second": "$.detail.items[1].n", "missing": "$.detail.missing",
	"missingIndex": "$.resources[9]", "res": "$.resources", "odd-name": "$.detail.odd-name",
	"none": "$.detail.items[*].nope",
}

// TestValueKinds inserts each kind of value into JSON (outside and inside
// quotes) and text templates.
func TestValueKinds(t *testing.T) {
	t.Parallel()
	runShapeCases(t, kindsEvent, []shapeCase{
		// JSON, outside quotes: the JSON value.
		{"numbers in JSON", kindPaths, `[<int>, <float>, <exp>, <neg>, <second>]`, `[42,70.0,1e3,-0.5,2]`},
		{"booleans and null in JSON", kindPaths, `{"y": <yes>, "n": <no>, "z": <nil>}`, `{"y":true,"n":false,"z":null}`},
		{"object in JSON", kindPaths, `{"o": <obj>}`, `{"o":{"z":1,"a":"x\"y","list":[1,"two"]}}`},
		{"array in JSON", kindPaths, `{"a": <arr>, "e": <emptyArr>, "o": <emptyObj>}`, `{"a":["a",2,false],"e":[],"o":{}}`},
		{"wildcard in JSON", kindPaths, `{"ids": <ids>, "none": <none>}`, `{"ids":["i1","i2"],"none":[]}`},
		{"empty string in JSON", kindPaths, `{"e": <empty>}`, `{"e":""}`},
		{"bare placeholder is a JSON template", kindPaths, `<obj>`, `{"z":1,"a":"x\"y","list":[1,"two"]}`},
		{"bare string placeholder", kindPaths, `  <quote>  `, `"say \"hi\""`},
		{"dashed variable name", kindPaths, `{"d": <odd-name>}`, `{"d":"dash"}`},

		// JSON, inside quotes: the text, escaped.
		{"numbers in a JSON string", kindPaths, `{"t": "<int>/<float>/<exp>/<neg>"}`, `{"t":"42/70.0/1e3/-0.5"}`},
		{"booleans and null in a JSON string", kindPaths, `{"t": "<yes> <no> <nil>"}`, `{"t":"true false null"}`},
		{"object in a JSON string", kindPaths, `{"t": "obj=<obj>"}`, `{"t":"obj={z:1,a:x\"y,list:[1,two]}"}`},
		{"array in a JSON string", kindPaths, `{"t": "<arr> <ids> <emptyArr>"}`, `{"t":"[a,2,false] [i1,i2] []"}`},
		{"in a JSON array's string", kindPaths, `["<int>", <int>]`, `["42",42]`},

		// Text templates: the text, unescaped.
		{"numbers in text", kindPaths, `n=<int> f=<float> s=<second>`, `n=42 f=70.0 s=2`},
		{"booleans and null in text", kindPaths, `<yes>,<no>,<nil>`, `true,false,null`},
		{"object and array in text", kindPaths, `<obj> <arr>`, `{z:1,a:x"y,list:[1,two]} [a,2,false]`},
	})
}

// TestEscaping checks that strings inserted into a JSON template stay
// valid JSON, while text templates get the raw characters.
func TestEscaping(t *testing.T) {
	t.Parallel()
	runShapeCases(t, kindsEvent, []shapeCase{
		{"quotes outside quotes", kindPaths, `{"q": <quote>}`, `{"q":"say \"hi\""}`},
		{"quotes inside quotes", kindPaths, `{"q": "<quote>!"}`, `{"q":"say \"hi\"!"}`},
		{"newline outside quotes", kindPaths, `{"n": <newline>}`, `{"n":"line1\nline2"}`},
		{"newline inside quotes", kindPaths, `{"n": "[<newline>]"}`, `{"n":"[line1\nline2]"}`},
		{"backslash and tab", kindPaths, `{"p": "<backslash>", "t": "<tab>"}`, `{"p":"C:\\tmp","t":"a\tb"}`},
		{"HTML is not escaped", kindPaths, `{"h": "<html>", "v": <html>}`, `{"h":"<b>&</b>","v":"<b>&</b>"}`},
		// Outside quotes the value keeps the event's text, escapes included.
		{"unicode", kindPaths, `{"u": "<unicode>", "v": <unicode>}`, `{"u":"café ✓","v":"caf\u00e9 \u2713"}`},
		{"string template", kindPaths, `"<quote> <newline>"`, `"say \"hi\" line1\nline2"`},
		{"template escapes are kept", kindPaths, `{"t": "tab\there \"<int>\" \u00e9"}`, `{"t":"tab\there \"42\" \u00e9"}`},
		// Text templates are not JSON: nothing is escaped (as EventBridge,
		// which does not escape values extracted by InputPathsMap).
		{"text template", kindPaths, `say: <quote> / <newline> / <backslash>`, "say: say \"hi\" / line1\nline2 / C:\\tmp"},
		{"literal angle brackets", kindPaths, `{"t": "a < b > c <not a var> <int>"}`, `{"t":"a < b > c <not a var> 42"}`},
	})
}

// TestMissingPaths follows the guide (› Common issues): a variable whose
// path matches nothing is not created and does not appear in the output;
// where a JSON value is needed it is an empty string, as EventBridge sends.
func TestMissingPaths(t *testing.T) {
	t.Parallel()
	runShapeCases(t, kindsEvent, []shapeCase{
		{"outside quotes", kindPaths, `{"m": <missing>, "i": <missingIndex>}`, `{"m":"","i":""}`},
		{"inside quotes", kindPaths, `{"m": "[<missing>]"}`, `{"m":"[]"}`},
		{"in an array", kindPaths, `[<missing>, 1]`, `["",1]`},
		{"string template", kindPaths, `"value: <missing>."`, `"value: ."`},
		{"text template", kindPaths, `value: <missing>.`, `value: .`},
		{"below a scalar", map[string]string{"x": "$.detail.int.deeper"}, `{"x": <x>}`, `{"x":""}`},
	})
}

func TestPredefinedVariables(t *testing.T) {
	t.Parallel()
	rule := input.Rule{Name: "page-oncall", ARN: "arn:aws:events:us-east-1:123456789012:rule/page-oncall"}
	at := time.Date(2026, 6, 7, 23, 45, 0, 987654321, time.FixedZone("JST", 9*3600))
	for _, tc := range []struct{ name, tmpl, want string }{
		{"JSON values", `{"arn": <aws.events.rule-arn>, "name": <aws.events.rule-name>, "at": <aws.events.event.ingestion-time>}`,
			`{"arn":"arn:aws:events:us-east-1:123456789012:rule/page-oncall","name":"page-oncall","at":"2026-06-07T14:45:00Z"}`},
		{"in a string", `{"t": "<aws.events.rule-name> fired at <aws.events.event.ingestion-time>"}`,
			`{"t":"page-oncall fired at 2026-06-07T14:45:00Z"}`},
		{"text", `<aws.events.rule-name> (<aws.events.rule-arn>)`,
			`page-oncall (arn:aws:events:us-east-1:123456789012:rule/page-oncall)`},
		{"event without detail", `{"e": <aws.events.event>}`, `{"e":` + ec2EventNoDetail + `}`},
		{"whole event", `[<aws.events.event.json>]`, `[` + ec2EventCompact + `]`},
		{"event alone", `<aws.events.event.json>`, ec2EventCompact},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := transformer(nil, tc.tmpl)
			require.NoError(t, c.Validate())
			got, err := c.Shape([]byte(ec2Event), rule, at)
			require.NoError(t, err)
			require.Equal(t, tc.want, string(got))
		})
	}
}

func TestShapeErrors(t *testing.T) {
	t.Parallel()
	t.Run("invalid config", func(t *testing.T) {
		t.Parallel()
		_, err := input.Config{Input: "{", InputPath: "$.detail"}.Shape([]byte(ec2Event), exampleRule, ingested)
		var fe *input.FieldError
		require.ErrorAs(t, err, &fe)
	})
	for _, event := range []string{``, `{`, `{"a":1} x`, `nope`} {
		t.Run("event "+event, func(t *testing.T) {
			t.Parallel()
			for _, c := range []input.Config{{InputPath: "$.detail"}, transformer(nil, `{"n": <aws.events.rule-name>}`)} {
				_, err := c.Shape([]byte(event), exampleRule, ingested)
				require.ErrorContains(t, err, "event is not valid JSON")
			}
		})
	}
	t.Run("aws.events.event of a non-object", func(t *testing.T) {
		t.Parallel()
		_, err := transformer(nil, `{"e": <aws.events.event>}`).Shape([]byte(`[1]`), exampleRule, ingested)
		require.ErrorContains(t, err, "not a JSON object")
	})
}

// TestConfigJSON checks the AWS field names.
func TestConfigJSON(t *testing.T) {
	t.Parallel()
	var c input.Config
	require.NoError(t, json.Unmarshal([]byte(`{"InputTransformer":{"InputPathsMap":{"s":"$.detail.state"},"InputTemplate":"\"<s>\""}}`), &c))
	require.Equal(t, `"RUNNING"`, shape(t, c, ec2Event))
	b, err := json.Marshal(input.Config{InputPath: "$.detail"})
	require.NoError(t, err)
	require.JSONEq(t, `{"InputPath":"$.detail"}`, string(b))
}

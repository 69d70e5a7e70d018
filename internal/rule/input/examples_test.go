package input_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/firstline/firstline/internal/rule/input"
)

// ec2Event is the example event of EventBridge User Guide › Input
// transformation › Input transform examples.
const ec2Event = `{
  "version": "0",
  "id": "7bf73129-1428-4cd3-a780-95db273d1602",
  "detail-type": "EC2 Instance State-change Notification",
  "source": "aws.ec2",
  "account": "123456789012",
  "time": "2015-11-11T21:29:54Z",
  "region": "us-east-1",
  "resources": [
    "arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"
  ],
  "detail": {
    "instance-id": "i-0123456789",
    "state": "RUNNING"
  }
}`

// ec2EventCompact is ec2Event minified, as <aws.events.event.json> gives it.
const ec2EventCompact = `{"version":"0","id":"7bf73129-1428-4cd3-a780-95db273d1602",` +
	`"detail-type":"EC2 Instance State-change Notification","source":"aws.ec2",` +
	`"account":"123456789012","time":"2015-11-11T21:29:54Z","region":"us-east-1",` +
	`"resources":["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"],` +
	`"detail":{"instance-id":"i-0123456789","state":"RUNNING"}}`

// ec2EventNoDetail is ec2Event without detail, as <aws.events.event> gives it.
const ec2EventNoDetail = `{"version":"0","id":"7bf73129-1428-4cd3-a780-95db273d1602",` +
	`"detail-type":"EC2 Instance State-change Notification","source":"aws.ec2",` +
	`"account":"123456789012","time":"2015-11-11T21:29:54Z","region":"us-east-1",` +
	`"resources":["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"]}`

// ec2Paths is the guide's Input Path (InputPathsMap) for ec2Event.
var ec2Paths = map[string]string{
	"timestamp": "$.time",
	"instance":  "$.detail.instance-id",
	"state":     "$.detail.state",
	"resource":  "$.resources[0]",
}

// exampleRule is the rule of the guide's reserved-variable examples.
var exampleRule = input.Rule{Name: "example", ARN: "arn:aws:events:us-east-2:123456789012:rule/example"}

var ingested = time.Date(2015, 11, 11, 21, 29, 55, 123e6, time.UTC)

func transformer(paths map[string]string, tmpl string) input.Config {
	return input.Config{InputTransformer: &input.Transformer{InputPathsMap: paths, InputTemplate: tmpl}}
}

type shapeCase struct {
	name  string
	paths map[string]string
	tmpl  string
	want  string
}

func runShapeCases(t *testing.T, event string, cases []shapeCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := transformer(tc.paths, tc.tmpl)
			require.NoError(t, c.Validate())
			got, err := c.Shape([]byte(event), exampleRule, ingested)
			require.NoError(t, err)
			require.Equal(t, tc.want, string(got))
			if input.IsJSONTemplate(tc.tmpl) {
				require.True(t, json.Valid(got), "JSON template gave invalid JSON: %s", got)
			}
		})
	}
}

// TestUserGuideExamples reproduces the table of User Guide › Input
// transformation › Input transform examples. The guide shows outputs
// pretty-printed; targets receive them minified (› Common issues: "The
// JSON that is passed to the target is minified").
func TestUserGuideExamples(t *testing.T) {
	t.Parallel()
	runShapeCases(t, ec2Event, []shapeCase{
		{
			name:  "simple string",
			paths: ec2Paths,
			tmpl:  `"instance <instance> is in <state>"`,
			want:  `"instance i-0123456789 is in RUNNING"`,
		},
		{
			// The guide notes this is the console's behaviour.
			name:  "string with escaped quotes",
			paths: ec2Paths,
			tmpl:  `"instance \"<instance>\" is in <state>"`,
			want:  `"instance \"i-0123456789\" is in RUNNING"`,
		},
		{
			name:  "simple JSON",
			paths: ec2Paths,
			tmpl:  "{\n  \"instance\" : <instance>,\n  \"state\": <state>\n}",
			want:  `{"instance":"i-0123456789","state":"RUNNING"}`,
		},
		{
			name:  "JSON with strings and variables",
			paths: ec2Paths,
			tmpl: "{\n \"instance\" : <instance>,\n \"state\": \"<state>\",\n" +
				" \"instanceStatus\": \"instance \\\"<instance>\\\" is in <state>\"\n}",
			want: `{"instance":"i-0123456789","state":"RUNNING","instanceStatus":"instance \"i-0123456789\" is in RUNNING"}`,
		},
		{
			name:  "JSON with a mix of variables and static information",
			paths: ec2Paths,
			tmpl:  "{\n  \"instance\" : <instance>,\n  \"state\": [ 9, <state>, true ],\n  \"Transformed\" : \"Yes\"\n}\n",
			want:  `{"instance":"i-0123456789","state":[9,"RUNNING",true],"Transformed":"Yes"}`,
		},
		{
			name:  "including reserved variables in JSON",
			paths: ec2Paths,
			tmpl: "{\n  \"instance\" : <instance>,\n  \"state\": <state>,\n  \"ruleArn\" : <aws.events.rule-arn>,\n" +
				"  \"ruleName\" : <aws.events.rule-name>,\n  \"originalEvent\" : <aws.events.event.json>\n}",
			want: `{"instance":"i-0123456789","state":"RUNNING",` +
				`"ruleArn":"arn:aws:events:us-east-2:123456789012:rule/example","ruleName":"example",` +
				`"originalEvent":` + ec2EventCompact + `}`,
		},
		{
			// The earlier edition of the same example used <aws.events.event>,
			// now documented as the event without its detail field.
			name:  "including reserved variables in JSON (aws.events.event)",
			paths: ec2Paths,
			tmpl:  "{\n  \"instance\" : <instance>,\n  \"originalEvent\" : <aws.events.event>\n}",
			want:  `{"instance":"i-0123456789","originalEvent":` + ec2EventNoDetail + `}`,
		},
		{
			name:  "including reserved variables in a string",
			paths: ec2Paths,
			tmpl:  `"<aws.events.rule-name> triggered"`,
			want:  `"example triggered"`,
		},
		{
			// The guide shows this CloudWatch Logs example's output as
			// {"timestamp" : 2015-11-11T21:29:54Z, "message": "instance
			// "i-0123456789" is in RUNNING} — not JSON: that is how the log
			// event reads, not the payload. The payload follows the rules
			// of the other examples.
			name:  "Amazon CloudWatch log group",
			paths: ec2Paths,
			tmpl:  "{\n  \"timestamp\" : <timestamp>,\n  \"message\": \"instance \\\"<instance>\\\" is in <state>\"\n}",
			want:  `{"timestamp":"2015-11-11T21:29:54Z","message":"instance \"i-0123456789\" is in RUNNING"}`,
		},
		{
			// The guide's Input Path also defines resource with an index.
			name:  "array index variable",
			paths: ec2Paths,
			tmpl:  `{"resource": <resource>, "text": "<instance> is <resource>"}`,
			want: `{"resource":"arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111",` +
				`"text":"i-0123456789 is arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"}`,
		},
	})
}

// TestTutorialExample reproduces User Guide › Tutorial: Use input
// transformers to transform events, whose SNS message keeps the quotes.
func TestTutorialExample(t *testing.T) {
	t.Parallel()
	event := `{"version":"0","id":"1","detail-type":"customerCreated","source":"example.com",` +
		`"account":"123456789012","time":"2026-01-01T00:00:00Z","region":"us-east-1","resources":[],"detail":{}}`
	runShapeCases(t, event, []shapeCase{{
		name:  "This event was of type",
		paths: map[string]string{"detail-type": "$.detail-type"},
		tmpl:  `"This event was of <detail-type> type."`,
		want:  `"This event was of customerCreated type."`,
	}})
}

// TestAPIReferenceExamples reproduces the InputTemplate examples of API
// Reference › InputTransformer, on an event holding the fields they name.
func TestAPIReferenceExamples(t *testing.T) {
	t.Parallel()
	event := `{"version":"0","id":"1","detail-type":"Example","source":"example.com","account":"123456789012",` +
		`"time":"2026-01-01T00:00:00Z","region":"us-east-1","resources":[],` +
		`"detail":{"instance":"i-0123456789","status":"RUNNING"}}`
	paths := map[string]string{"instance": "$.detail.instance", "status": "$.detail.status"}
	runShapeCases(t, event, []shapeCase{
		{
			// Not JSON: plain text substitution.
			name:  "placeholders in plain text",
			paths: paths,
			tmpl:  `<instance> is in state <status>`,
			want:  `i-0123456789 is in state RUNNING`,
		},
		{
			name:  "quote marks within the text",
			paths: paths,
			tmpl:  `<instance> is in state "<status>"`,
			want:  `i-0123456789 is in state "RUNNING"`,
		},
		{
			name:  "JSON with variables in quotes or out",
			paths: paths,
			tmpl:  `{"myInstance": <instance>,"myStatus": "<instance> is in state \"<status>\""}`,
			want:  `{"myInstance":"i-0123456789","myStatus":"i-0123456789 is in state \"RUNNING\""}`,
		},
	})
}

// TestObservedEventBridgeBehaviour pins cases whose EventBridge output was
// recorded from the real service (an SQS target) by an open-source
// emulator's validated snapshots; the documentation does not cover them.
func TestObservedEventBridgeBehaviour(t *testing.T) {
	t.Parallel()
	event := `{"version":"0","id":"1","detail-type":"core.update-account-command",` +
		`"source":"core.update-account-command","account":"111111111111","time":"date","region":"us-east-1",` +
		`"resources":[],"detail":{"command":"update-account","payload":{"acc_id":"0a787ecb-4015","sf_id":"baz"},` +
		`"listsingle":["HIGH"],"listmulti":["ACTIVE","INACTIVE"],"valid":true}}`
	paths := map[string]string{
		"userId":       "$.detail.payload.acc_id",
		"payload":      "$.detail.payload",
		"systemstring": "$.detail.awsAccountId", // missing
		"listsingle":   "$.detail.listsingle",
		"listmulti":    "$.detail.listmulti",
		"valid":        "$.detail.valid",
		"detail-type":  "$.detail-type",
		"timestamp":    "$.time",
		"command":      "$.detail.command",
		"missing":      "$.detail.notinmessage",
	}
	runShapeCases(t, event, []shapeCase{
		{"string template", paths,
			`"Event of <detail-type> type, at time <timestamp>, info extracted from detail <command>"`,
			`"Event of core.update-account-command type, at time date, info extracted from detail update-account"`},
		{"string template with a missing path", paths,
			`"info extracted from detail <missing>"`,
			`"info extracted from detail "`},
		{"JSON template with a missing path", paths,
			`{"detailType": <detail-type>,  "time": <timestamp>, "command": <missing>}`,
			`{"detailType":"core.update-account-command","time":"date","command":""}`},
		{"string template starting with special characters", paths,
			`"{[/Check with special starting characters for event of <detail-type> type"`,
			`"{[/Check with special starting characters for event of core.update-account-command type"`},
		{"object in JSON", paths,
			`{"method": "PUT", "path": "users-service/users/<userId>", "bod": <payload>}`,
			`{"method":"PUT","path":"users-service/users/0a787ecb-4015","bod":{"acc_id":"0a787ecb-4015","sf_id":"baz"}}`},
		{"object in a string template", paths,
			`"Payload of <payload> with path users-service/users/<userId> and <userId>"`,
			`"Payload of {acc_id:0a787ecb-4015,sf_id:baz} with path users-service/users/0a787ecb-4015 and 0a787ecb-4015"`},
		{"string variable in quotes and out", paths,
			`{"a" : <userId>, "b": "<userId>"}`,
			`{"a":"0a787ecb-4015","b":"0a787ecb-4015"}`},
		{"variable in an array", paths,
			`{"method": "PUT", "bod": [<userId>, "hardcoded"]}`,
			`{"method":"PUT","bod":["0a787ecb-4015","hardcoded"]}`},
		{"nested objects", paths,
			`{"nested": {"level1": {"level2": {"level3": "users-service/users/<userId>"} } }, "bod": "<userId>"}`,
			`{"nested":{"level1":{"level2":{"level3":"users-service/users/0a787ecb-4015"}}},"bod":"0a787ecb-4015"}`},
		{"lists in a string template", paths,
			`"<listsingle> single list item <listmulti> multiple list items <systemstring> system account id"`,
			`"[HIGH] single list item [ACTIVE,INACTIVE] multiple list items  system account id"`},
		{"list in JSON", paths,
			`{"singlelistitem": <listsingle>}`,
			`{"singlelistitem":["HIGH"]}`},
		{"repeated variable", paths,
			`{"multi_replacement": "users/<userId>/second/<userId>"}`,
			`{"multi_replacement":"users/0a787ecb-4015/second/0a787ecb-4015"}`},
		{"boolean in a string template", paths,
			`"Command is <valid>!"`,
			`"Command is true!"`},
		{"several quoted lines", paths,
			"\"<listsingle> single list item\"\n\"<listmulti> multiple list items\"\n\"<systemstring> system account id\"\n" +
				"\"<payload> payload\"\n\"<userId> user id\"",
			"\"[HIGH] single list item\"\n\"[ACTIVE,INACTIVE] multiple list items\"\n\" system account id\"\n" +
				"\"{acc_id:0a787ecb-4015,sf_id:baz} payload\"\n\"0a787ecb-4015 user id\""},
		{"predefined variables in a string", nil,
			`"Message containing all pre defined variables <aws.events.rule-arn> <aws.events.rule-name> <aws.events.event.ingestion-time>"`,
			`"Message containing all pre defined variables arn:aws:events:us-east-2:123456789012:rule/example example 2015-11-11T21:29:55Z"`},
	})
}

// TestCloudWatchAlarmFixture shapes a real CloudWatch alarm state change.
func TestCloudWatchAlarmFixture(t *testing.T) {
	t.Parallel()
	event, err := os.ReadFile(filepath.Join("..", "..", "..", "testdata", "fixtures", "cloudwatch", "alarm-state-change-ok-to-alarm.json"))
	require.NoError(t, err)
	c := transformer(map[string]string{"alarm": "$.detail.alarmName", "state": "$.detail.state.value"},
		`{"text": "<alarm> is now <state>"}`)
	require.NoError(t, c.Validate())
	got, err := c.Shape(event, input.Rule{Name: "page-oncall", ARN: "arn:aws:events:ap-northeast-1:123456789012:rule/page-oncall"}, ingested)
	require.NoError(t, err)
	require.Equal(t, `{"text":"cpu-high-i-08e631ab0d0265f29 is now ALARM"}`, string(got))

	// reasonData is a string holding JSON: quoted, its quotes are escaped.
	c = transformer(map[string]string{"data": "$.detail.state.reasonData", "period": "$.detail.configuration.metrics[0].metricStat.period"},
		`{"data": <data>, "inline": "period <period>: <data>"}`)
	got, err = c.Shape(event, input.Rule{}, ingested)
	require.NoError(t, err)
	require.True(t, json.Valid(got))
	var out struct{ Data, Inline string }
	require.NoError(t, json.Unmarshal(got, &out))
	want := `{"version":"1.0","queryDate":"2026-06-07T14:45:00.120+0000","startDate":"2026-06-07T14:44:00.000+0000",` +
		`"statistic":"Average","period":60,"recentDatapoints":[76.72],"threshold":70.0,` +
		`"evaluatedDatapoints":[{"timestamp":"2026-06-07T14:44:00.000+0000","sampleCount":1.0,"value":76.72}]}`
	require.Equal(t, want, out.Data)
	require.Equal(t, "period 60: "+want, out.Inline)
}

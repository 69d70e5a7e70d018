package input_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/firstline/firstline/internal/rule/input"
)

// fieldErrors returns the field paths and messages of a Validate error.
func fieldErrors(t *testing.T, err error) map[string][]string {
	t.Helper()
	got := map[string][]string{}
	if err == nil {
		return got
	}
	joined, ok := err.(interface{ Unwrap() []error })
	require.True(t, ok, "not an errors.Join: %v", err)
	for _, e := range joined.Unwrap() {
		var fe interface{ Field() string }
		require.True(t, errors.As(e, &fe), "not a field error: %v", e)
		require.True(t, strings.HasPrefix(e.Error(), fe.Field()+": "), "%q does not start with its field", e)
		got[fe.Field()] = append(got[fe.Field()], strings.TrimPrefix(e.Error(), fe.Field()+": "))
	}
	return got
}

func manyPaths(n int) map[string]string {
	m := make(map[string]string, n)
	for i := range n {
		m[fmt.Sprintf("v%d", i)] = "$.detail"
	}
	return m
}

func TestValidate(t *testing.T) {
	t.Parallel()
	const tmplField = "InputTransformer.InputTemplate"
	for _, tc := range []struct {
		name string
		c    input.Config
		want map[string]string // field → message substring
	}{
		{"nothing set", input.Config{}, nil},
		{"input", input.Config{Input: `{"a":1}`}, nil},
		{"input path", input.Config{InputPath: "$.detail.state"}, nil},
		{"transformer", transformer(ec2Paths, `{"i": <instance>}`), nil},
		{"transformer with only predefined variables", transformer(nil, `"<aws.events.rule-name>"`), nil},
		{"100 paths", transformer(manyPaths(100), `"x"`), nil},
		{"key with dash and underscore", transformer(map[string]string{"a-b_C9": "$.x"}, `"<a-b_C9>"`), nil},
		{"unused variable", transformer(map[string]string{"unused": "$.x"}, `"x"`), nil},
		{"brackets and wildcards", transformer(map[string]string{"a": "$['detail-type']", "b": "$.resources[*]", "c": "$.detail.*.x"}, `[<a>,<b>,<c>]`), nil},

		{"input and input path", input.Config{Input: `{}`, InputPath: "$"},
			map[string]string{"InputPath": "only one of Input, InputPath or InputTransformer may be set (Input is also set)"}},
		{"all three", input.Config{Input: `{}`, InputPath: "$", InputTransformer: &input.Transformer{InputTemplate: `"x"`}},
			map[string]string{"InputPath": "only one of", "InputTransformer": "only one of"}},
		{"input path and transformer", input.Config{InputPath: "$", InputTransformer: &input.Transformer{InputTemplate: `"x"`}},
			map[string]string{"InputTransformer": "(InputPath is also set)"}},

		{"input not JSON", input.Config{Input: `{"a":`}, map[string]string{"Input": "is not valid JSON"}},
		{"input plain text", input.Config{Input: `hello`}, map[string]string{"Input": "is not valid JSON"}},
		{"input too long", input.Config{Input: `"` + strings.Repeat("x", 8191) + `"`}, map[string]string{"Input": "more than 8192"}},

		{"input path without $", input.Config{InputPath: "detail"}, map[string]string{"InputPath": "must start with $"}},
		{"input path with dot first", input.Config{InputPath: ".detail"}, map[string]string{"InputPath": "must start with $"}},
		{"input path empty name", input.Config{InputPath: "$.detail..x."}, map[string]string{"InputPath": "empty name"}},
		{"input path unclosed bracket", input.Config{InputPath: "$.resources[0"}, map[string]string{"InputPath": "unclosed ["}},
		{"input path bad bracket", input.Config{InputPath: "$.resources[x]"}, map[string]string{"InputPath": "invalid path"}},
		{"input path junk", input.Config{InputPath: "$detail"}, map[string]string{"InputPath": "unexpected"}},
		{"input path too long", input.Config{InputPath: "$." + strings.Repeat("a", 255)}, map[string]string{"InputPath": "more than 256"}},

		{"too many paths", transformer(manyPaths(101), `"x"`),
			map[string]string{"InputTransformer.InputPathsMap": "has 101 entries, more than 100"}},
		{"path without $", transformer(map[string]string{"alarm": "detail.alarmName"}, `"<alarm>"`),
			map[string]string{"InputTransformer.InputPathsMap.alarm": "must start with $"}},
		{"invalid path", transformer(map[string]string{"alarm": "$.detail[", "ok": "$.x"}, `"<alarm> <ok>"`),
			map[string]string{"InputTransformer.InputPathsMap.alarm": "unclosed ["}},
		{"key with a dot", transformer(map[string]string{"a.b": "$.x"}, `"<a.b>"`),
			map[string]string{"InputTransformer.InputPathsMap.a.b": "variable name must be"}},
		{"key naming a predefined variable", transformer(map[string]string{"aws.events.rule-name": "$.x"}, `"x"`),
			map[string]string{"InputTransformer.InputPathsMap.aws.events.rule-name": "variable name must be"}},
		{"key with a space", transformer(map[string]string{"a b": "$.x"}, `"x"`),
			map[string]string{"InputTransformer.InputPathsMap.a b": "variable name must be"}},
		{"empty key", transformer(map[string]string{"": "$.x"}, `"x"`),
			map[string]string{"InputTransformer.InputPathsMap.": "variable name must be"}},
		{"key too long", transformer(map[string]string{strings.Repeat("k", 257): "$.x"}, `"x"`),
			map[string]string{"InputTransformer.InputPathsMap." + strings.Repeat("k", 257): "variable name must be"}},

		{"empty template", transformer(ec2Paths, ""), map[string]string{tmplField: "is required"}},
		{"template too long", transformer(nil, `"`+strings.Repeat("x", 8191)+`"`), map[string]string{tmplField: "more than 8192"}},
		// EventBridge rejects these at PutTargets: "InputTemplate for target
		// … contains invalid placeholder notdefinedkey."
		{"undefined variable", transformer(ec2Paths, `"Event with not defined key <notdefinedkey>"`),
			map[string]string{tmplField: "placeholder <notdefinedkey> names no InputPathsMap key or predefined variable"}},
		{"unknown predefined variable", transformer(nil, `"<aws.events.rule>"`),
			map[string]string{tmplField: "<aws.events.rule> names no"}},
		{"placeholder as object key", transformer(ec2Paths, `{<instance>: 1}`),
			map[string]string{tmplField: "a placeholder cannot be an object key"}},
		{"placeholder in object key", transformer(ec2Paths, `{"a": {"id-<instance>": 1}}`),
			map[string]string{tmplField: "a placeholder cannot be used in an object key"}},
		{"placeholder in a key of an object in an array", transformer(ec2Paths, `[{"<instance>": 1}]`),
			map[string]string{tmplField: "a placeholder cannot be used in an object key"}},
		{"object that is not JSON", transformer(ec2Paths, `{"instance": <instance>`),
			map[string]string{tmplField: "starts with { but is not a JSON object"}},
		{"event in a JSON string", transformer(nil, `{"e": "<aws.events.event>"}`),
			map[string]string{tmplField: "<aws.events.event> can only be used as the value of a JSON field"}},
		{"event json in a string template", transformer(nil, `"event: <aws.events.event.json>"`),
			map[string]string{tmplField: "<aws.events.event.json> can only be used as the value of a JSON field"}},
		{"event json in a text template", transformer(nil, `event: <aws.events.event.json>`),
			map[string]string{tmplField: "<aws.events.event.json> can only be used"}},
		{"every problem at once", input.Config{
			InputPath: "detail",
			InputTransformer: &input.Transformer{
				InputPathsMap: map[string]string{"a": "nope", "b!": "$.x"},
				InputTemplate: `{"x": <a>, "y": <c>, "z": "<aws.events.event>"}`,
			},
		}, map[string]string{
			"InputPath":                         "must start with $",
			"InputTransformer":                  "only one of",
			"InputTransformer.InputPathsMap.a":  "must start with $",
			"InputTransformer.InputPathsMap.b!": "variable name must be",
			tmplField:                           "<c> names no",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := fieldErrors(t, tc.c.Validate())
			require.Len(t, got, len(tc.want), "%v", got)
			for field, msg := range tc.want {
				require.Contains(t, got, field)
				require.Contains(t, strings.Join(got[field], "\n"), msg)
			}
		})
	}
}

func TestValidateReportsAllTemplateProblems(t *testing.T) {
	t.Parallel()
	c := transformer(map[string]string{"a": "$.a"}, `{"x": "<aws.events.event>", "y": <u1>, "z": "<u2> <u1>"}`)
	got := fieldErrors(t, c.Validate())
	require.Equal(t, map[string][]string{"InputTransformer.InputTemplate": {
		"placeholder <u1> names no InputPathsMap key or predefined variable",
		"placeholder <u2> names no InputPathsMap key or predefined variable",
		"<aws.events.event> can only be used as the value of a JSON field, not inside a string",
	}}, got)
}

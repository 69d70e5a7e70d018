package document_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/firstline/firstline/internal/command/document"
)

// withParameter returns a document declaring the parameter p (JSON) and
// echoing nothing: the parameter's value is checked but not used.
func withParameter(t *testing.T, def string) *document.Document {
	t.Helper()
	return parse(t, `{"schemaVersion":"2.2","parameters":{"p":`+def+`},
		"mainSteps":[{"action":"aws:runShellScript","name":"s","inputs":{"runCommand":["true"]}}]}`)
}

// TestParameterValues checks every type and rule, accepting and
// rejecting, on values given as SendCommand gives them and on defaults
// (Data elements and parameters › parameters, › SSM document parameter
// type examples).
func TestParameterValues(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		def    string
		values []string // nil: not given
		want   []string // the effective value, when accepted
		rule   string   // the rule broken, when rejected
		msg    string
	}{
		// String
		{name: "String", def: `{"type":"String"}`, values: []string{"i-1234567890abcdef0"}, want: []string{"i-1234567890abcdef0"}},
		{name: "String empty", def: `{"type":"String"}`, values: []string{""}, want: []string{""}},
		{name: "String default", def: `{"type":"String","default":"Hello"}`, want: []string{"Hello"}},
		{name: "String required", def: `{"type":"String"}`, rule: document.RuleRequired, msg: "is required: the document gives it no default (String)"},
		{name: "String two values", def: `{"type":"String"}`, values: []string{"a", "b"}, rule: document.RuleType, msg: "is a String and takes one value, not 2"},
		{name: "String no value", def: `{"type":"String"}`, values: []string{}, rule: document.RuleType, msg: "takes one value, not 0"},
		{name: "String NUL", def: `{"type":"String"}`, values: []string{"a\x00b"}, rule: document.RuleType, msg: "NUL character"},
		{name: "allowedValues accepts", def: `{"type":"String","allowedValues":["AdConnector","AwsMad","SimpleAd"]}`, values: []string{"AwsMad"}, want: []string{"AwsMad"}},
		{name: "allowedValues rejects", def: `{"type":"String","allowedValues":["AdConnector","AwsMad","SimpleAd"]}`, values: []string{"awsmad"},
			rule: document.RuleAllowedValues, msg: `the value "awsmad" is not one of allowedValues [AdConnector, AwsMad, SimpleAd]`},
		{name: "allowedPattern accepts", def: `{"type":"String","allowedPattern":"^i-(?:[a-f0-9]{8}|[a-f0-9]{17})$"}`, values: []string{"i-0123456789abcdef0"}, want: []string{"i-0123456789abcdef0"}},
		{name: "allowedPattern rejects", def: `{"type":"String","allowedPattern":"^i-(?:[a-f0-9]{8}|[a-f0-9]{17})$"}`, values: []string{"i-0123; reboot"},
			rule: document.RuleAllowedPattern, msg: `the value "i-0123; reboot" does not match allowedPattern ^i-(?:[a-f0-9]{8}|[a-f0-9]{17})$`},
		{name: "allowedPattern matches the whole value", def: `{"type":"String","allowedPattern":"[a-z]+"}`, values: []string{"httpd; reboot"},
			rule: document.RuleAllowedPattern, msg: "does not match allowedPattern [a-z]+"},
		{name: "allowedPattern no trailing newline", def: `{"type":"String","allowedPattern":"^[a-z]+$"}`, values: []string{"httpd\nreboot"}, rule: document.RuleAllowedPattern},
		{name: "minChars", def: `{"type":"String","minChars":3}`, values: []string{"ab"}, rule: document.RuleMinChars, msg: "the value has 2 characters; minChars is 3"},
		{name: "maxChars counts characters", def: `{"type":"String","maxChars":3}`, values: []string{"日本語"}, want: []string{"日本語"}},
		{name: "maxChars", def: `{"type":"String","maxChars":3}`, values: []string{"abcd"}, rule: document.RuleMaxChars, msg: "the value has 4 characters; maxChars is 3"},
		{name: "default breaking a rule", def: `{"type":"String","default":"","allowedPattern":"^i-[a-z0-9]{8,17}$"}`,
			rule: document.RuleAllowedPattern, msg: `the default: the value "" does not match allowedPattern`},

		// StringList
		{name: "StringList", def: `{"type":"StringList"}`, values: []string{"cd ~", "pwd"}, want: []string{"cd ~", "pwd"}},
		{name: "StringList default", def: `{"type":"StringList","default":["a","b"]}`, want: []string{"a", "b"}},
		{name: "StringList default empty string", def: `{"type":"StringList","default":"","minItems":1}`, rule: document.RuleMinItems, msg: "the default: has 0 items; minItems is 1"},
		{name: "minItems", def: `{"type":"StringList","minItems":1}`, values: []string{}, rule: document.RuleMinItems, msg: "has 0 items; minItems is 1"},
		{name: "maxItems", def: `{"type":"StringList","maxItems":2}`, values: []string{"a", "b", "c"}, rule: document.RuleMaxItems, msg: "has 3 items; maxItems is 2"},
		{name: "StringList allowedPattern per item", def: `{"type":"StringList","allowedPattern":"^[a-z]+$"}`, values: []string{"ok", "not ok"},
			rule: document.RuleAllowedPattern, msg: `item 2 "not ok" does not match allowedPattern ^[a-z]+$`},
		{name: "StringList allowedValues per item", def: `{"type":"StringList","allowedValues":["a","b"]}`, values: []string{"a", "c"},
			rule: document.RuleAllowedValues, msg: `item 2 "c" is not one of allowedValues [a, b]`},
		{name: "StringList maxChars per item", def: `{"type":"StringList","maxChars":2}`, values: []string{"ab", "abc"}, rule: document.RuleMaxChars, msg: "item 2 has 3 characters; maxChars is 2"},

		// Integer
		{name: "Integer", def: `{"type":"Integer"}`, values: []string{"42"}, want: []string{"42"}},
		{name: "Integer negative", def: `{"type":"Integer"}`, values: []string{"-3"}, want: []string{"-3"}},
		{name: "Integer default", def: `{"type":"Integer","default":100}`, want: []string{"100"}},
		{name: "Integer decimal", def: `{"type":"Integer"}`, values: []string{"3.14159"}, rule: document.RuleType, msg: `is an Integer: "3.14159" is not a whole number`},
		{name: "Integer text", def: `{"type":"Integer"}`, values: []string{"ten"}, rule: document.RuleType},
		{name: "Integer overflow", def: `{"type":"Integer"}`, values: []string{"99999999999999999999"}, rule: document.RuleType},
		{name: "Integer allowedValues", def: `{"type":"Integer","allowedValues":[1,2,"3"]}`, values: []string{"3"}, want: []string{"3"}},
		{name: "Integer allowedValues rejects", def: `{"type":"Integer","allowedValues":[1,2]}`, values: []string{"4"}, rule: document.RuleAllowedValues},
		{name: "Integer allowedPattern", def: `{"type":"Integer","allowedPattern":"[1-9][0-9]?"}`, values: []string{"100"}, rule: document.RuleAllowedPattern},

		// Boolean
		{name: "Boolean true", def: `{"type":"Boolean"}`, values: []string{"true"}, want: []string{"true"}},
		{name: "Boolean false", def: `{"type":"Boolean"}`, values: []string{"false"}, want: []string{"false"}},
		{name: "Boolean default", def: `{"type":"Boolean","description":"","default":true}`, want: []string{"true"}},
		{name: "Boolean True", def: `{"type":"Boolean"}`, values: []string{"True"}, rule: document.RuleType, msg: `is a Boolean: want true or false, not "True"`},
		{name: "Boolean 0", def: `{"type":"Boolean"}`, values: []string{"0"}, rule: document.RuleType},

		// StringMap
		{name: "StringMap", def: `{"type":"StringMap"}`, values: []string{`{"Env": "Prod"}`}, want: []string{`{"Env":"Prod"}`}},
		{name: "StringMap default", def: `{"type":"StringMap","default":{"NotificationType":"Command","NotificationEvents":["Failed"]},"maxChars":150}`,
			want: []string{`{"NotificationEvents":["Failed"],"NotificationType":"Command"}`}},
		{name: "StringMap not an object", def: `{"type":"StringMap"}`, values: []string{`["Env"]`}, rule: document.RuleType, msg: "is a StringMap: give a JSON object"},
		{name: "StringMap maxChars", def: `{"type":"StringMap","maxChars":10}`, values: []string{`{"Env": "Production"}`}, rule: document.RuleMaxChars, msg: "the value's JSON has 20 characters; maxChars is 10"},

		// MapList
		{name: "MapList objects", def: `{"type":"MapList"}`, values: []string{`{"DeviceName":"/dev/sda1"}`, `{"DeviceName":"/dev/sdm"}`},
			want: []string{`{"DeviceName":"/dev/sda1"}`, `{"DeviceName":"/dev/sdm"}`}},
		{name: "MapList one JSON list", def: `{"type":"MapList"}`, values: []string{`[{"a":1},{"b":2}]`}, want: []string{`{"a":1}`, `{"b":2}`}},
		{name: "MapList default", def: `{"type":"MapList","default":[{"DeviceName":"/dev/sda1","Ebs":{"VolumeSize":"50"}},{"DeviceName":"/dev/sdm","Ebs":{"VolumeSize":"100"}}],"maxItems":2}`,
			want: []string{`{"DeviceName":"/dev/sda1","Ebs":{"VolumeSize":"50"}}`, `{"DeviceName":"/dev/sdm","Ebs":{"VolumeSize":"100"}}`}},
		{name: "MapList maxItems", def: `{"type":"MapList","maxItems":2}`, values: []string{`{}`, `{}`, `{}`}, rule: document.RuleMaxItems},
		{name: "MapList not objects", def: `{"type":"MapList"}`, values: []string{`"x"`}, rule: document.RuleType, msg: "each value must be a JSON object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := withParameter(t, tc.def)
			params := map[string][]string{}
			if tc.values != nil {
				params["p"] = tc.values
			}
			r, err := document.Resolve(d, params)
			if tc.rule == "" {
				require.NoError(t, err)
				require.Equal(t, tc.want, r.Parameters["p"])
				return
			}
			require.Error(t, err)
			require.Nil(t, r)
			require.True(t, errors.Is(err, document.ErrInvalidParameters), "%v", err)
			var pe *document.ParameterError
			require.True(t, errors.As(err, &pe), "%T", err)
			require.Equal(t, "p", pe.Parameter)
			require.Equal(t, tc.rule, pe.Rule)
			require.Equal(t, "Parameters.p", pe.Field())
			require.Contains(t, err.Error(), `parameter "p": `)
			require.Contains(t, err.Error(), tc.msg)
		})
	}
}

// TestParameterErrorsAllAtOnce: every bad value, the missing ones and the
// undeclared ones are reported together, before anything is resolved.
func TestParameterErrorsAllAtOnce(t *testing.T) {
	t.Parallel()
	d := parse(t, `
schemaVersion: "2.2"
parameters:
  Service: {type: String, allowedPattern: "^[a-z]+$"}
  Action: {type: String, allowedValues: [restart, status]}
  Lines: {type: String, default: "20", allowedPattern: "[0-9]+"}
  Verbose: {type: Boolean, default: false}
mainSteps:
- action: aws:runShellScript
  name: s
  inputs: {runCommand: ["systemctl {{ Action }} {{ Service }}", "journalctl -n {{ Lines }} -u {{ Service }}"]}
`)
	_, err := document.Resolve(d, map[string][]string{"Action": {"stop"}, "Lines": {"x"}, "Verbose": {"yes"}, "service": {"httpd"}, "zzz": {"1"}})
	require.Error(t, err)
	var rules []string
	for _, e := range unjoin(err) {
		var pe *document.ParameterError
		require.True(t, errors.As(e, &pe))
		rules = append(rules, pe.Parameter+":"+pe.Rule)
	}
	require.Equal(t, []string{"Service:required", "Action:allowedValues", "Lines:allowedPattern", "Verbose:type", "service:undeclared", "zzz:undeclared"}, rules)
	require.Contains(t, err.Error(), `parameter "service": is not declared by the document; it declares Service, Action, Lines, Verbose (did you mean Service?)`)

	none := parse(t, `{"schemaVersion":"2.2","mainSteps":[{"action":"aws:runShellScript","name":"s","inputs":{"runCommand":"date"}}]}`)
	_, err = document.Resolve(none, map[string][]string{"x": {"1"}})
	require.ErrorContains(t, err, `parameter "x": is not declared by the document, which takes no parameters`)
}

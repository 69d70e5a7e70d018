package input_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/firstline/firstline/internal/rule/input"
)

// fuzzPaths are the variables FuzzShape's templates may use.
var fuzzPaths = map[string]string{
	"alarm":   "$.detail.alarmName",
	"state":   "$.detail.state.value",
	"detail":  "$.detail",
	"res":     "$.resources[0]",
	"all":     "$.resources[*]",
	"num":     "$.detail.n",
	"missing": "$.detail.nope",
	"dash-ed": "$.detail-type",
}

// FuzzShape shapes arbitrary events with arbitrary templates: Shape must
// not panic, must be deterministic, must succeed on a valid template and a
// JSON object event, and must give valid JSON for a JSON template.
// Seeds are in testdata/fuzz/FuzzShape.
func FuzzShape(f *testing.F) {
	f.Add(`{"text": "<alarm> is now <state>"}`, []byte(`{"detail":{"alarmName":"cpu","state":{"value":"ALARM"}}}`))
	f.Fuzz(func(t *testing.T, tmpl string, event []byte) {
		c := transformer(fuzzPaths, tmpl)
		valid := c.Validate() == nil
		out, err := c.Shape(event, exampleRule, ingested)
		if !valid {
			require.Error(t, err)
			return
		}
		if json.Valid(event) && bytes.HasPrefix(bytes.TrimSpace(event), []byte("{")) {
			require.NoError(t, err, "template %q, event %q", tmpl, event)
		}
		if err != nil {
			return
		}
		if input.IsJSONTemplate(tmpl) {
			require.True(t, json.Valid(out), "template %q, event %q gave invalid JSON %q", tmpl, event, out)
		}
		again, err := c.Shape(event, exampleRule, ingested)
		require.NoError(t, err)
		require.Equal(t, out, again)
	})
}

package grafana_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/firstline/firstline/internal/ingest"
	"github.com/firstline/firstline/internal/ingest/grafana"
)

func TestNewSpec(t *testing.T) {
	t.Parallel()
	many := make([]string, 101)
	for i := range many {
		many[i] = fmt.Sprintf("l%d", i)
	}
	tooMany, err := json.Marshal(map[string]any{"Type": "grafana", "ResourceLabels": many})
	require.NoError(t, err)

	tests := []struct {
		name     string
		spec     string
		path     string // "" means accepted
		contains string
	}{
		{name: "type only", spec: `{"Type":"grafana"}`},
		{name: "with auth", spec: `{"Type":"grafana","Auth":{"Bearer":"sha256:0123"}}`},
		{name: "custom resource labels", spec: `{"Type":"grafana","Auth":{"Bearer":"t"},"ResourceLabels":["namespace","pod"]}`},
		{name: "no resource labels", spec: `{"Type":"grafana","ResourceLabels":[]}`},
		{name: "unknown field", spec: `{"Type":"grafana","ResourceLabel":["pod"]}`, path: "ResourceLabel", contains: "unknown field"},
		{name: "unknown field of another type", spec: `{"Type":"grafana","Topic":"x"}`, path: "Topic", contains: "unknown field"},
		{name: "resource labels not a list", spec: `{"Type":"grafana","ResourceLabels":"pod"}`, path: "ResourceLabels", contains: "wrong type"},
		{name: "empty label name", spec: `{"Type":"grafana","ResourceLabels":["pod",""]}`, path: "ResourceLabels[1]", contains: "is empty"},
		{name: "duplicate label", spec: `{"Type":"grafana","ResourceLabels":["pod","job","pod"]}`, path: "ResourceLabels[2]", contains: `repeats label "pod"`},
		{name: "too many labels", spec: string(tooMany), path: "ResourceLabels", contains: "at most 100"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, err := grafana.New("grafana", json.RawMessage(tc.spec))
			if tc.path == "" && tc.contains == "" {
				require.NoError(t, err)
				require.NotNil(t, r)
				return
			}
			require.Nil(t, r)
			var fe *ingest.FieldError
			require.True(t, errors.As(err, &fe), "error %v (%T) is not a *ingest.FieldError", err, err)
			require.Equal(t, tc.path, fe.Field())
			require.Contains(t, fe.Msg, tc.contains)
		})
	}
}

func TestNewSpecNotJSON(t *testing.T) {
	t.Parallel()
	_, err := grafana.New("grafana", json.RawMessage(`{"Type":`))
	var fe *ingest.FieldError
	require.True(t, errors.As(err, &fe), "error %v (%T) is not a *ingest.FieldError", err, err)
}

func TestDefaultResourceLabels(t *testing.T) {
	t.Parallel()
	require.Equal(t, []string{"instance", "job", "service"}, grafana.DefaultResourceLabels())
	// A copy: changing it changes nothing else.
	grafana.DefaultResourceLabels()[0] = "x"
	require.Equal(t, "instance", grafana.DefaultResourceLabels()[0])
}

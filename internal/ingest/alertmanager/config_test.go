package alertmanager_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/firstline/firstline/internal/ingest"
	"github.com/firstline/firstline/internal/ingest/alertmanager"
)

func TestNewSpec(t *testing.T) {
	t.Parallel()
	many := make([]string, 101)
	for i := range many {
		many[i] = fmt.Sprintf("l%d", i)
	}
	tooMany, err := json.Marshal(map[string]any{"Type": "alertmanager", "ResourceLabels": many})
	require.NoError(t, err)

	tests := []struct {
		name     string
		spec     string
		path     string // "" means accepted
		contains string
	}{
		{name: "type only", spec: `{"Type":"alertmanager"}`},
		{name: "with auth", spec: `{"Type":"alertmanager","Auth":{"Bearer":"sha256:0123"}}`},
		{name: "custom resource labels", spec: `{"Type":"alertmanager","Auth":{"Bearer":"t"},"ResourceLabels":["namespace","pod"]}`},
		{name: "no resource labels", spec: `{"Type":"alertmanager","ResourceLabels":[]}`},
		{name: "unknown field", spec: `{"Type":"alertmanager","ResourceLabel":["pod"]}`, path: "ResourceLabel", contains: "unknown field"},
		{name: "unknown field of another type", spec: `{"Type":"alertmanager","Topic":"x"}`, path: "Topic", contains: "unknown field"},
		{name: "resource labels not a list", spec: `{"Type":"alertmanager","ResourceLabels":"pod"}`, path: "ResourceLabels", contains: "wrong type"},
		{name: "empty label name", spec: `{"Type":"alertmanager","ResourceLabels":["pod",""]}`, path: "ResourceLabels[1]", contains: "is empty"},
		{name: "duplicate label", spec: `{"Type":"alertmanager","ResourceLabels":["pod","job","pod"]}`, path: "ResourceLabels[2]", contains: `repeats label "pod"`},
		{name: "too many labels", spec: string(tooMany), path: "ResourceLabels", contains: "at most 100"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, err := alertmanager.New("alertmanager", json.RawMessage(tc.spec))
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
	_, err := alertmanager.New("alertmanager", json.RawMessage(`{"Type":`))
	var fe *ingest.FieldError
	require.True(t, errors.As(err, &fe), "error %v (%T) is not a *ingest.FieldError", err, err)
}

func TestDefaultResourceLabels(t *testing.T) {
	t.Parallel()
	require.Equal(t, []string{"instance", "job", "service"}, alertmanager.DefaultResourceLabels())
	// A copy: changing it changes nothing else.
	alertmanager.DefaultResourceLabels()[0] = "x"
	require.Equal(t, "instance", alertmanager.DefaultResourceLabels()[0])
}

// TestDocumentedSpec checks that the spec in the package documentation is
// one New accepts, and that its Auth has the framework's field names.
func TestDocumentedSpec(t *testing.T) {
	t.Parallel()
	spec := `{"Type":"alertmanager","Auth":{"Bearer":"${ALERTMANAGER_HOOK_TOKEN}"},"ResourceLabels":["instance","job","service","namespace"]}`
	_, err := alertmanager.New("alertmanager", json.RawMessage(spec))
	require.NoError(t, err)

	var base ingest.SpecBase
	require.NoError(t, json.Unmarshal([]byte(spec), &base))
	var auth ingest.Auth
	require.NoError(t, ingest.DecodeSpec(base.Auth, &auth))
	require.True(t, strings.HasPrefix(auth.Bearer, "${"))
}

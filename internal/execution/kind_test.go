package execution_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/firstline/firstline/internal/execution"
)

func TestNormalize(t *testing.T) {
	seed, err := os.ReadFile("../../testdata/fixtures/states/seed-first-response.asl.json")
	if err != nil {
		t.Fatal(err)
	}
	seedString, _ := json.Marshal(string(seed))
	for _, tc := range []struct {
		name, spec, want, err string
	}{
		{name: "object", spec: `{"Definition":{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}}`,
			want: `{"Type":"STANDARD","Definition":{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}}`},
		{name: "string", spec: `{"Type":"STANDARD","Comment":"c","DefinitionString":"{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Succeed\"}}}"}`,
			want: `{"Type":"STANDARD","Definition":{"StartAt":"A","States":{"A":{"Type":"Succeed"}}},"Comment":"c"}`},
		{name: "seed unmodified", spec: `{"DefinitionString":` + string(seedString) + `}`},
		{name: "invalid lists every problem", spec: `{"Definition":{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"C":{"Type":"Wait","End":true}}}}`,
			err: "Definition: the definition is invalid (3 problems"},
		{name: "both", spec: `{"Definition":{},"DefinitionString":"{}"}`, err: "not both"},
		{name: "none", spec: `{"Type":"STANDARD"}`, err: "needs Definition"},
		{name: "express", spec: `{"Type":"EXPRESS","Definition":{}}`, err: "EXPRESS state machines are not supported"},
		{name: "file over the API", spec: `{"DefinitionFile":"x.json"}`, err: "read by `firstline apply`"},
		{name: "unknown field", spec: `{"Definition":{},"RoleArn":"x"}`, err: `unknown field "RoleArn"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := execution.Kind{}.Normalize("m", json.RawMessage(tc.spec))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.want != "" && string(got) != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
			if _, err := execution.Machine(got); err != nil {
				t.Errorf("normalized spec does not compile: %v", err)
			}
		})
	}
}

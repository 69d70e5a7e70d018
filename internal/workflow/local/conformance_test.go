package local_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/firstline/firstline/internal/workflow"
	"github.com/firstline/firstline/internal/workflow/local"
)

// conformanceCase is one case of testdata/conformance (see its README).
type conformanceCase struct {
	Name          string          `json:"name"`
	Source        string          `json:"source"`
	Definition    json.RawMessage `json:"definition"`
	Input         json.RawMessage `json:"input"`
	ExecutionName string          `json:"executionName"`
	MockConfig    json.RawMessage `json:"mockConfig"`
	TestCase      string          `json:"testCase"`
	Expect        struct {
		Status        string          `json:"status"`
		Output        json.RawMessage `json:"output"`
		Error         *string         `json:"error"`
		Cause         *string         `json:"cause"`
		CauseContains string          `json:"causeContains"`
		States        []string        `json:"states"`
		Validate      string          `json:"validate"`
		Codes         []string        `json:"codes"`
	} `json:"expect"`
}

// TestConformance runs every case of ../testdata/conformance through the
// interpreter as `firstline states run` does.
func TestConformance(t *testing.T) {
	files, err := filepath.Glob("../testdata/conformance/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no conformance files: %v", err)
	}
	total := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var cases []conformanceCase
		if err := json.Unmarshal(data, &cases); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		area := strings.TrimSuffix(filepath.Base(f), ".json")
		for _, c := range cases {
			total++
			t.Run(area+"/"+c.Name, func(t *testing.T) { runCase(t, c) })
		}
	}
	t.Logf("%d conformance cases", total)
}

func runCase(t *testing.T, c conformanceCase) {
	def := []byte(c.Definition)
	var s string
	if json.Unmarshal(def, &s) == nil {
		def = []byte(s) // a definition given as a string (invalid JSON cases)
	}
	if c.Expect.Validate != "" {
		v := workflow.Validate(def)
		if v.Result != c.Expect.Validate {
			t.Fatalf("validate = %s, want %s; diagnostics %+v\nsource: %s", v.Result, c.Expect.Validate, v.Diagnostics, c.Source)
		}
		for _, code := range c.Expect.Codes {
			if !slices.ContainsFunc(v.Diagnostics, func(d workflow.Diagnostic) bool { return d.Code == code }) {
				t.Errorf("no diagnostic with code %s in %+v\nsource: %s", code, v.Diagnostics, c.Source)
			}
		}
		return
	}
	m, err := workflow.Parse(def)
	if err != nil {
		t.Fatalf("definition does not compile: %v\nsource: %s", err, c.Source)
	}
	o := local.Options{StateMachineName: "Test", ExecutionName: c.ExecutionName, TestCase: c.TestCase, Start: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)}
	if len(c.MockConfig) > 0 {
		mc, err := local.ParseMockConfig(c.MockConfig)
		if err != nil {
			t.Fatal(err)
		}
		o.Mock = mc
	}
	input := []byte(c.Input)
	if len(input) == 0 {
		input = []byte("{}")
	}
	res, err := local.Run(context.Background(), m, input, o)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if res.Status != c.Expect.Status {
		t.Fatalf("status = %s (error %q, cause %q), want %s\nsource: %s", res.Status, res.Error, res.Cause, c.Expect.Status, c.Source)
	}
	if c.Expect.Error != nil && res.Error != *c.Expect.Error {
		t.Errorf("error = %q (cause %q), want %q", res.Error, res.Cause, *c.Expect.Error)
	}
	if c.Expect.Cause != nil && res.Cause != *c.Expect.Cause {
		t.Errorf("cause = %q, want %q", res.Cause, *c.Expect.Cause)
	}
	if c.Expect.CauseContains != "" && !strings.Contains(res.Cause, c.Expect.CauseContains) {
		t.Errorf("cause = %q, want it to contain %q", res.Cause, c.Expect.CauseContains)
	}
	if len(c.Expect.Output) > 0 && !jsonEqual(t, res.Output, c.Expect.Output) {
		t.Errorf("output = %s, want %s\nsource: %s", res.Output, c.Expect.Output, c.Source)
	}
	if c.Expect.States != nil && !slices.Equal(res.States, c.Expect.States) {
		t.Errorf("states = %q, want %q", res.States, c.Expect.States)
	}
}

// jsonEqual compares JSON values: key order ignored, numbers by value
// (1 == 1.0, -0 == 0).
func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	decode := func(x []byte) any {
		var v any
		d := json.NewDecoder(bytes.NewReader(x))
		if err := d.Decode(&v); err != nil {
			return string(x)
		}
		return v
	}
	return reflect.DeepEqual(decode(a), decode(b))
}

package local

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// MockConfig is a mock configuration file in the AWS Step Functions Local
// format (Developer Guide › Using mocked service integrations for testing
// in Step Functions Local › Mock configuration file structure):
//
//	{"StateMachines": {"<machine>": {"TestCases": {"<case>": {"<state>": "<response>"}}}},
//	 "MockedResponses": {"<response>": {"0": {"Return": ...}, "1-2": {"Throw": {"Error": "E", "Cause": "C"}}}}}
type MockConfig struct {
	StateMachines   map[string]mockMachine             `json:"StateMachines"`
	MockedResponses map[string]map[string]MockResponse `json:"MockedResponses"`
}

type mockMachine struct {
	TestCases map[string]map[string]string `json:"TestCases"`
}

// MockResponse is one mocked answer: Return (the task's result) or Throw.
type MockResponse struct {
	Return json.RawMessage `json:"Return,omitempty"`
	Throw  *struct {
		Error string `json:"Error"`
		Cause string `json:"Cause"`
	} `json:"Throw,omitempty"`
}

// ParseMockConfig reads and checks a mock configuration: every test case
// names defined responses, every response key is "N" or "N-M", and each
// response has exactly one of Return and Throw.
func ParseMockConfig(data []byte) (*MockConfig, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var c MockConfig
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("mock config: %w", err)
	}
	var problems []string
	for rname, byAttempt := range c.MockedResponses {
		for key, r := range byAttempt {
			if _, _, err := attemptRange(key); err != nil {
				problems = append(problems, fmt.Sprintf("MockedResponses.%s: %v", rname, err))
			}
			if (r.Return != nil) == (r.Throw != nil) {
				problems = append(problems, fmt.Sprintf("MockedResponses.%s.%s: needs exactly one of Return and Throw", rname, key))
			}
		}
	}
	for mname, m := range c.StateMachines {
		for cname, states := range m.TestCases {
			for state, rname := range states {
				if _, ok := c.MockedResponses[rname]; !ok {
					problems = append(problems, fmt.Sprintf("StateMachines.%s.TestCases.%s.%s: no mocked response named %q", mname, cname, state, rname))
				}
			}
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return nil, fmt.Errorf("mock config: %s", strings.Join(problems, "; "))
	}
	return &c, nil
}

// attemptRange parses a response key: "2" or "1-3".
func attemptRange(key string) (int, int, error) {
	lo, hi, isRange := strings.Cut(key, "-")
	a, err := strconv.Atoi(lo)
	if err != nil || a < 0 {
		return 0, 0, fmt.Errorf("key %q must be an invocation number or a range such as \"1-2\"", key)
	}
	if !isRange {
		return a, a, nil
	}
	b, err := strconv.Atoi(hi)
	if err != nil || b < a {
		return 0, 0, fmt.Errorf("key %q must be an invocation number or a range such as \"1-2\"", key)
	}
	return a, b, nil
}

// TestCase returns the state → response mapping of a machine's test case.
func (c *MockConfig) TestCase(machine, name string) (map[string]string, error) {
	m, ok := c.StateMachines[machine]
	if !ok {
		names := make([]string, 0, len(c.StateMachines))
		for n := range c.StateMachines {
			names = append(names, n)
		}
		sort.Strings(names)
		return nil, fmt.Errorf("mock config has no state machine %q (it has %s); name it with --name", machine, strings.Join(names, ", "))
	}
	tc, ok := m.TestCases[name]
	if !ok {
		names := make([]string, 0, len(m.TestCases))
		for n := range m.TestCases {
			names = append(names, n)
		}
		sort.Strings(names)
		return nil, fmt.Errorf("mock config has no test case %q for state machine %q (it has %s)", name, machine, strings.Join(names, ", "))
	}
	return tc, nil
}

// Response returns the response named rname for the invocation-th call
// (0-based, counted per state over the whole execution, retries included).
// When no key covers the invocation, the response with the highest key is
// used again, so a single "0" answers every call.
func (c *MockConfig) Response(rname string, invocation int) (MockResponse, bool) {
	byAttempt, ok := c.MockedResponses[rname]
	if !ok {
		return MockResponse{}, false
	}
	best, bestHi := MockResponse{}, -1
	for key, r := range byAttempt {
		lo, hi, err := attemptRange(key)
		if err != nil {
			continue
		}
		if invocation >= lo && invocation <= hi {
			return r, true
		}
		if hi > bestHi {
			best, bestHi = r, hi
		}
	}
	return best, bestHi >= 0
}

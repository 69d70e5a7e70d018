package workflow_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/firstline/firstline/internal/workflow"
)

// chainDefinition is n states alternating Pass (with Parameters) and
// Choice (a numeric comparison and a string match).
func chainDefinition(n int) string {
	var b strings.Builder
	b.WriteString(`{"StartAt":"S0","States":{`)
	for i := 0; i < n; i++ {
		next := fmt.Sprintf(`"Next":"S%d"`, i+1)
		if i == n-1 {
			next = `"End":true`
		}
		if i > 0 {
			b.WriteByte(',')
		}
		if i%2 == 0 {
			fmt.Fprintf(&b, `"S%d":{"Type":"Pass","Parameters":{"n.$":"$.n","host.$":"$.host","step":%d},%s}`, i, i, next)
		} else {
			target := fmt.Sprintf("S%d", i+1)
			if i == n-1 {
				fmt.Fprintf(&b, `"S%d":{"Type":"Pass",%s}`, i, next)
				continue
			}
			fmt.Fprintf(&b, `"S%d":{"Type":"Choice","Choices":[{"And":[{"Variable":"$.n","NumericGreaterThan":5},{"Variable":"$.host","StringMatches":"web-*"}],"Next":"%s"}],"Default":"%s"}`, i, target, target)
		}
	}
	b.WriteString(`}}`)
	return b.String()
}

const benchInput = `{"n":7,"host":"web-01","step":0}`

func runToEnd(b *testing.B, m *workflow.Machine, input []byte) *workflow.Execution {
	now := time.Unix(0, 0)
	e, err := m.Start(input, workflow.StartOptions{Name: "bench"}, now)
	if err != nil {
		b.Fatal(err)
	}
	for !e.Done() {
		m.Advance(e, now, nil)
	}
	if e.Status != workflow.StatusSucceeded {
		b.Fatalf("%s: %s %s", e.Status, e.Error, e.Cause)
	}
	return e
}

// BenchmarkChain100 runs a 100-state Pass/Choice chain in memory, history
// included; transitions/s is the throughput measure.
func BenchmarkChain100(b *testing.B) {
	m, err := workflow.Parse([]byte(chainDefinition(100)))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var transitions int64
	for b.Loop() {
		transitions += runToEnd(b, m, []byte(benchInput)).Transitions
	}
	b.ReportMetric(float64(transitions)/b.Elapsed().Seconds(), "transitions/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(transitions), "ns/transition")
}

// BenchmarkMap1000 runs a Map state over 1,000 items, each iteration a
// Pass state with an ItemSelector using the context object.
func BenchmarkMap1000(b *testing.B) {
	def := `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items",
	  "ItemSelector":{"host.$":"$$.Map.Item.Value","i.$":"$$.Map.Item.Index"},
	  "ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"h.$":"$.host"},"End":true}}},
	  "End":true}}}`
	m, err := workflow.Parse([]byte(def))
	if err != nil {
		b.Fatal(err)
	}
	items := make([]string, 1000)
	for i := range items {
		items[i] = fmt.Sprintf(`"web-%03d"`, i)
	}
	input := []byte(`{"items":[` + strings.Join(items, ",") + `]}`)
	b.ReportAllocs()
	var transitions int64
	for b.Loop() {
		transitions += runToEnd(b, m, input).Transitions
	}
	b.ReportMetric(float64(transitions)/b.Elapsed().Seconds(), "transitions/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(transitions), "ns/transition")
}

// BenchmarkBaselineJSONRoundTrip is the baseline the interpreter's cost is
// reported against: decoding and encoding the chain's state input once,
// what any JSON-in/JSON-out step costs at the least.
func BenchmarkBaselineJSONRoundTrip(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		var v any
		if err := json.Unmarshal([]byte(benchInput), &v); err != nil {
			b.Fatal(err)
		}
		if _, err := json.Marshal(v); err != nil {
			b.Fatal(err)
		}
	}
}

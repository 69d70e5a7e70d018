package pattern_test

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/firstline/firstline/internal/pattern"
)

// benchRules builds n rules for an event kind: one that matches the
// fixture, the others realistic near-misses (other sources or receivers),
// 1% of them without an exact value to index on.
func benchRules(kind string, n int) *pattern.Matcher {
	m := pattern.NewMatcher()
	for i := range n {
		var src string
		switch {
		case i == 0 && kind == "cloudwatch":
			src = `{"source":["aws.cloudwatch"],"detail-type":["CloudWatch Alarm State Change"],"detail":{"state":{"value":["ALARM"]}}}`
		case i == 0:
			src = `{"receiver":["firstline"],"alerts":{"labels":{"alertname":["InstanceDown"],"severity":["critical","warning"]}}}`
		case i%100 == 99 && kind == "cloudwatch":
			src = fmt.Sprintf(`{"detail":{"alarmName":[{"prefix":"svc-%d-"}],"state":{"value":[{"anything-but":"OK"}]}}}`, i)
		case i%100 == 99:
			src = fmt.Sprintf(`{"alerts":{"labels":{"alertname":[{"wildcard":"Svc%d*"}]}}}`, i)
		case kind == "cloudwatch":
			src = fmt.Sprintf(`{"source":["app.%d"],"detail":{"state":{"value":["ALARM"]},"configuration":{"metrics":{"metricStat":{"metric":{"name":[{"prefix":"CPU"}]}}}}}}`, i)
		default:
			src = fmt.Sprintf(`{"receiver":["team-%d"],"alerts":{"labels":{"severity":["critical"]},"status":["firing"]}}`, i)
		}
		m.Add(fmt.Sprintf("rule-%d", i), pattern.MustCompile(src))
	}
	return m
}

// BenchmarkMatch measures matching one real event against 1, 100 and
// 10,000 rules, beside json.Unmarshal of the same event into
// map[string]any; x_unmarshal is the cost of one match in decodes (target
// at 10,000 rules: at most 1).
func BenchmarkMatch(b *testing.B) {
	fixtures := map[string]string{
		"cloudwatch":   "../../testdata/fixtures/cloudwatch/alarm-state-change-ok-to-alarm.json",
		"alertmanager": "../../testdata/fixtures/alertmanager/webhook-v4-firing.json",
	}
	for _, kind := range []string{"cloudwatch", "alertmanager"} {
		event, err := os.ReadFile(fixtures[kind])
		if err != nil {
			b.Fatal(err)
		}
		unmarshal := measure(func() {
			var m map[string]any
			if err := json.Unmarshal(event, &m); err != nil {
				b.Fatal(err)
			}
		})
		b.Run(kind+"/json.Unmarshal", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(event)))
			for b.Loop() {
				var m map[string]any
				_ = json.Unmarshal(event, &m)
			}
		})
		for _, n := range []int{1, 100, 10000} {
			m := benchRules(kind, n)
			got, err := m.Match(event)
			if err != nil || len(got) != 1 || got[0] != "rule-0" {
				b.Fatalf("%s with %d rules: matched %v, %v; want rule-0", kind, n, got, err)
			}
			b.Run(fmt.Sprintf("%s/rules=%d", kind, n), func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(event)))
				start := time.Now()
				for b.Loop() {
					if _, err := m.Match(event); err != nil {
						b.Fatal(err)
					}
				}
				per := float64(time.Since(start).Nanoseconds()) / float64(b.N)
				b.ReportMetric(per/unmarshal, "x_unmarshal")
			})
		}
	}
}

// measure returns the mean ns of f over about 50 ms.
func measure(f func()) float64 {
	n := 0
	start := time.Now()
	for time.Since(start) < 50*time.Millisecond {
		f()
		n++
	}
	return float64(time.Since(start).Nanoseconds()) / float64(n)
}

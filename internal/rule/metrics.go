package rule

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the rule engine's Prometheus metrics. A nil *Metrics records
// nothing.
type Metrics struct {
	matches    *prometheus.CounterVec
	deliveries *prometheus.CounterVec
	duration   prometheus.Histogram
	e2e        prometheus.Histogram
	mu         sync.Mutex
	known      map[string]bool
}

// maxRuleLabels bounds distinct rule labels; further rules count as "other".
const maxRuleLabels = 1000

// NewMetrics registers the rule metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		matches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "firstline_rule_matches_total", Help: "Events matched, by rule.",
		}, []string{"rule"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "firstline_rule_deliveries_total", Help: "Delivery attempts by rule and outcome (success, retry, dead_letter, dropped).",
		}, []string{"rule", "outcome"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "firstline_rule_delivery_attempt_seconds", Help: "Time one delivery attempt took, in seconds.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 9),
		}),
		e2e: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "firstline_rule_delivery_latency_seconds", Help: "Time from ingest to successful delivery, in seconds.",
			Buckets: prometheus.ExponentialBuckets(0.005, 3, 10),
		}),
		known: map[string]bool{},
	}
	reg.MustRegister(m.matches, m.deliveries, m.duration, m.e2e)
	return m
}

func (m *Metrics) label(rule string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.known[rule] {
		if len(m.known) >= maxRuleLabels {
			return "other"
		}
		m.known[rule] = true
	}
	return rule
}

func (m *Metrics) initRule(rule string) {
	if m == nil {
		return
	}
	l := m.label(rule)
	m.matches.WithLabelValues(l)
	m.deliveries.WithLabelValues(l, "success")
}

func (m *Metrics) matched(rule string) {
	if m != nil {
		m.matches.WithLabelValues(m.label(rule)).Inc()
	}
}

func (m *Metrics) delivered(rule, outcome string, d time.Duration) {
	if m == nil {
		return
	}
	m.deliveries.WithLabelValues(m.label(rule), outcome).Inc()
	if d > 0 {
		m.duration.Observe(d.Seconds())
	}
}

func (m *Metrics) latency(d time.Duration) {
	if m != nil {
		m.e2e.Observe(d.Seconds())
	}
}

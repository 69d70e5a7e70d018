package api

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the API's Prometheus metrics.
type Metrics struct {
	requests     *prometheus.CounterVec
	duration     *prometheus.HistogramVec
	authFailures prometheus.Counter
	events       *prometheus.CounterVec

	mu      sync.Mutex
	sources map[string]bool
}

// maxSourceLabels bounds the distinct source label values of
// firstline_events_ingested_total; further sources count as "other".
const maxSourceLabels = 500

// NewMetrics registers the API metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "firstline_http_requests_total",
			Help: "API requests by route, method and status code.",
		}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "firstline_http_request_duration_seconds",
			Help:    "API request latency by route and method, in seconds.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route", "method"}),
		authFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "firstline_http_auth_failures_total",
			Help: "API requests rejected for a missing, unknown or revoked token.",
		}),
	}
	m.events = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "firstline_events_ingested_total",
		Help: "Events committed to the event store, by source (at most 500 distinct sources, then \"other\").",
	}, []string{"source"})
	m.sources = map[string]bool{}
	reg.MustRegister(m.requests, m.duration, m.authFailures, m.events)
	return m
}

func (m *Metrics) initRoute(method, route string) {
	m.requests.WithLabelValues(route, method, "200")
	m.duration.WithLabelValues(route, method)
}

func (m *Metrics) ingested(source string) {
	m.mu.Lock()
	if !m.sources[source] {
		if len(m.sources) >= maxSourceLabels {
			source = "other"
		} else {
			m.sources[source] = true
		}
	}
	m.mu.Unlock()
	m.events.WithLabelValues(source).Inc()
}

func (m *Metrics) observe(method, route string, status int, d time.Duration) {
	switch method {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodHead, http.MethodOptions:
	default:
		method = "OTHER"
	}
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(route, method).Observe(d.Seconds())
}

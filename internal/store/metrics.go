package store

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
)

// Metrics are the store's Prometheus metrics: group-commit batch sizes and
// the job queue (depth by state, wait and run latency by kind).
type Metrics struct {
	batchSize *prometheus.HistogramVec
	jobWait   *prometheus.HistogramVec
	jobRun    *prometheus.HistogramVec
	jobs      *prometheus.CounterVec
}

// NewMetrics registers the store metrics with reg. The job queue depth is
// read from the database when reg is scraped.
func NewMetrics(reg prometheus.Registerer, s *Store) *Metrics {
	m := &Metrics{
		batchSize: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "firstline_store_commit_batch_size",
			Help:    "Writes committed per group-commit transaction.",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256},
		}, []string{"committer"}),
		jobWait: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "firstline_job_queue_wait_seconds",
			Help:    "Time jobs waited in the queue before a worker started them, in seconds, by kind.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 10),
		}, []string{"kind"}),
		jobRun: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "firstline_job_run_seconds",
			Help:    "Time jobs ran, in seconds, by kind.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 10),
		}, []string{"kind"}),
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "firstline_jobs_total",
			Help: "Jobs worked, by kind and outcome (completed, failed, cancelled, snoozed).",
		}, []string{"kind", "outcome"}),
	}
	reg.MustRegister(m.batchSize, m.jobWait, m.jobRun, m.jobs, &depthCollector{s: s,
		desc: prometheus.NewDesc("firstline_job_queue_depth", "Jobs in the queue by state (available, scheduled, retryable, running).", []string{"state"}, nil)})
	return m
}

// ObserveBatch returns an OnBatch callback for the named committer.
func (m *Metrics) ObserveBatch(committer string) func(int) {
	h := m.batchSize.WithLabelValues(committer)
	return func(n int) { h.Observe(float64(n)) }
}

// ObserveJob records a job event; pass it as JobsConfig.OnJobEvent.
func (m *Metrics) ObserveJob(ev *river.Event) {
	if ev.Job == nil {
		return
	}
	outcome := string(ev.Kind)
	switch ev.Kind {
	case river.EventKindJobCompleted:
		outcome = "completed"
	case river.EventKindJobFailed:
		outcome = "failed"
	case river.EventKindJobCancelled:
		outcome = "cancelled"
	case river.EventKindJobSnoozed:
		outcome = "snoozed"
	}
	m.jobs.WithLabelValues(ev.Job.Kind, outcome).Inc()
	if ev.JobStats != nil {
		m.jobWait.WithLabelValues(ev.Job.Kind).Observe(ev.JobStats.QueueWaitDuration.Seconds())
		m.jobRun.WithLabelValues(ev.Job.Kind).Observe(ev.JobStats.RunDuration.Seconds())
	}
}

type depthCollector struct {
	s    *Store
	desc *prometheus.Desc
}

func (c *depthCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *depthCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	depth, err := c.s.JobQueueDepth(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.desc, err)
		return
	}
	for state, n := range depth {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n), state)
	}
}

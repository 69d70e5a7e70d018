package grafana

import "github.com/firstline/firstline/internal/ingest/alert"

// Config is the spec of a hook of Type grafana: Type, Auth and
// ResourceLabels (see alert.Config).
type Config = alert.Config

// DefaultResourceLabels returns the labels that become resources when a
// spec does not set ResourceLabels: instance, job and service.
func DefaultResourceLabels() []string { return alert.DefaultResourceLabels() }

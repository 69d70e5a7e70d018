package alert

import (
	"encoding/json"
	"fmt"

	"github.com/firstline/firstline/internal/event"
	"github.com/firstline/firstline/internal/ingest"
)

// Config is the spec of the alert-shaped hook types (alertmanager,
// grafana).
type Config struct {
	ingest.SpecBase

	// ResourceLabels names the alert labels that become event resources,
	// in this order: a label the alert carries with a non-empty value adds
	// "<label>/<value>". Absent (or null) means DefaultResourceLabels; an
	// empty list means no resources. At most 100 names (an event has at
	// most 100 resources), none empty, no duplicates.
	ResourceLabels []string `json:"ResourceLabels,omitempty"`
}

// DefaultResourceLabels returns the labels that become resources when a
// spec does not set ResourceLabels: instance, job and service.
func DefaultResourceLabels() []string { return []string{"instance", "job", "service"} }

// DecodeConfig reads a hook spec, rejecting unknown fields, and fills in
// the defaults.
func DecodeConfig(spec json.RawMessage) (Config, error) {
	var c Config
	if len(spec) > 0 {
		if err := ingest.DecodeSpec(spec, &c); err != nil {
			return Config{}, err
		}
	}
	if c.ResourceLabels == nil {
		c.ResourceLabels = DefaultResourceLabels()
	}
	if n := len(c.ResourceLabels); n > event.MaxResources {
		return Config{}, &ingest.FieldError{Path: "ResourceLabels", Msg: fmt.Sprintf("has %d labels; at most %d (an event has at most %d resources)", n, event.MaxResources, event.MaxResources)}
	}
	seen := make(map[string]bool, len(c.ResourceLabels))
	for i, l := range c.ResourceLabels {
		path := fmt.Sprintf("ResourceLabels[%d]", i)
		switch {
		case l == "":
			return Config{}, &ingest.FieldError{Path: path, Msg: "is empty; want a label name such as instance"}
		case seen[l]:
			return Config{}, &ingest.FieldError{Path: path, Msg: fmt.Sprintf("repeats label %q", l)}
		}
		seen[l] = true
	}
	return c, nil
}

package rule

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/firstline/firstline/internal/event"
	"github.com/firstline/firstline/internal/pattern"
	"github.com/firstline/firstline/internal/resource"
	"github.com/firstline/firstline/internal/store"
)

// KindName is the resource kind of rules.
const KindName = "Rule"

// Kind is the Rule resource kind: it validates rule specs for apply.
type Kind struct{ Targets *Targets }

// Name returns "Rule".
func (Kind) Name() string { return KindName }

// Normalize validates a rule spec and returns its canonical JSON.
func (k Kind) Normalize(_ string, spec json.RawMessage) (json.RawMessage, error) {
	s, _, err := ParseSpec(spec, k.Targets)
	if err != nil {
		return nil, err
	}
	return json.Marshal(s)
}

// compiled is a loaded rule.
type compiled struct {
	name    string
	spec    *Spec
	pattern *pattern.Pattern
	targets map[string]*Target
}

// Engine routes events to rule targets. It keeps the enabled rules in a
// pattern.Matcher, reloaded whenever the resource generation changes (on
// this replica at once through Reload, on others within PollInterval).
type Engine struct {
	Resources *resource.Store
	Events    *event.Store
	Targets   *Targets
	Logger    *slog.Logger
	Metrics   *Metrics
	// Account and Region form rule ARNs (arn:aws:events:REGION:ACCOUNT:rule/NAME).
	Account, Region string
	// RetryBase is the first retry delay (default 1 s); it doubles per attempt.
	RetryBase time.Duration
	// PollInterval is how often other replicas' changes are looked for
	// (default 1 s).
	PollInterval time.Duration

	mu      sync.RWMutex
	gen     int64
	loaded  bool
	rules   map[string]*compiled
	matcher *pattern.Matcher

	stop chan struct{}
	done chan struct{}
}

// Reload loads the rules again if they changed since the last load.
func (e *Engine) Reload(ctx context.Context) error {
	gen, err := e.Resources.Generation(ctx)
	if err != nil {
		return fmt.Errorf("reload rules: %w", err)
	}
	e.mu.RLock()
	fresh := e.loaded && gen == e.gen
	e.mu.RUnlock()
	if fresh {
		return nil
	}
	list, err := e.Resources.List(ctx, KindName)
	if err != nil {
		return fmt.Errorf("reload rules: %w", err)
	}
	rules := make(map[string]*compiled, len(list))
	m := pattern.NewMatcher()
	for _, r := range list {
		spec, p, err := ParseSpec(r.Spec, e.Targets)
		if err != nil {
			e.Logger.ErrorContext(ctx, "stored rule no longer valid; skipped", "rule", r.Name, "err", err)
			continue
		}
		c := &compiled{name: r.Name, spec: spec, pattern: p, targets: map[string]*Target{}}
		for i := range spec.Targets {
			c.targets[spec.Targets[i].Id] = &spec.Targets[i]
		}
		rules[r.Name] = c
		if spec.State == "ENABLED" {
			m.Add(r.Name, p)
		}
	}
	e.mu.Lock()
	e.gen, e.loaded, e.rules, e.matcher = gen, true, rules, m
	e.mu.Unlock()
	if e.Metrics != nil {
		for name := range rules {
			e.Metrics.initRule(name)
		}
	}
	e.Logger.DebugContext(ctx, "rules loaded", "count", len(rules), "generation", gen)
	return nil
}

// Start loads the rules and polls for changes until Stop.
func (e *Engine) Start(ctx context.Context) error {
	if err := e.Reload(ctx); err != nil {
		return err
	}
	interval := e.PollInterval
	if interval <= 0 {
		interval = time.Second
	}
	e.stop, e.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(e.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-e.stop:
				return
			case <-t.C:
				if err := e.Reload(context.Background()); err != nil {
					e.Logger.Warn("reload rules", "err", err)
				}
			}
		}
	}()
	return nil
}

// Stop ends polling; safe if never started.
func (e *Engine) Stop() {
	if e.stop != nil {
		close(e.stop)
		<-e.done
		e.stop = nil
	}
}

// RuleARN returns the ARN of a rule.
func (e *Engine) RuleARN(name string) string {
	return "arn:aws:events:" + e.Region + ":" + e.Account + ":rule/" + name
}

// DeliverArgs are the arguments of the rule.deliver job: one event to one
// target of one rule.
type DeliverArgs struct {
	EventID string `json:"event_id"`
	Rule    string `json:"rule"`
	Target  string `json:"target"`
	// Replay names the replay that produced this delivery, if any; the
	// event then carries "replay-name" as on EventBridge.
	Replay string `json:"replay,omitempty"`
}

// Kind is the stable job kind.
func (DeliverArgs) Kind() string { return "rule.deliver" }

// DeliveryQueue is the River queue of rule deliveries: they wait on the
// network, so they get their own, wider worker pool.
const DeliveryQueue = "rule_deliveries"

// planned is a delivery job to insert.
type planned struct {
	args DeliverArgs
	opts *river.InsertOpts
}

func insertMany(jobs []planned) []river.InsertManyParams {
	out := make([]river.InsertManyParams, len(jobs))
	for i, j := range jobs {
		out[i] = river.InsertManyParams{Args: j.args, InsertOpts: j.opts}
	}
	return out
}

// Plan matches events against the enabled rules (only, if rule is set,
// that one) and returns the delivery jobs to insert. It does no I/O, so
// callers run it before entering a shared transaction.
func (e *Engine) Plan(ids []string, bodies [][]byte, only, replay string) ([]planned, error) {
	e.mu.RLock()
	m, rules := e.matcher, e.rules
	e.mu.RUnlock()
	if m == nil || m.Len() == 0 {
		return nil, nil
	}
	var out []planned
	for i, body := range bodies {
		names, err := m.Match(body)
		if err != nil {
			return nil, fmt.Errorf("route event %s: %w", ids[i], err)
		}
		for _, name := range names {
			if only != "" && name != only {
				continue
			}
			r := rules[name]
			if e.Metrics != nil {
				e.Metrics.matched(name)
			}
			for _, t := range r.spec.Targets {
				attempts, _ := t.Retries()
				out = append(out, planned{
					args: DeliverArgs{EventID: ids[i], Rule: name, Target: t.Id, Replay: replay},
					opts: &river.InsertOpts{MaxAttempts: attempts + 1, Queue: DeliveryQueue},
				})
			}
		}
	}
	return out, nil
}

// Route plans the deliveries of freshly ingested events and returns the
// write that inserts their jobs, to run in the same transaction as the
// events (nil when nothing matches).
func (e *Engine) Route(enc *event.Encoded) (func(ctx context.Context, tx store.Tx) error, error) {
	e.mu.RLock()
	none := e.matcher == nil || e.matcher.Len() == 0
	e.mu.RUnlock()
	if none {
		return nil, nil
	}
	ids := make([]string, enc.Len())
	bodies := make([][]byte, enc.Len())
	for i := range ids {
		ids[i], bodies[i] = enc.Event(i)
	}
	jobs, err := e.Plan(ids, bodies, "", "")
	if err != nil || len(jobs) == 0 {
		return nil, err
	}
	params := insertMany(jobs)
	return func(ctx context.Context, tx store.Tx) error {
		if err := tx.InsertJobs(ctx, params); err != nil {
			return fmt.Errorf("enqueue %d deliveries: %w", len(params), err)
		}
		return nil
	}, nil
}

// rule returns a loaded rule and target.
func (e *Engine) target(rule, id string) (*compiled, *Target) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	r := e.rules[rule]
	if r == nil {
		return nil, nil
	}
	return r, r.targets[id]
}

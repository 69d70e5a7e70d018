// Package rule routes events to targets as Amazon EventBridge rules do
// (EventBridge User Guide › Rules; API Reference › PutRule, PutTargets,
// Target, RetryPolicy): an event pattern, a state (ENABLED or DISABLED) and
// up to five targets, each with input shaping (package rule/input), a
// RetryPolicy and a dead-letter list.
//
// # Flow
//
// Rules are resources of kind Rule (package resource), applied from YAML.
// The Engine keeps the enabled rules in a pattern.Matcher and reloads it
// when the resource generation changes. When events are ingested the API
// calls Engine.Route before entering the group commit: it matches the events
// and returns a write that inserts one rule.deliver River job per (event,
// target) — in the same transaction as the events, so an acknowledged
// matching event always has its deliveries, and a failed commit has none.
//
// DeliverWorker works a job: it loads the stored event, shapes the input,
// and hands it to the Deliverer registered for the target (Targets: Http,
// and one per ARN service — logs here; later capabilities add theirs).
// A 2xx is success; 429, 5xx and network errors are retried with
// exponential backoff and jitter until MaximumRetryAttempts or
// MaximumEventAgeInSeconds; anything else, and exhausted retries, go to the
// dead-letter list, from which Redrive enqueues them again.
//
// Delivery is at least once: a crash between a target's answer and the
// job's completion redelivers. Targets deduplicate by the event id, sent in
// the payload (the event's "id") and in the X-Firstline-Event-Id header.
package rule

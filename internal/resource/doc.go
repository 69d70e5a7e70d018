// Package resource stores firstline's declarative resources — documents of
// kind, name and spec, as `firstline apply` takes them — and holds the
// registry of kinds.
//
// A Kind (Rule today; state machines, topics, hooks later) owns its spec:
// it validates it and returns its canonical JSON. For kinds that come from
// AWS the spec fields are the AWS API / CloudFormation property names, so a
// CloudFormation Properties block pastes in. Kinds are registered by
// internal/server in one Registry value; apply never changes when a kind is
// added.
//
// Apply is idempotent: it compares the canonical spec with the stored one
// and reports created, updated or unchanged; with dryRun it validates and
// reports without writing. Every change bumps a generation counter in the
// same transaction, so components that cache resources (the rule engine)
// notice changes made through any replica.
package resource

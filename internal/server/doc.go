// Package server wires firstline together: it opens the store, builds the
// registries with the built-in plug-ins, starts the components and serves
// HTTP. It is the one package that imports them all; read Start top to
// bottom.
//
// # Lifecycle
//
// New validates the Config (every bad key reported at once). Start creates
// the data directory (0700), opens and migrates the store, makes sure an
// admin token exists (auth.Tokens.EnsureAdmin), registers the job workers
// and periodic jobs (event.prune hourly), starts the River client, builds
// the API and serves /api/v1, /metrics, /healthz and /readyz. /readyz
// answers 200 only once all of that is done and while the database answers.
//
// Shutdown (on SIGTERM through Run) marks the server not ready, stops
// accepting connections and waits for in-flight requests, commits every
// write already queued in the group committer, lets running jobs finish
// within the deadline (then cancels them), and closes the store. Nothing
// acknowledged is lost: an acknowledgement is only sent after commit.
//
// # Configuration
//
// Config is filled from Defaults, then the YAML file (--config, ${VAR}
// expanded, unknown keys rejected), then the flags set on the command line.
package server

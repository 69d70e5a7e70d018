// Package ingest receives alerts from monitoring systems at
// POST /hooks/{name} and turns them into events on the bus.
//
// A hook is a resource of kind Hook: a name, a Type naming a receiver
// (alertmanager, grafana, sns, eventbridge, generic — one sub-folder each)
// and an Auth setting (Bearer, Basic, Hmac; SNS verifies its own message
// signatures). The Handler authenticates the request (401 and a counted
// failure otherwise; nothing is stored), bounds the body (1 MiB, 413
// above), lets the receiver parse it into events (400 with the field named
// when it cannot), and answers 2xx only after the events are committed —
// through the same group commit and rule routing as PutEvents.
//
// A receiver decides nothing else: what happens to its events is up to the
// rules.
package ingest

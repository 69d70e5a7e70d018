// Package event defines firstline's canonical event — the Amazon EventBridge
// event envelope — and the event store: validation of PutEvents entries,
// append with group commit, listing with filters and pagination, fetch by
// id, and retention pruning.
//
// # Envelope
//
// Every event on the bus has the EventBridge shape (EventBridge User Guide ›
// Events › Event structure):
//
//	{"version":"0","id":"<uuid>","detail-type":"...","source":"...",
//	 "account":"<12 digits>","time":"2026-01-02T15:04:05Z","region":"...",
//	 "resources":["..."],"detail":{...}}
//
// account and region come from the server's configuration (defaults
// 000000000000 and local-1); id is a random UUID assigned on ingest.
//
// # PutEvents
//
// ParsePutEvents reads a PutEvents request body (EventBridge API Reference ›
// PutEvents, PutEventsRequestEntry): 1 to 10 entries; each needs Source (1 to
// 256 characters), DetailType (1 to 128) and Detail (a JSON object, nested
// at most 1100 levels); Resources holds at most 100 strings of at most 2048
// characters; Time is RFC 3339 or epoch seconds and defaults to the time of
// the call. An entry's size is computed as EventBridge does (User Guide ›
// Calculating PutEvents event entry size): 14 bytes for Time if present plus
// the UTF-8 bytes of Source, DetailType, Detail and each resource; at most
// 262144 bytes (256 KB). A bad entry is reported in its result slot with an
// EventBridge ErrorCode (InvalidArgument, MalformedDetail) and does not fail
// its neighbours; a request that is not PutEvents-shaped at all fails whole
// with a *ValidationError naming the field.
//
// # Store
//
// Store.Append inserts events inside a caller's transaction (store.Tx), so
// events, the audit entry of the request and any job they cause commit
// together. Events are append-only; Prune deletes those ingested before the
// retention horizon, in bounded batches, and is run by the periodic River
// job event.prune. List returns newest first, filtered by source,
// detail-type, resource and event time, paginated by an opaque next token.
package event

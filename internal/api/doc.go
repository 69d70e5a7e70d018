// Package api serves firstline's REST/JSON API under /api/v1.
//
// Every route is declared once in the table built by (*API).routes, with its
// method, path, the least role it needs, and its audit action. The table
// drives the router, the role checks, the audit log and the test that keeps
// the OpenAPI document (openapi.json, served at /api/v1/openapi.json) in step
// with the handlers.
//
// # Request flow
//
// request id (X-Request-Id, echoed) → access log and metrics by route and
// status → bearer token authentication (401) → role check (403) → audit
// entry opened (mutating routes) → handler → audit entry written with the
// outcome, unless the handler wrote it in its own transaction.
//
// # Errors
//
// Every error has one shape, {"error":{"code","message","field"}}, written by
// writeError, the one place errors become statuses: an error with a Field()
// method is 400 (or the ErrorCode() it carries), store.ErrNotFound 404,
// store.ErrConflict 409, auth.ErrUnauthorized 401; anything else is 500 with
// the request id and no internal text (the text is logged). The codes form
// a closed list, documented in the OpenAPI file.
//
// # PutEvents
//
// POST /api/v1/events follows EventBridge PutEvents. Valid entries and the
// audit entry go to the store's group committer as one write; the response
// is sent only after the transaction holding them committed, so a 2xx with
// an EventId means the event is durable. A failed entry never fails its
// neighbours.
package api

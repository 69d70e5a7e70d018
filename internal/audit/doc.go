// Package audit records who changed what through the API: the token (id,
// name, role), the action (a stable name such as events.put or
// tokens.create), the resource it touched, the time, the outcome and the HTTP
// status. Entries never hold secrets: the api package builds Detail from
// request fields that are not secret (names, roles, counts), never bodies.
//
// An entry is written in the same transaction as the change when the handler
// has one (Pending.WriteIn), so a committed change always has its entry;
// otherwise the api middleware writes it once the outcome is known.
package audit

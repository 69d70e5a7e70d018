package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/firstline/firstline/internal/store"
)

// Outcomes of an audited call.
const (
	Success = "success"
	Failure = "failure"
	Denied  = "denied"
)

// Entry is one audit record.
type Entry struct {
	Time      time.Time         `json:"time"`
	TokenID   string            `json:"tokenId"`
	TokenName string            `json:"tokenName"`
	Role      string            `json:"role"`
	Action    string            `json:"action"`
	Resource  string            `json:"resource"`
	Outcome   string            `json:"outcome"`
	Status    int               `json:"status"`
	RequestID string            `json:"requestId"`
	Detail    map[string]string `json:"detail,omitempty"`
}

const (
	qList = `SELECT seq, time_us, token_id, token_name, role, action, resource, outcome, status, request_id, detail FROM audit_log`
)

var cols = []string{"time_us", "token_id", "token_name", "role", "action", "resource", "outcome", "status", "request_id", "detail"}

// Insert queues e in tx; it is written when tx commits (see store.Tx.Insert).
func Insert(tx store.Tx, e Entry) {
	detail := "{}"
	if len(e.Detail) > 0 {
		b, _ := json.Marshal(e.Detail)
		detail = string(b)
	}
	tx.Insert("audit_log", cols, e.Time.UnixMicro(), e.TokenID, e.TokenName, e.Role, e.Action, e.Resource, e.Outcome, e.Status, e.RequestID, detail)
}

// Pending is the audit entry of a request in flight. The handler fills
// Resource and Detail, and may write it inside its own transaction.
type Pending struct {
	Entry
	written atomic.Bool
}

// WriteIn writes the entry inside tx with the given outcome and status.
// The caller must call Committed after tx commits, so the middleware does
// not write it again.
func (p *Pending) WriteIn(tx store.Tx, outcome string, status int) {
	e := p.Entry
	e.Outcome, e.Status = outcome, status
	Insert(tx, e)
}

// Committed marks the entry as written.
func (p *Pending) Committed() { p.written.Store(true) }

// Written reports whether the entry was written by the handler.
func (p *Pending) Written() bool { return p.written.Load() }

type ctxKey struct{}

// WithPending returns ctx carrying p.
func WithPending(ctx context.Context, p *Pending) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// FromContext returns the request's pending entry, or nil.
func FromContext(ctx context.Context) *Pending {
	p, _ := ctx.Value(ctxKey{}).(*Pending)
	return p
}

// Filter selects audit entries. Zero fields do not filter.
type Filter struct {
	TokenName string
	Action    string
	Since     time.Time
	Limit     int
	NextToken string
}

// ValidationError rejects a filter field.
type ValidationError struct{ Path, Msg string }

func (e *ValidationError) Error() string { return e.Path + ": " + e.Msg }

// Field returns the rejected field.
func (e *ValidationError) Field() string { return e.Path }

// List returns entries newest first and the next page's token.
func List(ctx context.Context, db *store.Store, f Filter) ([]Entry, string, error) {
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	if f.NextToken != "" {
		seq, err := store.ParseCursor("a", f.NextToken)
		if err != nil {
			return nil, "", &ValidationError{"next-token", "is not a token this server issued"}
		}
		where = append(where, "seq < "+arg(seq))
	}
	if f.TokenName != "" {
		where = append(where, "token_name = "+arg(f.TokenName))
	}
	if f.Action != "" {
		where = append(where, "action = "+arg(f.Action))
	}
	if !f.Since.IsZero() {
		where = append(where, "time_us >= "+arg(f.Since.UnixMicro()))
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	q := qList
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY seq DESC LIMIT " + arg(limit+1)
	rows, err := db.Query(ctx, q, args...)
	if err != nil {
		return nil, "", fmt.Errorf("list audit entries: %w", err)
	}
	defer rows.Close()
	var out []Entry
	var last int64
	for rows.Next() {
		var e Entry
		var seq, us int64
		var detail string
		if err := rows.Scan(&seq, &us, &e.TokenID, &e.TokenName, &e.Role, &e.Action, &e.Resource, &e.Outcome, &e.Status, &e.RequestID, &detail); err != nil {
			return nil, "", fmt.Errorf("list audit entries: %w", err)
		}
		if len(out) == limit {
			return out, store.Cursor("a", last), nil
		}
		e.Time = time.UnixMicro(us).UTC()
		_ = json.Unmarshal([]byte(detail), &e.Detail)
		out = append(out, e)
		last = seq
	}
	return out, "", rows.Err()
}

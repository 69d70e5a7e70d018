package event

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/firstline/firstline/internal/store"
)

// Store is the append-only event store.
type Store struct {
	db *store.Store
}

// NewStore returns the event store on db.
func NewStore(db *store.Store) *Store { return &Store{db: db} }

// Encoded is a set of events ready to insert: bodies encoded, rows built.
// Building it is the costly part of an append, so callers do it before
// they enter a transaction shared with others (the group commit).
type Encoded struct {
	events    [][]any
	resources [][]any
}

// Len is the number of events.
func (e *Encoded) Len() int { return len(e.events) }

// Event returns the id and the envelope JSON of event i.
func (e *Encoded) Event(i int) (id string, body []byte) {
	return e.events[i][0].(string), []byte(e.events[i][5].(string))
}

var (
	eventCols    = []string{"id", "source", "detail_type", "time_us", "ingested_us", "body"}
	resourceCols = []string{"event_id", "resource"}
)

// Encode prepares evs for Append. ingested is the ingest time used for
// retention.
func Encode(evs []*Event, ingested time.Time) (*Encoded, error) {
	enc := &Encoded{events: make([][]any, 0, len(evs))}
	for _, e := range evs {
		body, err := json.Marshal(e)
		if err != nil {
			return nil, fmt.Errorf("encode event %s: %w", e.ID, err)
		}
		enc.events = append(enc.events, []any{e.ID, e.Source, e.DetailType, e.Time.UnixMicro(), ingested.UnixMicro(), string(body)})
		seen := make(map[string]bool, len(e.Resources))
		for _, r := range e.Resources {
			if !seen[r] { // a duplicate would break the key
				seen[r] = true
				enc.resources = append(enc.resources, []any{e.ID, r})
			}
		}
	}
	return enc, nil
}

// Append queues the encoded events in tx; they become visible when tx
// commits. It does no I/O itself: the rows are written at commit, together
// with every other write of the transaction (see store.Tx.Insert).
func (s *Store) Append(tx store.Tx, enc *Encoded) {
	for _, row := range enc.events {
		tx.Insert("events", eventCols, row...)
	}
	for _, row := range enc.resources {
		tx.Insert("event_resources", resourceCols, row...)
	}
}

// Get returns the event with id, or an error wrapping store.ErrNotFound.
func (s *Store) Get(ctx context.Context, id string) (*Event, error) {
	var body string
	if err := s.db.QueryRow(ctx, qGetEvent, id).Scan(&body); err != nil {
		return nil, fmt.Errorf("get event %s: %w", id, err)
	}
	var e Event
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		return nil, fmt.Errorf("get event %s: decode: %w", id, err)
	}
	return &e, nil
}

// Stored is an event as stored: its envelope JSON and when it was ingested.
type Stored struct {
	Body     []byte
	Ingested time.Time
}

// GetStored returns the stored envelope of id, or an error wrapping
// store.ErrNotFound.
func (s *Store) GetStored(ctx context.Context, id string) (Stored, error) {
	var body string
	var us int64
	if err := s.db.QueryRow(ctx, qGetStored, id).Scan(&body, &us); err != nil {
		return Stored{}, fmt.Errorf("get event %s: %w", id, err)
	}
	return Stored{Body: []byte(body), Ingested: time.UnixMicro(us).UTC()}, nil
}

// Row is an event in ingest order, for replays.
type Row struct {
	Seq  int64
	ID   string
	Body []byte
}

// Scan returns up to limit events whose event time is in [since, until)
// and that come after afterSeq in ingest order, oldest first.
func (s *Store) Scan(ctx context.Context, since, until time.Time, afterSeq int64, limit int) ([]Row, error) {
	rows, err := s.db.Query(ctx, qScan, since.UnixMicro(), until.UnixMicro(), afterSeq, limit)
	if err != nil {
		return nil, fmt.Errorf("scan events: %w", err)
	}
	defer rows.Close()
	var out []Row
	for rows.Next() {
		var r Row
		var body string
		if err := rows.Scan(&r.Seq, &r.ID, &body); err != nil {
			return nil, fmt.Errorf("scan events: %w", err)
		}
		r.Body = []byte(body)
		out = append(out, r)
	}
	return out, rows.Err()
}

// Filter selects events for List. Zero fields do not filter.
type Filter struct {
	Source     string
	DetailType string
	// Resource matches events whose resources contain it exactly.
	Resource string
	// Since and Until bound the event time (Since inclusive, Until exclusive).
	Since, Until time.Time
	// Limit is the page size: default 100, at most 1000.
	Limit int
	// NextToken continues a previous List; it is opaque.
	NextToken string
}

// Page size limits for List.
const (
	DefaultListLimit = 100
	MaxListLimit     = 1000
)

// ErrInvalidToken is returned by List for a next token it did not issue.
var ErrInvalidToken = &ValidationError{Path: "next-token", Code: "ValidationException", Msg: "is not a token this server issued"}

// List returns events matching f, newest first, and the token for the next
// page ("" when there is none).
func (s *Store) List(ctx context.Context, f Filter) ([]*Event, string, error) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.NextToken != "" {
		seq, err := store.ParseCursor("e", f.NextToken)
		if err != nil {
			return nil, "", ErrInvalidToken
		}
		where = append(where, "seq < "+arg(seq))
	}
	if f.Source != "" {
		where = append(where, "source = "+arg(f.Source))
	}
	if f.DetailType != "" {
		where = append(where, "detail_type = "+arg(f.DetailType))
	}
	if f.Resource != "" {
		where = append(where, "id IN (SELECT event_id FROM event_resources WHERE resource = "+arg(f.Resource)+")")
	}
	if !f.Since.IsZero() {
		where = append(where, "time_us >= "+arg(f.Since.UnixMicro()))
	}
	if !f.Until.IsZero() {
		where = append(where, "time_us < "+arg(f.Until.UnixMicro()))
	}
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultListLimit
	}
	limit = min(limit, MaxListLimit)
	q := qListEvents
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY seq DESC LIMIT " + arg(limit+1)
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, "", fmt.Errorf("list events: %w", err)
	}
	defer rows.Close()
	var out []*Event
	var lastSeq int64
	for rows.Next() {
		var seq int64
		var body string
		if err := rows.Scan(&seq, &body); err != nil {
			return nil, "", fmt.Errorf("list events: %w", err)
		}
		if len(out) == limit {
			return out, store.Cursor("e", lastSeq), rows.Err()
		}
		var e Event
		if err := json.Unmarshal([]byte(body), &e); err != nil {
			return nil, "", fmt.Errorf("list events: decode: %w", err)
		}
		out = append(out, &e)
		lastSeq = seq
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("list events: %w", err)
	}
	return out, "", nil
}

// Prune deletes events ingested before horizon, batch rows per transaction
// (batch <= 0 means 1000), and returns how many it deleted.
func (s *Store) Prune(ctx context.Context, horizon time.Time, batch int) (int64, error) {
	if batch <= 0 {
		batch = 1000
	}
	var total int64
	for {
		var n int64
		err := s.db.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
			if _, err := tx.Exec(ctx, qPruneResources, horizon.UnixMicro(), batch); err != nil {
				return err
			}
			var err error
			n, err = tx.Exec(ctx, qPruneEvents, horizon.UnixMicro(), batch)
			return err
		})
		if err != nil {
			return total, fmt.Errorf("prune events before %s: %w", horizon.Format(time.RFC3339), err)
		}
		total += n
		if n < int64(batch) {
			return total, nil
		}
		if err := ctx.Err(); err != nil {
			return total, errors.Join(fmt.Errorf("prune events: stopped after %d", total), err)
		}
	}
}

// Count returns the number of stored events.
func (s *Store) Count(ctx context.Context) (int64, error) {
	var n int64
	if err := s.db.QueryRow(ctx, qCountEvents).Scan(&n); err != nil {
		return 0, fmt.Errorf("count events: %w", err)
	}
	return n, nil
}

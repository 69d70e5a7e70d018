package event_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/firstline/firstline/internal/event"
	"github.com/firstline/firstline/internal/store"
	"github.com/firstline/firstline/internal/store/storetest"
)

// t0 is a base event time for store tests.
var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// openEvents returns a fresh migrated database of dialect d and its event
// store.
func openEvents(t *testing.T, d store.Dialect) (*store.Store, *event.Store) {
	t.Helper()
	db := storetest.Open(t, d)
	return db, event.NewStore(db)
}

// newEvent returns a well-formed event with a fresh id.
func newEvent(source, detailType string, tm time.Time, resources ...string) *event.Event {
	if resources == nil {
		resources = []string{}
	}
	return &event.Event{
		Version: "0", ID: uuid.NewString(), DetailType: detailType, Source: source,
		Account: "123456789012", Time: tm.UTC().Truncate(time.Second), Region: "us-east-1",
		Resources: resources, Detail: json.RawMessage(fmt.Sprintf(`{"source":%q,"n":1}`, source)),
	}
}

// appendEvents appends evs in one committed transaction.
func appendEvents(t *testing.T, db *store.Store, es *event.Store, ingested time.Time, evs ...*event.Event) {
	t.Helper()
	require.NoError(t, db.InTx(context.Background(), func(ctx context.Context, tx store.Tx) error {
		return appendTx(es, tx, evs, ingested)
	}))
}

func countEvents(t *testing.T, es *event.Store) int64 {
	t.Helper()
	n, err := es.Count(context.Background())
	require.NoError(t, err)
	return n
}

// countResources counts event_resources rows, of the given events only if
// any are given.
func countResources(t *testing.T, db *store.Store, ids ...string) int64 {
	t.Helper()
	ctx := context.Background()
	var total int64
	if len(ids) == 0 {
		require.NoError(t, db.QueryRow(ctx, `SELECT COUNT(*) FROM event_resources`).Scan(&total))
		return total
	}
	for _, id := range ids {
		var n int64
		require.NoError(t, db.QueryRow(ctx, `SELECT COUNT(*) FROM event_resources WHERE event_id = $1`, id).Scan(&n))
		total += n
	}
	return total
}

func ids(evs []*event.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.ID
	}
	return out
}

// newestFirst returns the ids of evs in reverse (append) order.
func newestFirst(evs ...*event.Event) []string {
	out := ids(evs)
	slices.Reverse(out)
	return out
}

func TestStoreAppendGet(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		db, es := openEvents(t, d)

		batch, err := event.ParsePutEvents([]byte(`{"Entries":[
			{"Source":"app.orders","DetailType":"Order Placed","Detail":"{\"id\":1,\"note\":\"<b>ünï</b>\"}","Time":"2026-01-02T03:04:05Z","Resources":["arn:a","arn:b","arn:a"]},
			{"Source":"app.orders","DetailType":"Order Placed","Detail":"[]"},
			{"Source":"app.billing","DetailType":"Invoice Paid","Detail":"{\"nested\":{\"deep\":[1,2,{\"x\":null}]}}"}
		]}`), event.Defaults{Account: "123456789012", Region: "eu-west-1"}, testNow)
		require.NoError(t, err)
		evs := batch.Valid()
		require.Len(t, evs, 2)

		require.NoError(t, db.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
			if err := appendTx(es, tx, evs, testNow); err != nil {
				return err
			}
			// Not visible before commit.
			_, err := es.Get(ctx, evs[0].ID)
			require.ErrorIs(t, err, store.ErrNotFound)
			return nil
		}))

		require.Equal(t, int64(2), countEvents(t, es))
		for _, want := range evs {
			got, err := es.Get(ctx, want.ID)
			require.NoError(t, err)
			requireEqualEvents(t, want, got)
			require.Equal(t, want.Time, got.Time)
		}
		// The duplicate resource is kept in the envelope but indexed once.
		require.Equal(t, int64(2), countResources(t, db, evs[0].ID))
		require.Equal(t, int64(0), countResources(t, db, evs[1].ID))

		_, err = es.Get(ctx, uuid.NewString())
		require.ErrorIs(t, err, store.ErrNotFound)

		// Appending nothing is a no-op.
		require.NoError(t, db.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
			return appendTx(es, tx, nil, testNow)
		}))
		require.Equal(t, int64(2), countEvents(t, es))
	})
}

func TestStoreAppendRollback(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		db, es := openEvents(t, d)

		t.Run("fn fails", func(t *testing.T) {
			ev := newEvent("s", "t", t0, "arn:a")
			boom := errors.New("boom")
			err := db.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
				require.NoError(t, appendTx(es, tx, []*event.Event{ev}, t0))
				return boom
			})
			require.ErrorIs(t, err, boom)
			require.Zero(t, countEvents(t, es))
			require.Zero(t, countResources(t, db))
			_, err = es.Get(ctx, ev.ID)
			require.ErrorIs(t, err, store.ErrNotFound)
		})

		t.Run("commit fails on a duplicate id", func(t *testing.T) {
			first := newEvent("s", "t", t0, "arn:a")
			dup := *first
			dup.Resources = []string{"arn:b"}
			other := newEvent("s", "t", t0, "arn:c")
			err := db.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
				return appendTx(es, tx, []*event.Event{first, other, &dup}, t0)
			})
			require.ErrorIs(t, err, store.ErrConflict)
			require.Zero(t, countEvents(t, es))
			require.Zero(t, countResources(t, db))

			// An id already stored conflicts too, and takes its batch with it.
			appendEvents(t, db, es, t0, first)
			err = db.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
				return appendTx(es, tx, []*event.Event{other, &dup}, t0)
			})
			require.ErrorIs(t, err, store.ErrConflict)
			require.Equal(t, int64(1), countEvents(t, es))
			require.Equal(t, int64(1), countResources(t, db))
			_, err = es.Get(ctx, other.ID)
			require.ErrorIs(t, err, store.ErrNotFound)
		})
	})
}

func TestStoreListFilters(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		db, es := openEvents(t, d)
		e1 := newEvent("a", "X", t0, "r1")
		e2 := newEvent("b", "X", t0.Add(1*time.Hour), "r1", "r2")
		e3 := newEvent("a", "Y", t0.Add(2*time.Hour))
		e4 := newEvent("a", "X", t0.Add(3*time.Hour), "r2")
		// e5 arrives last but happened first: List orders by arrival.
		e5 := newEvent("c", "Z", t0.Add(-time.Hour), "r1")
		appendEvents(t, db, es, t0, e1, e2, e3)
		appendEvents(t, db, es, t0, e4)
		appendEvents(t, db, es, t0, e5)

		tests := []struct {
			name   string
			filter event.Filter
			want   []*event.Event // newest first
		}{
			{"all", event.Filter{}, []*event.Event{e5, e4, e3, e2, e1}},
			{"source", event.Filter{Source: "a"}, []*event.Event{e4, e3, e1}},
			{"detail-type", event.Filter{DetailType: "X"}, []*event.Event{e4, e2, e1}},
			{"resource r1", event.Filter{Resource: "r1"}, []*event.Event{e5, e2, e1}},
			{"resource r2", event.Filter{Resource: "r2"}, []*event.Event{e4, e2}},
			{"resource is exact", event.Filter{Resource: "r"}, nil},
			{"since is inclusive", event.Filter{Since: t0.Add(time.Hour)}, []*event.Event{e4, e3, e2}},
			{"until is exclusive", event.Filter{Until: t0.Add(2 * time.Hour)}, []*event.Event{e5, e2, e1}},
			{"since and until", event.Filter{Since: t0.Add(time.Hour), Until: t0.Add(3 * time.Hour)}, []*event.Event{e3, e2}},
			{"since in another zone", event.Filter{Since: t0.Add(3 * time.Hour).In(time.FixedZone("X", -5*3600))}, []*event.Event{e4}},
			{"source and detail-type and resource", event.Filter{Source: "a", DetailType: "X", Resource: "r2"}, []*event.Event{e4}},
			{"source and since", event.Filter{Source: "a", Since: t0.Add(time.Hour)}, []*event.Event{e4, e3}},
			{"no match", event.Filter{Source: "nope"}, nil},
			{"empty window", event.Filter{Since: t0, Until: t0}, nil},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				got, next, err := es.List(ctx, tc.filter)
				require.NoError(t, err)
				require.Empty(t, next)
				require.Equal(t, ids(tc.want), ids(got))
				for i, g := range got {
					requireEqualEvents(t, tc.want[i], g)
				}
			})
		}
	})
}

// listAll pages through List with f and returns the ids of every page.
func listAll(t *testing.T, es *event.Store, f event.Filter) [][]string {
	t.Helper()
	var pages [][]string
	for {
		evs, next, err := es.List(context.Background(), f)
		require.NoError(t, err)
		pages = append(pages, ids(evs))
		if next == "" {
			return pages
		}
		require.Len(t, evs, max(f.Limit, 1), "a page with a next token is full")
		require.Less(t, len(pages), 1000, "pagination does not end")
		f.NextToken = next
	}
}

func TestStoreListPagination(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		db, es := openEvents(t, d)
		var all, odd []*event.Event
		require.NoError(t, db.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
			for i := range 25 {
				source := "even"
				if i%2 == 1 {
					source = "odd"
				}
				ev := newEvent(source, "t", t0.Add(time.Duration(i)*time.Minute))
				all = append(all, ev)
				if source == "odd" {
					odd = append(odd, ev)
				}
				// One Append per event: arrival order is event order.
				if err := appendTx(es, tx, []*event.Event{ev}, t0); err != nil {
					return err
				}
			}
			return nil
		}))

		tests := []struct {
			name   string
			filter event.Filter
			want   []*event.Event
			sizes  []int
		}{
			{"limit 10", event.Filter{Limit: 10}, all, []int{10, 10, 5}},
			{"limit 5, last page full", event.Filter{Limit: 5}, all, []int{5, 5, 5, 5, 5}},
			{"limit 1", event.Filter{Limit: 1}, all, slices.Repeat([]int{1}, 25)},
			{"limit 25", event.Filter{Limit: 25}, all, []int{25}},
			{"limit 24", event.Filter{Limit: 24}, all, []int{24, 1}},
			{"default limit", event.Filter{}, all, []int{25}},
			{"negative limit is the default", event.Filter{Limit: -1}, all, []int{25}},
			{"filtered", event.Filter{Source: "odd", Limit: 5}, odd, []int{5, 5, 2}},
			{"filtered by time", event.Filter{Since: t0.Add(10 * time.Minute), Until: t0.Add(20 * time.Minute), Limit: 4}, all[10:20], []int{4, 4, 2}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				pages := listAll(t, es, tc.filter)
				var sizes []int
				var got []string
				for _, p := range pages {
					sizes = append(sizes, len(p))
					got = append(got, p...)
				}
				require.Equal(t, tc.sizes, sizes)
				// Newest first, every event exactly once.
				require.Equal(t, newestFirst(tc.want...), got)
			})
		}
	})
}

func TestStoreListPaginationStableUnderAppend(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		db, es := openEvents(t, d)
		var evs []*event.Event
		for i := range 12 {
			evs = append(evs, newEvent("s", "t", t0.Add(time.Duration(i)*time.Second)))
		}
		appendEvents(t, db, es, t0, evs...)

		page1, next, err := es.List(ctx, event.Filter{Limit: 5})
		require.NoError(t, err)
		require.Equal(t, newestFirst(evs[7:]...), ids(page1))

		// Events arriving between pages do not shift the pages already
		// promised: no duplicates, no gaps.
		late := newEvent("s", "t", t0.Add(time.Hour))
		appendEvents(t, db, es, t0, late)

		page2, next, err := es.List(ctx, event.Filter{Limit: 5, NextToken: next})
		require.NoError(t, err)
		require.Equal(t, newestFirst(evs[2:7]...), ids(page2))
		page3, next, err := es.List(ctx, event.Filter{Limit: 5, NextToken: next})
		require.NoError(t, err)
		require.Equal(t, newestFirst(evs[:2]...), ids(page3))
		require.Empty(t, next)

		first, _, err := es.List(ctx, event.Filter{Limit: 1})
		require.NoError(t, err)
		require.Equal(t, []string{late.ID}, ids(first))
	})
}

func TestStoreListMaxLimit(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		db, es := openEvents(t, d)
		evs := make([]*event.Event, event.MaxListLimit+1)
		for i := range evs {
			evs[i] = newEvent("s", "t", t0)
		}
		appendEvents(t, db, es, t0, evs...)
		require.Equal(t, int64(len(evs)), countEvents(t, es))

		page, next, err := es.List(ctx, event.Filter{Limit: 5000})
		require.NoError(t, err)
		require.Len(t, page, event.MaxListLimit)
		require.NotEmpty(t, next)
		rest, next, err := es.List(ctx, event.Filter{Limit: 5000, NextToken: next})
		require.NoError(t, err)
		require.Equal(t, []string{evs[0].ID}, ids(rest))
		require.Empty(t, next)

		page, next, err = es.List(ctx, event.Filter{})
		require.NoError(t, err)
		require.Len(t, page, event.DefaultListLimit)
		require.NotEmpty(t, next)
	})
}

func TestStoreListInvalidToken(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		db, es := openEvents(t, d)
		appendEvents(t, db, es, t0, newEvent("s", "t", t0))
		b64 := base64.RawURLEncoding.EncodeToString
		tests := []struct{ name, token string }{
			{"not base64", "!!!"},
			{"raw, not encoded", "e:1"},
			{"padded base64", base64.URLEncoding.EncodeToString([]byte("e:12"))},
			{"wrong prefix", b64([]byte("x:1"))},
			{"no prefix", b64([]byte("1"))},
			{"not a number", b64([]byte("e:abc"))},
			{"empty number", b64([]byte("e:"))},
			{"overflow", b64([]byte("e:99999999999999999999"))},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				evs, next, err := es.List(ctx, event.Filter{NextToken: tc.token})
				require.ErrorIs(t, err, event.ErrInvalidToken)
				var ve *event.ValidationError
				require.ErrorAs(t, err, &ve)
				require.Equal(t, "next-token", ve.Field())
				require.Equal(t, "ValidationException", ve.ErrorCode())
				require.Empty(t, evs)
				require.Empty(t, next)
			})
		}
	})
}

// appendTx encodes evs and queues them in tx.
func appendTx(es *event.Store, tx store.Tx, evs []*event.Event, ingested time.Time) error {
	enc, err := event.Encode(evs, ingested)
	if err != nil {
		return err
	}
	es.Append(tx, enc)
	return nil
}

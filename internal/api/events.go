package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/firstline/firstline/internal/audit"
	"github.com/firstline/firstline/internal/event"
	"github.com/firstline/firstline/internal/store"
	"github.com/firstline/firstline/internal/timearg"
)

// MaxPutEventsBody bounds a PutEvents request body: ten entries of 256 KB
// and the JSON around them.
const MaxPutEventsBody = event.MaxEntries*event.MaxEntrySize + 64*1024

// maxJSONBody bounds other request bodies.
const maxJSONBody = 1 << 20

func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && mt != "application/x-amz-json-1.1" && !strings.HasSuffix(mt, "+json")) {
			return nil, errStatus(http.StatusUnsupportedMediaType, CodeUnsupportedMedia, "Content-Type must be application/json, not "+ct)
		}
	}
	return io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
}

func (a *API) putEvents(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(w, r, MaxPutEventsBody)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errStatus(http.StatusRequestEntityTooLarge, CodePayloadTooLarge,
				fmt.Sprintf("request body is larger than %d bytes (10 entries of 256 KB)", MaxPutEventsBody))
		}
		return err
	}
	now := a.Now()
	batch, err := event.ParsePutEvents(body, a.Defaults, now)
	if err != nil {
		return err
	}
	valid := batch.Valid()
	resp := batch.Response()
	pending := audit.FromContext(r.Context())
	pending.Resource = "events"
	pending.Detail = map[string]string{"entries": strconv.Itoa(len(batch.Events)), "failed": strconv.Itoa(resp.FailedEntryCount)}
	if len(valid) > 0 {
		err := a.commitEvents(r.Context(), valid, now, func(tx store.Tx) {
			pending.WriteIn(tx, audit.Success, http.StatusOK)
		})
		if err != nil {
			if ctxErr := r.Context().Err(); ctxErr != nil {
				// The client is gone; the outcome is unknown to it anyway.
				return ctxErr
			}
			if errors.Is(err, store.ErrOutcomeUnknown) {
				a.logger.ErrorContext(r.Context(), "commit events: outcome unknown", "count", len(valid), "err", err)
				return errStatus(http.StatusServiceUnavailable, CodeServiceUnavailable,
					"the database connection broke while committing: the events may or may not be stored; list them before sending again")
			}
			a.logger.ErrorContext(r.Context(), "commit events", "count", len(valid), "err", err)
			batch.Fail(event.CodeInternalFailure, "the event could not be committed; it was not stored and may be retried")
			resp = batch.Response()
			pending.Detail["failed"] = strconv.Itoa(resp.FailedEntryCount)
		} else {
			pending.Committed()
		}
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// EventList is the body of GET /api/v1/events.
type EventList struct {
	Events    []*event.Event `json:"Events"`
	NextToken string         `json:"NextToken,omitempty"`
}

func (a *API) listEvents(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := event.Filter{
		Source:     q.Get("source"),
		DetailType: q.Get("detail-type"),
		Resource:   q.Get("resource"),
		NextToken:  q.Get("next-token"),
	}
	var err error
	if f.Since, err = queryTime(q.Get("since"), "since", a.Now()); err != nil {
		return err
	}
	if f.Until, err = queryTime(q.Get("until"), "until", a.Now()); err != nil {
		return err
	}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > event.MaxListLimit {
			return errField("limit", fmt.Sprintf("must be an integer from 1 to %d", event.MaxListLimit))
		}
		f.Limit = n
	}
	evs, next, err := a.Events.List(r.Context(), f)
	if err != nil {
		return err
	}
	if evs == nil {
		evs = []*event.Event{}
	}
	writeJSON(w, http.StatusOK, EventList{Events: evs, NextToken: next})
	return nil
}

// queryTime parses a since/until query parameter (see timearg.Parse).
func queryTime(s, field string, now time.Time) (time.Time, error) {
	t, err := timearg.Parse(s, now)
	if err != nil {
		return time.Time{}, errField(field, err.Error())
	}
	return t, nil
}

func (a *API) getEvent(w http.ResponseWriter, r *http.Request) error {
	ev, err := a.Events.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ev)
	return nil
}

// Ingest commits events that arrived other than through PutEvents (hooks)
// with their rule deliveries, through the same group commit; it returns
// once they are durable. The events must be complete (event.Finish).
func (a *API) Ingest(ctx context.Context, evs []*event.Event) error {
	return a.commitEvents(ctx, evs, a.Now(), nil)
}

// commitEvents encodes evs and matches them against the rules here, in
// parallel with other requests, then commits them with their deliveries
// (and whatever inTx adds) in a shared group-commit transaction.
func (a *API) commitEvents(ctx context.Context, evs []*event.Event, now time.Time, inTx func(tx store.Tx)) error {
	enc, err := event.Encode(evs, now)
	if err != nil {
		return err
	}
	var route func(ctx context.Context, tx store.Tx) error
	if a.Rules != nil {
		if route, err = a.Rules.Route(enc); err != nil {
			return err
		}
	}
	err = a.Committer.Submit(ctx, func(ctx context.Context, tx store.Tx) error {
		a.Events.Append(tx, enc)
		if inTx != nil {
			inTx(tx)
		}
		if route != nil {
			return route(ctx, tx)
		}
		return nil
	})
	if err == nil && a.Metrics != nil {
		for _, e := range evs {
			a.Metrics.ingested(e.Source)
		}
	}
	return err
}

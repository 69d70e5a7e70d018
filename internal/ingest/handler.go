package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/firstline/firstline/internal/event"
	"github.com/firstline/firstline/internal/resource"
	"github.com/firstline/firstline/internal/store"
)

// MaxBody bounds a hook request body (413 above).
const MaxBody = 1 << 20

// Ingester commits events (with their rule deliveries) and returns when
// they are durable; the api package provides it.
type Ingester func(ctx context.Context, evs []*event.Event) error

// Handler serves POST /hooks/{name}.
type Handler struct {
	Resources *resource.Store
	Types     *Types
	Ingest    Ingester
	Defaults  event.Defaults
	Logger    *slog.Logger
	Metrics   *Metrics
	Now       func() time.Time

	mu      sync.Mutex
	gen     int64
	checked time.Time // when gen was last read from the database
	hooks   map[string]*compiledHook
}

// recheck is how often the handler looks for hook changes made through
// other replicas; changes through this one call Invalidate.
const recheck = time.Second

// Invalidate makes the next request reload the hooks (call it after a
// change to any resource on this replica).
func (h *Handler) Invalidate() {
	h.mu.Lock()
	h.hooks = nil
	h.mu.Unlock()
}

type compiledHook struct {
	typ  string
	auth Auth
	recv Receiver
}

// load returns the hook named name, reloading all hooks when they were
// invalidated or the resource generation changed (read at most once per
// recheck, not on every request).
func (h *Handler) load(ctx context.Context, name string) (*compiledHook, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	gen := h.gen
	if h.hooks == nil || time.Since(h.checked) > recheck {
		var err error
		if gen, err = h.Resources.Generation(ctx); err != nil {
			return nil, err
		}
		h.checked = time.Now()
	}
	if h.hooks == nil || gen != h.gen {
		list, err := h.Resources.List(ctx, KindName)
		if err != nil {
			return nil, err
		}
		hooks := make(map[string]*compiledHook, len(list))
		for _, r := range list {
			c, err := h.compile(r)
			if err != nil {
				h.Logger.ErrorContext(ctx, "stored hook no longer valid; skipped", "hook", r.Name, "err", err)
				continue
			}
			hooks[r.Name] = c
		}
		h.hooks, h.gen = hooks, gen
	}
	c := h.hooks[name]
	if c == nil {
		return nil, store.ErrNotFound
	}
	return c, nil
}

func (h *Handler) compile(r resource.Resource) (*compiledHook, error) {
	var base SpecBase
	if err := json.Unmarshal(r.Spec, &base); err != nil {
		return nil, err
	}
	f, err := h.Types.lookup(base.Type)
	if err != nil {
		return nil, err
	}
	c := &compiledHook{typ: base.Type}
	if len(base.Auth) > 0 {
		if err := json.Unmarshal(base.Auth, &c.auth); err != nil {
			return nil, err
		}
	}
	if c.recv, err = f(r.Name, r.Spec); err != nil {
		return nil, err
	}
	return c, nil
}

type hookError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, status int, code, msg, field string) {
	writeJSON(w, status, map[string]hookError{"error": {code, msg, field}})
}

// ServeHTTP receives one request for the hook named by the path value
// "name".
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	name := r.PathValue("name")
	now := time.Now
	if h.Now != nil {
		now = h.Now
	}
	outcome, label := "error", name
	defer func() { h.Metrics.request(label, outcome) }()
	hook, err := h.load(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		label = "-" // unknown names would be unbounded label values
		// Same answer as a failed authentication: hook names are not
		// revealed to unauthenticated callers.
		outcome = "unauthorized"
		fail(w, http.StatusUnauthorized, "Unauthorized", "unknown hook or failed authentication", "")
		return
	}
	if err != nil {
		h.Logger.ErrorContext(ctx, "load hook", "hook", name, "err", err)
		fail(w, http.StatusInternalServerError, "InternalFailure", "internal error", "")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			outcome = "too_large"
			fail(w, http.StatusRequestEntityTooLarge, "PayloadTooLarge", fmt.Sprintf("request body is larger than %d bytes (1 MiB)", MaxBody), "")
			return
		}
		fail(w, http.StatusBadRequest, "InvalidRequest", "read body: "+err.Error(), "")
		return
	}
	if err := hook.auth.verify(r.Header, body); err != nil {
		outcome = "unauthorized"
		h.Logger.WarnContext(ctx, "hook request failed authentication", "hook", name, "remote", r.RemoteAddr)
		if hook.auth.Basic != nil {
			// Senders such as SNS only send Basic credentials after a Basic challenge.
			w.Header().Set("WWW-Authenticate", `Basic realm="firstline hook"`)
		} else {
			w.Header().Set("WWW-Authenticate", `Bearer realm="firstline hook"`)
		}
		fail(w, http.StatusUnauthorized, "Unauthorized", "unknown hook or failed authentication", "")
		return
	}
	evs, err := hook.recv.Receive(ctx, &Request{Hook: name, Header: r.Header.Clone(), Body: body, Received: now()})
	var resp *Response
	var unauth interface{ Unauthorized() bool }
	var fe interface{ Field() string }
	switch {
	case errors.As(err, &resp):
		outcome = "answered"
		status := resp.Status
		if status == 0 {
			status = http.StatusOK
		}
		writeJSON(w, status, resp.Body)
		return
	case errors.As(err, &unauth) && unauth.Unauthorized():
		outcome = "unauthorized"
		h.Logger.WarnContext(ctx, "hook message failed verification", "hook", name, "err", err)
		fail(w, http.StatusUnauthorized, "Unauthorized", err.Error(), "")
		return
	case errors.As(err, &fe):
		outcome = "invalid"
		fail(w, http.StatusBadRequest, "ValidationException", err.Error(), fe.Field())
		return
	case err != nil:
		outcome = "invalid"
		fail(w, http.StatusBadRequest, "ValidationException", err.Error(), "")
		return
	}
	for i, e := range evs {
		if err := event.Finish(e, h.Defaults, now()); err != nil {
			outcome = "invalid"
			var ve *event.ValidationError
			field := ""
			if errors.As(err, &ve) {
				field = ve.Path
			}
			fail(w, http.StatusBadRequest, "ValidationException", fmt.Sprintf("event %d: %v", i, err), field)
			return
		}
	}
	if len(evs) > 0 {
		if err := h.Ingest(ctx, evs); err != nil {
			if errors.Is(err, store.ErrOutcomeUnknown) {
				fail(w, http.StatusServiceUnavailable, "ServiceUnavailable", "the commit outcome is unknown; the events may or may not be stored", "")
				return
			}
			if ctx.Err() != nil {
				return // the sender is gone; the outcome is unknown to it anyway
			}
			h.Logger.ErrorContext(ctx, "commit hook events", "hook", name, "err", err)
			fail(w, http.StatusInternalServerError, "InternalFailure", "the events could not be committed; they were not stored", "")
			return
		}
	}
	outcome = "accepted"
	h.Metrics.events(name, len(evs))
	ids := make([]string, len(evs))
	for i, e := range evs {
		ids[i] = e.ID
	}
	writeJSON(w, http.StatusOK, map[string]any{"EventIds": ids})
}

// Metrics are the hooks' Prometheus metrics; nil records nothing.
type Metrics struct {
	requests *prometheus.CounterVec
	evs      *prometheus.CounterVec
}

// NewMetrics registers the hook metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "firstline_hook_requests_total",
			Help: "Hook requests by hook and outcome (accepted, answered, unauthorized, invalid, too_large, error).",
		}, []string{"hook", "outcome"}),
		evs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "firstline_hook_events_total", Help: "Events committed from hooks, by hook.",
		}, []string{"hook"}),
	}
	reg.MustRegister(m.requests, m.evs)
	return m
}

func (m *Metrics) request(hook, outcome string) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(hook, outcome).Inc()
}

func (m *Metrics) events(hook string, n int) {
	if m != nil {
		m.evs.WithLabelValues(hook).Add(float64(n))
	}
}

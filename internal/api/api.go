package api

import (
	"context"
	"github.com/firstline/firstline/internal/execution"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/firstline/firstline/internal/auth"
	"github.com/firstline/firstline/internal/event"
	"github.com/firstline/firstline/internal/resource"
	"github.com/firstline/firstline/internal/rule"
	"github.com/firstline/firstline/internal/store"
)

// Config holds what the API needs from the server.
type Config struct {
	DB        *store.Store
	Events    *event.Store
	Tokens    *auth.Tokens
	Committer *store.Committer
	Resources *resource.Store
	// Rules routes ingested events to rule targets (nil: no routing).
	Rules *rule.Engine
	// Executions runs state machines (nil: the execution routes answer
	// 503).
	Executions *execution.Executor
	// OnResourceChange, if set, is called after a resource changed through
	// this API (the hook handler drops its cache).
	OnResourceChange func()
	// ConfirmSNS fetches an approved SNS SubscribeURL (default
	// sns.ConfirmURL; tests replace it).
	ConfirmSNS func(ctx context.Context, subscribeURL string) error
	// Defaults fills account and region of ingested events.
	Defaults event.Defaults
	Logger   *slog.Logger
	Metrics  *Metrics
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// API is the /api/v1 handler.
type API struct {
	Config
	logger *slog.Logger
	table  []Route
}

// Route is one API operation.
type Route struct {
	Method string
	// Path is a net/http pattern path, e.g. /api/v1/events/{id}.
	Path string
	// Role is the least role allowed to call it.
	Role auth.Role
	// Action names the operation in the audit log and OpenAPI operationId;
	// mutating routes are audited.
	Action  string
	handler func(a *API, w http.ResponseWriter, r *http.Request) error
	// readOnly marks a POST that changes nothing (not audited).
	readOnly bool
}

// Mutating reports whether the route changes state (and is audited).
func (rt Route) Mutating() bool {
	return !rt.readOnly && rt.Method != http.MethodGet && rt.Method != http.MethodHead
}

// New builds the API.
func New(cfg Config) *API {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	a := &API{Config: cfg, logger: cfg.Logger.With("component", "api")}
	a.table = []Route{
		{http.MethodPost, "/api/v1/events", auth.Operator, "events.put", (*API).putEvents, false},
		{http.MethodGet, "/api/v1/events", auth.Viewer, "events.list", (*API).listEvents, false},
		{http.MethodGet, "/api/v1/events/{id}", auth.Viewer, "events.get", (*API).getEvent, false},
		{http.MethodPost, "/api/v1/tokens", auth.Admin, "tokens.create", (*API).createToken, false},
		{http.MethodGet, "/api/v1/tokens", auth.Admin, "tokens.list", (*API).listTokens, false},
		{http.MethodDelete, "/api/v1/tokens/{id}", auth.Admin, "tokens.revoke", (*API).revokeToken, false},
		{http.MethodGet, "/api/v1/audit", auth.Admin, "audit.list", (*API).listAudit, false},
		{http.MethodGet, "/api/v1/whoami", auth.Viewer, "whoami", (*API).whoami, false},
		{http.MethodGet, "/api/v1/openapi.json", auth.Viewer, "openapi.get", (*API).openapi, false},
		{http.MethodPost, "/api/v1/test-event-pattern", auth.Viewer, "events.test-pattern", (*API).testEventPattern, true},
		{http.MethodPut, "/api/v1/resources/{kind}/{name}", auth.Admin, "resources.apply", (*API).applyResource, false},
		{http.MethodGet, "/api/v1/resources/{kind}", auth.Viewer, "resources.list", (*API).listResources, false},
		{http.MethodGet, "/api/v1/resources/{kind}/{name}", auth.Viewer, "resources.get", (*API).getResource, false},
		{http.MethodDelete, "/api/v1/resources/{kind}/{name}", auth.Admin, "resources.delete", (*API).deleteResource, false},
		{http.MethodGet, "/api/v1/dead-letters", auth.Viewer, "dead-letters.list", (*API).listDeadLetters, false},
		{http.MethodPost, "/api/v1/dead-letters/redrive", auth.Operator, "dead-letters.redrive", (*API).redriveDeadLetters, false},
		{http.MethodPost, "/api/v1/replays", auth.Operator, "replays.start", (*API).startReplay, false},
		{http.MethodGet, "/api/v1/replays/{name}", auth.Viewer, "replays.get", (*API).getReplay, false},
		{http.MethodPost, "/api/v1/hooks/confirm", auth.Operator, "hooks.confirm", (*API).confirmSubscription, false},
		{http.MethodPost, "/api/v1/executions", auth.Operator, "executions.start", (*API).startExecution, false},
		{http.MethodGet, "/api/v1/executions", auth.Viewer, "executions.list", (*API).listExecutions, false},
		{http.MethodGet, "/api/v1/executions/{arn}", auth.Viewer, "executions.describe", (*API).describeExecution, false},
		{http.MethodPost, "/api/v1/executions/{arn}/stop", auth.Operator, "executions.stop", (*API).stopExecution, false},
		{http.MethodGet, "/api/v1/executions/{arn}/history", auth.Viewer, "executions.history", (*API).executionHistory, false},
		{http.MethodPost, "/api/v1/tasks/success", auth.Operator, "tasks.success", (*API).sendTaskSuccess, false},
		{http.MethodPost, "/api/v1/tasks/failure", auth.Operator, "tasks.failure", (*API).sendTaskFailure, false},
		{http.MethodPost, "/api/v1/tasks/heartbeat", auth.Operator, "tasks.heartbeat", (*API).sendTaskHeartbeat, false},
	}
	if a.Metrics != nil {
		for _, rt := range a.table {
			a.Metrics.initRoute(rt.Method, rt.Path)
		}
	}
	return a
}

// Routes returns the route table (for tests and documentation).
func (a *API) Routes() []Route { return append([]Route(nil), a.table...) }

// Register adds the API's routes to mux.
func (a *API) Register(mux *http.ServeMux) {
	byPath := map[string][]Route{}
	for _, rt := range a.table {
		byPath[rt.Path] = append(byPath[rt.Path], rt)
	}
	for path, rts := range byPath {
		mux.Handle(path, a.dispatch(path, rts))
	}
	mux.Handle("/api/", a.dispatch("/api/", nil))
}

// dispatch picks the route by method; unknown methods get 405 and unknown
// paths 404, both after authentication so the API surface is not visible
// to anonymous callers.
func (a *API) dispatch(path string, rts []Route) http.Handler {
	var allow []string
	for _, rt := range rts {
		allow = append(allow, rt.Method)
	}
	sort.Strings(allow)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, rt := range rts {
			if rt.Method == r.Method {
				a.serve(w, r, rt)
				return
			}
		}
		rt := Route{Method: r.Method, Path: path, Role: auth.Viewer, Action: "", handler: func(_ *API, w http.ResponseWriter, r *http.Request) error {
			if len(rts) == 0 {
				return errStatus(http.StatusNotFound, CodeNotFound, "no API route "+r.URL.Path)
			}
			w.Header().Set("Allow", strings.Join(allow, ", "))
			return errStatus(http.StatusMethodNotAllowed, CodeMethodNotAllowed, r.Method+" is not allowed on "+path+"; allowed: "+strings.Join(allow, ", "))
		}}
		if len(rts) == 0 {
			rt.Path = "unmatched"
		}
		a.serve(w, r, rt)
	})
}

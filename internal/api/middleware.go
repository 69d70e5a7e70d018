package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/firstline/firstline/internal/audit"
	"github.com/firstline/firstline/internal/auth"
	"github.com/firstline/firstline/internal/reqid"
	"github.com/firstline/firstline/internal/store"
)

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

type tokenKey struct{}

// TokenFrom returns the authenticated token of the request.
func TokenFrom(ctx context.Context) (auth.Token, bool) {
	t, ok := ctx.Value(tokenKey{}).(auth.Token)
	return t, ok
}

// RequestID wraps h: it takes a valid X-Request-Id from the client or makes
// one, echoes it, and puts it in the request context for logs.
func RequestID(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !reqid.Valid(id) {
			id = reqid.New()
		}
		w.Header().Set("X-Request-Id", id)
		h.ServeHTTP(w, r.WithContext(reqid.With(r.Context(), id)))
	})
}

// serve runs one route: authenticate, authorise, audit, handle, log, count.
func (a *API) serve(w http.ResponseWriter, r *http.Request, rt Route) {
	start := a.Now()
	sw := &statusWriter{ResponseWriter: w}
	ctx := r.Context()
	var pending *audit.Pending
	defer func() {
		if v := recover(); v != nil {
			a.logger.ErrorContext(ctx, "handler panic", "route", rt.Path, "panic", fmt.Sprint(v))
			if sw.status == 0 {
				a.writeError(sw, r, fmt.Errorf("panic: %v", v))
			}
		}
		if pending != nil && !pending.Written() {
			a.finishAudit(ctx, pending, sw.status)
		}
		elapsed := a.Now().Sub(start)
		if a.Metrics != nil {
			a.Metrics.observe(rt.Method, rt.Path, sw.status, elapsed)
		}
		level := slog.LevelDebug
		if sw.status >= 500 {
			level = slog.LevelWarn
		}
		a.logger.Log(ctx, level, "request", "method", r.Method, "route", rt.Path, "status", sw.status, "duration", elapsed)
	}()

	tok, err := a.authenticate(r)
	if err != nil {
		if errors.Is(err, auth.ErrUnauthorized) && a.Metrics != nil {
			a.Metrics.authFailures.Inc()
		}
		a.writeError(sw, r, err)
		return
	}
	ctx = context.WithValue(ctx, tokenKey{}, tok)
	if rt.Mutating() && rt.Action != "" {
		pending = &audit.Pending{Entry: audit.Entry{
			Time: a.Now().UTC(), TokenID: tok.ID, TokenName: tok.Name, Role: string(tok.Role),
			Action: rt.Action, Resource: strings.TrimPrefix(r.URL.Path, "/api/v1/"), RequestID: reqid.From(ctx),
		}}
		ctx = audit.WithPending(ctx, pending)
	}
	r = r.WithContext(ctx)
	if !tok.Role.Allows(rt.Role) {
		a.writeError(sw, r, errStatus(http.StatusForbidden, CodeForbidden,
			fmt.Sprintf("role %s may not call %s %s; it needs %s", tok.Role, rt.Method, rt.Path, rt.Role)))
		return
	}
	if err := rt.handler(a, sw, r); err != nil {
		a.writeError(sw, r, err)
	}
}

func (a *API) authenticate(r *http.Request) (auth.Token, error) {
	h := r.Header.Get("Authorization")
	secret, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || secret == "" {
		return auth.Token{}, fmt.Errorf("%w: send Authorization: Bearer <token>", auth.ErrUnauthorized)
	}
	tok, err := a.Tokens.Authenticate(r.Context(), strings.TrimSpace(secret))
	if err != nil && !errors.Is(err, auth.ErrUnauthorized) {
		return auth.Token{}, err
	}
	return tok, err
}

// finishAudit writes the pending entry with the request's outcome.
func (a *API) finishAudit(ctx context.Context, p *audit.Pending, status int) {
	e := p.Entry
	e.Status = status
	switch {
	case status == http.StatusForbidden:
		e.Outcome = audit.Denied
	case status >= 200 && status < 300:
		e.Outcome = audit.Success
	default:
		e.Outcome = audit.Failure
	}
	ctx = context.WithoutCancel(ctx)
	err := a.Committer.Submit(ctx, func(_ context.Context, tx store.Tx) error { audit.Insert(tx, e); return nil })
	if err != nil {
		a.logger.ErrorContext(ctx, "audit entry lost", "action", e.Action, "err", err)
	}
}

// pending returns the request's audit entry; a throwaway one for routes
// that are not audited, so handlers need not check.
func (a *API) pending(r *http.Request) *audit.Pending {
	if p := audit.FromContext(r.Context()); p != nil {
		return p
	}
	return &audit.Pending{}
}

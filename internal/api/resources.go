package api

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/firstline/firstline/internal/resource"
	"github.com/firstline/firstline/internal/rule"
	"github.com/firstline/firstline/internal/store"
)

// ApplyResult is the body of PUT /api/v1/resources/{kind}/{name}.
type ApplyResult struct {
	resource.Resource
	Outcome resource.Outcome `json:"outcome"`
	DryRun  bool             `json:"dryRun,omitempty"`
}

// DeleteResult is the body of DELETE /api/v1/resources/{kind}/{name}.
type DeleteResult struct {
	Kind    string           `json:"kind"`
	Name    string           `json:"name"`
	Outcome resource.Outcome `json:"outcome"`
}

// ResourceList is the body of GET /api/v1/resources/{kind}.
type ResourceList struct {
	Resources []resource.Resource `json:"resources"`
}

func (a *API) applyResource(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(w, r, maxJSONBody)
	if err != nil {
		return err
	}
	if !json.Valid(body) {
		return &apiError{status: http.StatusBadRequest, code: CodeSerialization, msg: "request body must be the resource's spec as JSON", field: "spec"}
	}
	dryRun := r.URL.Query().Get("dry-run") == "true"
	pending := a.pending(r)
	pending.Detail = map[string]string{"dryRun": strconv.FormatBool(dryRun)}
	res, outcome, err := a.Resources.Apply(r.Context(), resource.Resource{Kind: r.PathValue("kind"), Name: r.PathValue("name"), Spec: body}, dryRun)
	if err != nil {
		return err
	}
	pending.Resource = "resources/" + res.Kind + "/" + res.Name
	pending.Detail["outcome"] = string(outcome)
	if !dryRun && outcome != resource.Unchanged {
		a.reloadRules(r)
	}
	status := http.StatusOK
	if outcome == resource.Created && !dryRun {
		status = http.StatusCreated
	}
	writeJSON(w, status, ApplyResult{Resource: res, Outcome: outcome, DryRun: dryRun})
	return nil
}

// reloadRules tells the components that cache resources about a change.
func (a *API) reloadRules(r *http.Request) {
	if a.OnResourceChange != nil {
		a.OnResourceChange()
	}
	if a.Rules == nil {
		return
	}
	if err := a.Rules.Reload(r.Context()); err != nil {
		a.logger.WarnContext(r.Context(), "reload rules after change", "err", err)
	}
}

func (a *API) listResources(w http.ResponseWriter, r *http.Request) error {
	list, err := a.Resources.List(r.Context(), r.PathValue("kind"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ResourceList{Resources: list})
	return nil
}

func (a *API) getResource(w http.ResponseWriter, r *http.Request) error {
	res, err := a.Resources.Get(r.Context(), r.PathValue("kind"), r.PathValue("name"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (a *API) deleteResource(w http.ResponseWriter, r *http.Request) error {
	kind, name := r.PathValue("kind"), r.PathValue("name")
	if err := a.Resources.Delete(r.Context(), kind, name); err != nil {
		return err
	}
	a.pending(r).Resource = "resources/" + kind + "/" + name
	a.reloadRules(r)
	writeJSON(w, http.StatusOK, DeleteResult{Kind: kind, Name: name, Outcome: resource.Deleted})
	return nil
}

// DeadLetterList is the body of GET /api/v1/dead-letters.
type DeadLetterList struct {
	DeadLetters []rule.DeadLetter `json:"deadLetters"`
}

func (a *API) listDeadLetters(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit := 0
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			return errField("limit", "must be an integer from 1 to 1000")
		}
		limit = n
	}
	list, err := rule.ListDeadLetters(r.Context(), a.DB, q.Get("rule"), q.Get("all") == "true", limit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, DeadLetterList{DeadLetters: list})
	return nil
}

// RedriveRequest is the body of POST /api/v1/dead-letters/redrive.
type RedriveRequest struct {
	Rule string `json:"Rule,omitempty"`
}

// RedriveResult says how many deliveries were enqueued again.
type RedriveResult struct {
	Redriven int `json:"redriven"`
}

func (a *API) redriveDeadLetters(w http.ResponseWriter, r *http.Request) error {
	var req RedriveRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if a.Rules == nil {
		return store.ErrNotFound
	}
	n, err := a.Rules.Redrive(r.Context(), a.DB, req.Rule)
	if err != nil {
		return err
	}
	p := a.pending(r)
	p.Resource = "dead-letters"
	p.Detail = map[string]string{"rule": req.Rule, "redriven": strconv.Itoa(n)}
	writeJSON(w, http.StatusOK, RedriveResult{Redriven: n})
	return nil
}

func (a *API) startReplay(w http.ResponseWriter, r *http.Request) error {
	var req rule.Replay
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if a.Rules == nil {
		return store.ErrNotFound
	}
	rep, err := a.Rules.StartReplay(r.Context(), a.DB, rule.Replay{Name: req.Name, Rule: req.Rule, EventStartTime: req.EventStartTime, EventEndTime: req.EventEndTime})
	if err != nil {
		return err
	}
	p := a.pending(r)
	p.Resource = "replays/" + rep.Name
	p.Detail = map[string]string{"rule": rep.Rule}
	writeJSON(w, http.StatusCreated, rep)
	return nil
}

func (a *API) getReplay(w http.ResponseWriter, r *http.Request) error {
	rep, _, err := rule.GetReplay(r.Context(), a.DB, r.PathValue("name"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

package api

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/firstline/firstline/internal/audit"
)

// AuditList is the body of GET /api/v1/audit.
type AuditList struct {
	Entries   []audit.Entry `json:"entries"`
	NextToken string        `json:"nextToken,omitempty"`
}

func (a *API) listAudit(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := audit.Filter{TokenName: q.Get("token-name"), Action: q.Get("action"), NextToken: q.Get("next-token")}
	var err error
	if f.Since, err = queryTime(q.Get("since"), "since", a.Now()); err != nil {
		return err
	}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			return errField("limit", fmt.Sprintf("must be an integer from 1 to %d", 1000))
		}
		f.Limit = n
	}
	entries, next, err := audit.List(r.Context(), a.DB, f)
	if err != nil {
		return err
	}
	if entries == nil {
		entries = []audit.Entry{}
	}
	writeJSON(w, http.StatusOK, AuditList{Entries: entries, NextToken: next})
	return nil
}

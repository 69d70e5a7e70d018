package api

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/firstline/firstline/internal/audit"
	"github.com/firstline/firstline/internal/auth"
	"github.com/firstline/firstline/internal/store"
)

// CreateTokenRequest is the body of POST /api/v1/tokens.
type CreateTokenRequest struct {
	Name string    `json:"name"`
	Role auth.Role `json:"role"`
}

// CreateTokenResponse returns the new token with its secret, shown once.
type CreateTokenResponse struct {
	auth.Token
	Secret string `json:"secret"`
}

// TokenList is the body of GET /api/v1/tokens.
type TokenList struct {
	Tokens []auth.Token `json:"tokens"`
}

func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := readBody(w, r, maxJSONBody)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			f = strings.Trim(f, `"`)
			return &apiError{status: http.StatusBadRequest, code: CodeSerialization, msg: f + ": unknown field", field: f}
		}
		return &apiError{status: http.StatusBadRequest, code: CodeSerialization, msg: "request body is not valid JSON: " + strings.TrimPrefix(err.Error(), "json: ")}
	}
	return nil
}

func (a *API) createToken(w http.ResponseWriter, r *http.Request) error {
	var req CreateTokenRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	caller, _ := TokenFrom(r.Context())
	pending := audit.FromContext(r.Context())
	pending.Resource = "tokens/" + req.Name
	pending.Detail = map[string]string{"name": req.Name, "role": string(req.Role)}
	var resp CreateTokenResponse
	err := a.DB.InTx(r.Context(), func(ctx context.Context, tx store.Tx) error {
		tok, secret, err := a.Tokens.Create(ctx, tx, req.Name, req.Role, caller.Name)
		if err != nil {
			return err
		}
		resp = CreateTokenResponse{Token: tok, Secret: secret.Reveal()}
		pending.Resource = "tokens/" + tok.ID
		pending.WriteIn(tx, audit.Success, http.StatusCreated)
		return nil
	})
	if err != nil {
		return err
	}
	pending.Committed()
	writeJSON(w, http.StatusCreated, resp)
	return nil
}

func (a *API) listTokens(w http.ResponseWriter, r *http.Request) error {
	toks, err := a.Tokens.List(r.Context())
	if err != nil {
		return err
	}
	if toks == nil {
		toks = []auth.Token{}
	}
	writeJSON(w, http.StatusOK, TokenList{Tokens: toks})
	return nil
}

func (a *API) revokeToken(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	pending := audit.FromContext(r.Context())
	var tok auth.Token
	err := a.DB.InTx(r.Context(), func(ctx context.Context, tx store.Tx) error {
		var err error
		if tok, err = a.Tokens.Revoke(ctx, tx, id); err != nil {
			return err
		}
		pending.Resource = "tokens/" + tok.ID
		pending.Detail = map[string]string{"name": tok.Name, "role": string(tok.Role)}
		pending.WriteIn(tx, audit.Success, http.StatusOK)
		return nil
	})
	if err != nil {
		return err
	}
	pending.Committed()
	writeJSON(w, http.StatusOK, tok)
	return nil
}

func (a *API) whoami(w http.ResponseWriter, r *http.Request) error {
	tok, _ := TokenFrom(r.Context())
	writeJSON(w, http.StatusOK, tok)
	return nil
}

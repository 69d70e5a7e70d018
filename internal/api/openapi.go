package api

import (
	_ "embed"
	"net/http"
)

// OpenAPIDocument is the OpenAPI 3 description of the API, served at
// /api/v1/openapi.json. TestOpenAPIMatchesRoutes keeps it in step with the
// route table.
//
//go:embed openapi.json
var OpenAPIDocument []byte

func (a *API) openapi(w http.ResponseWriter, _ *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(OpenAPIDocument)
	return nil
}

package api_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/stretchr/testify/require"

	"github.com/firstline/firstline/internal/api"
	"github.com/firstline/firstline/internal/server/servertest"
	"github.com/firstline/firstline/internal/store"
)

// TestResponsesMatchOpenAPI sends real requests to a real server —
// successes and errors on every route — and validates each request and
// response against openapi.json, so the document describes what the
// handlers actually return.
func TestResponsesMatchOpenAPI(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPIDocument)
	require.NoError(t, err)
	require.NoError(t, doc.Validate(ctx))
	s := servertest.Start(t, store.SQLite)
	doc.Servers = openapi3.Servers{{URL: s.URL}}
	router, err := gorillamux.NewRouter(doc)
	require.NoError(t, err)

	toks := tokens(t, s)
	put := `{"Entries":[{"Source":"my.app","DetailType":"Deploy","Detail":"{\"v\":1}","Resources":["host/a"],"Time":"2026-01-02T15:04:05Z"},{"Source":"my.app"}]}`
	_, b := s.Do(t, http.MethodPost, "/api/v1/events", s.AdminToken, put)
	id := strings.Split(strings.Split(string(b), `"EventId":"`)[1], `"`)[0]

	rule := `{"EventPattern":{"source":["my.app"]},"Targets":[{"Id":"log","Arn":"arn:aws:logs:::log-group:x"}]}`
	cases := []openAPICase{
		{"POST", "/api/v1/events", toks["operator"], put, 200},
		{"POST", "/api/v1/events", toks["viewer"], put, 403},
		{"POST", "/api/v1/events", "", put, 401},
		{"POST", "/api/v1/events", s.AdminToken, `{"Entries":[]}`, 400},
		{"GET", "/api/v1/events", toks["viewer"], "", 200},
		{"GET", "/api/v1/events?limit=1&source=my.app", toks["viewer"], "", 200},
		{"GET", "/api/v1/events?limit=0", toks["viewer"], "", 400},
		{"GET", "/api/v1/events/" + id, toks["viewer"], "", 200},
		{"GET", "/api/v1/events/nope", toks["viewer"], "", 404},
		{"POST", "/api/v1/tokens", s.AdminToken, `{"name":"oa","role":"viewer"}`, 201},
		{"POST", "/api/v1/tokens", s.AdminToken, `{"name":"oa","role":"viewer"}`, 409},
		{"POST", "/api/v1/tokens", s.AdminToken, `{"name":"oa2","role":"root"}`, 400},
		{"GET", "/api/v1/tokens", s.AdminToken, "", 200},
		{"DELETE", "/api/v1/tokens/oa", s.AdminToken, "", 200},
		{"DELETE", "/api/v1/tokens/oa", s.AdminToken, "", 404},
		{"GET", "/api/v1/audit", s.AdminToken, "", 200},
		{"GET", "/api/v1/audit", toks["operator"], "", 403},
		{"GET", "/api/v1/whoami", toks["viewer"], "", 200},
		{"GET", "/api/v1/openapi.json", toks["viewer"], "", 200},
		{"POST", "/api/v1/test-event-pattern", toks["viewer"], `{"EventPattern":"{\"source\":[\"a\"]}","Event":"{\"source\":\"a\"}"}`, 200},
		{"POST", "/api/v1/test-event-pattern", toks["viewer"], `{"EventPattern":"{\"source\":\"a\"}","Event":"{}"}`, 400},
		{"PUT", "/api/v1/resources/Rule/r1?dry-run=true", s.AdminToken, rule, 200},
		{"PUT", "/api/v1/resources/Rule/r1", s.AdminToken, rule, 201},
		{"PUT", "/api/v1/resources/Rule/r1", s.AdminToken, rule, 200},
		{"PUT", "/api/v1/resources/Rule/r2", s.AdminToken, `{"EventPattern":{"source":"x"}}`, 400},
		{"PUT", "/api/v1/resources/Rule/r1", toks["operator"], rule, 403},
		{"GET", "/api/v1/resources/Rule", toks["viewer"], "", 200},
		{"GET", "/api/v1/resources/Rule/r1", toks["viewer"], "", 200},
		{"GET", "/api/v1/resources/Rule/nope", toks["viewer"], "", 404},
		{"GET", "/api/v1/resources/Nope", toks["viewer"], "", 400},
		{"GET", "/api/v1/dead-letters", toks["viewer"], "", 200},
		{"POST", "/api/v1/dead-letters/redrive", toks["operator"], `{"Rule":"r1"}`, 200},
		{"DELETE", "/api/v1/resources/Rule/r1", s.AdminToken, "", 200},
		{"DELETE", "/api/v1/resources/Rule/r1", s.AdminToken, "", 404},
	}
	checkOpenAPI(ctx, t, router, s.URL, cases)
}

// openAPICase is one request of checkOpenAPI and the status it must get.
type openAPICase struct {
	method, path, token, body string
	status                    int
}

// checkOpenAPI sends each case to the server at base and validates the
// request (when accepted) and the response against the OpenAPI document.
func checkOpenAPI(ctx context.Context, t *testing.T, router routers.Router, base string, cases []openAPICase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.method+" "+tc.path+" "+http.StatusText(tc.status), func(t *testing.T) {
			var body io.Reader
			if tc.body != "" {
				body = strings.NewReader(tc.body)
			}
			req, err := http.NewRequest(tc.method, base+tc.path, body)
			require.NoError(t, err)
			if tc.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			if tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+tc.token)
			}
			route, params, err := router.FindRoute(req)
			require.NoError(t, err, "no documented route")
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			rb, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			require.Equal(t, tc.status, resp.StatusCode, string(rb))

			reqIn := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
				Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
			if tc.status < 400 && tc.body != "" {
				req.Body = io.NopCloser(strings.NewReader(tc.body))
				require.NoError(t, openapi3filter.ValidateRequest(ctx, reqIn))
			}
			err = openapi3filter.ValidateResponse(ctx, &openapi3filter.ResponseValidationInput{
				RequestValidationInput: reqIn,
				Status:                 resp.StatusCode,
				Header:                 resp.Header,
				Body:                   io.NopCloser(bytes.NewReader(rb)),
				Options:                &openapi3filter.Options{IncludeResponseStatus: true},
			})
			require.NoError(t, err, string(rb))
		})
	}
}

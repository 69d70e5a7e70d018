package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/firstline/firstline/internal/api"
	"github.com/firstline/firstline/internal/auth"
	"github.com/firstline/firstline/internal/server/servertest"
	"github.com/firstline/firstline/internal/store"
	"github.com/firstline/firstline/internal/store/storetest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreAnyFunction("database/sql.(*DB).connectionOpener"),
		goleak.IgnoreAnyFunction("internal/poll.runtime_pollWait"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
	)
}

// tokens creates one token per role and a revoked one on s.
func tokens(t *testing.T, s *servertest.Server) map[string]string {
	t.Helper()
	out := map[string]string{"admin": s.AdminToken}
	for _, role := range []string{"operator", "viewer", "revoked"} {
		r := role
		if role == "revoked" {
			r = "admin"
		}
		status, body := s.Do(t, http.MethodPost, "/api/v1/tokens", s.AdminToken, map[string]string{"name": "t-" + role, "role": r})
		require.Equal(t, http.StatusCreated, status, string(body))
		var created struct {
			ID     string `json:"id"`
			Secret string `json:"secret"`
		}
		require.NoError(t, json.Unmarshal(body, &created))
		out[role] = created.Secret
		if role == "revoked" {
			status, body := s.Do(t, http.MethodDelete, "/api/v1/tokens/"+created.ID, s.AdminToken, nil)
			require.Equal(t, http.StatusOK, status, string(body))
		}
	}
	return out
}

func errorBody(t *testing.T, b []byte) api.ErrorDetail {
	t.Helper()
	var eb api.ErrorBody
	require.NoError(t, json.Unmarshal(b, &eb), string(b))
	require.NotEmpty(t, eb.Error.Code, string(b))
	require.NotEmpty(t, eb.Error.Message, string(b))
	require.Contains(t, api.ErrorCodes, eb.Error.Code)
	return eb.Error
}

// TestEveryRouteEveryRole walks every route of the table with every role,
// no token, an unknown token and a revoked token: roles below the route's
// get 403, missing/unknown/revoked get 401, the others get past auth.
func TestEveryRouteEveryRole(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, d store.Dialect) {
		s := servertest.Start(t, d)
		toks := tokens(t, s)
		toks["none"] = ""
		toks["unknown"] = "fl_" + strings.Repeat("x", 43)
		routes := api.New(api.Config{}).Routes()
		require.NotEmpty(t, routes)
		for _, rt := range routes {
			path := strings.ReplaceAll(rt.Path, "{id}", "does-not-exist")
			body := ""
			if rt.Method == http.MethodPost {
				body = `{}`
			}
			for _, who := range []string{"admin", "operator", "viewer", "none", "unknown", "revoked"} {
				t.Run(fmt.Sprintf("%s %s as %s", rt.Method, rt.Path, who), func(t *testing.T) {
					status, b := s.Do(t, rt.Method, path, toks[who], body)
					switch {
					case who == "none" || who == "unknown" || who == "revoked":
						require.Equal(t, http.StatusUnauthorized, status, string(b))
						require.Equal(t, api.CodeUnauthorized, errorBody(t, b).Code)
					case !auth.Role(who).Allows(rt.Role):
						require.Equal(t, http.StatusForbidden, status, string(b))
						e := errorBody(t, b)
						require.Equal(t, api.CodeForbidden, e.Code)
						require.Contains(t, e.Message, "needs "+string(rt.Role))
					default:
						require.NotEqual(t, http.StatusUnauthorized, status, string(b))
						require.NotEqual(t, http.StatusForbidden, status, string(b))
						require.Less(t, status, 500, string(b))
					}
				})
			}
		}
	})
}

func TestRoleOrder(t *testing.T) {
	t.Parallel()
	cases := []struct {
		have, need auth.Role
		ok         bool
	}{
		{auth.Admin, auth.Admin, true}, {auth.Admin, auth.Viewer, true}, {auth.Operator, auth.Admin, false},
		{auth.Operator, auth.Operator, true}, {auth.Operator, auth.Viewer, true}, {auth.Viewer, auth.Operator, false},
		{auth.Viewer, auth.Viewer, true}, {"root", auth.Viewer, false},
	}
	for _, tc := range cases {
		require.Equal(t, tc.ok, tc.have.Allows(tc.need), "%s allows %s", tc.have, tc.need)
	}
}

// TestOpenAPIMatchesRoutes checks that openapi.json describes exactly the
// routes the API serves, with the same least role, and the closed list of
// error codes.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	t.Parallel()
	var doc struct {
		OpenAPI string                                       `json:"openapi"`
		Paths   map[string]map[string]map[string]any         `json:"paths"`
		Comps   struct{ Schemas map[string]json.RawMessage } `json:"components"`
	}
	require.NoError(t, json.Unmarshal(api.OpenAPIDocument, &doc))
	require.True(t, strings.HasPrefix(doc.OpenAPI, "3."))
	documented := map[string]string{}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			role, _ := op["x-firstline-role"].(string)
			documented[strings.ToUpper(method)+" "+path] = role
			require.NotEmpty(t, op["operationId"], "%s %s has no operationId", method, path)
			resp, _ := op["responses"].(map[string]any)
			require.Contains(t, resp, "401", "%s %s documents no 401", method, path)
		}
	}
	served := map[string]string{}
	for _, rt := range api.New(api.Config{}).Routes() {
		served[rt.Method+" "+rt.Path] = string(rt.Role)
	}
	require.Equal(t, served, documented)

	var errSchema struct {
		Properties struct {
			Error struct {
				Properties struct {
					Code struct {
						Enum []string `json:"enum"`
					} `json:"code"`
				} `json:"properties"`
			} `json:"error"`
		} `json:"properties"`
	}
	require.NoError(t, json.Unmarshal(doc.Comps.Schemas["Error"], &errSchema))
	require.ElementsMatch(t, api.ErrorCodes, errSchema.Properties.Error.Properties.Code.Enum)
}

func TestOpenAPIServed(t *testing.T) {
	t.Parallel()
	s := servertest.Start(t, store.SQLite)
	status, b := s.Do(t, http.MethodGet, "/api/v1/openapi.json", s.AdminToken, nil)
	require.Equal(t, http.StatusOK, status)
	require.JSONEq(t, string(api.OpenAPIDocument), string(b))
}

func TestErrorsNameTheField(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, d store.Dialect) {
		s := servertest.Start(t, d)
		entry := `{"Source":"a","DetailType":"b","Detail":"{}"}`
		eleven := `{"Entries":[` + strings.TrimSuffix(strings.Repeat(entry+",", 11), ",") + `]}`
		cases := []struct {
			name, method, path, body string
			status                   int
			code, field, msg         string
		}{
			{"too many entries", "POST", "/api/v1/events", eleven, 400, "ValidationException", "Entries", "at most 10"},
			{"no entries", "POST", "/api/v1/events", `{"Entries":[]}`, 400, "ValidationException", "Entries", "at least 1"},
			{"not json", "POST", "/api/v1/events", `{"Entries":`, 400, "SerializationException", "", "not valid JSON"},
			{"unknown top-level field", "POST", "/api/v1/events", `{"Entries":[` + entry + `],"Bus":1}`, 400, "SerializationException", "Bus", "unknown field"},
			{"entries not array", "POST", "/api/v1/events", `{"Entries":{}}`, 400, "SerializationException", "Entries", "must be an array"},
			{"bad limit", "GET", "/api/v1/events?limit=0", "", 400, "ValidationException", "limit", "from 1 to 1000"},
			{"bad since", "GET", "/api/v1/events?since=yesterday", "", 400, "ValidationException", "since", "RFC 3339"},
			{"bad next token", "GET", "/api/v1/events?next-token=zzz", "", 400, "ValidationException", "next-token", "not a token"},
			{"unknown event", "GET", "/api/v1/events/nope", "", 404, "NotFound", "", "get event nope"},
			{"wrong method", "PUT", "/api/v1/events", "{}", 405, "MethodNotAllowed", "", "allowed: GET, POST"},
			{"unknown route", "GET", "/api/v1/nothing", "", 404, "NotFound", "", "no API route"},
			{"bad role", "POST", "/api/v1/tokens", `{"name":"x","role":"root"}`, 400, "ValidationException", "role", "unknown role"},
			{"bad name", "POST", "/api/v1/tokens", `{"name":"a b","role":"viewer"}`, 400, "ValidationException", "name", "use letters"},
			{"duplicate name", "POST", "/api/v1/tokens", `{"name":"admin","role":"viewer"}`, 409, "Conflict", "", "active token has this name"},
			{"revoke unknown", "DELETE", "/api/v1/tokens/nope", "", 404, "NotFound", "", "no active token"},
			{"invalid pattern", "POST", "/api/v1/test-event-pattern", `{"EventPattern":"{\"detail\":{\"n\":[{\"numeric\":[\">\",5,\"<\",1]}]}}","Event":"{}"}`, 400, "InvalidEventPatternException", "EventPattern.detail.n[0].numeric", "lower bound 5 must be below"},
			{"event not json", "POST", "/api/v1/test-event-pattern", `{"EventPattern":"{\"a\":[1]}","Event":"[1]"}`, 400, "ValidationException", "Event", "not a valid JSON object"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				status, b := s.Do(t, tc.method, tc.path, s.AdminToken, tc.body)
				require.Equal(t, tc.status, status, string(b))
				e := errorBody(t, b)
				require.Equal(t, tc.code, e.Code, string(b))
				require.Equal(t, tc.field, e.Field, string(b))
				require.Contains(t, e.Message, tc.msg)
				require.NotEmpty(t, e.RequestID)
			})
		}
	})
}

func TestPutEventsTooLarge(t *testing.T) {
	t.Parallel()
	s := servertest.Start(t, store.SQLite)
	big := `{"Entries":[{"Source":"a","DetailType":"b","Detail":"{\"x\":\"` + strings.Repeat("a", api.MaxPutEventsBody) + `\"}"}]}`
	status, b := s.Do(t, http.MethodPost, "/api/v1/events", s.AdminToken, big)
	require.Equal(t, http.StatusRequestEntityTooLarge, status, string(b))
	require.Equal(t, api.CodePayloadTooLarge, errorBody(t, b).Code)

	// One entry over 256 KB fails alone; its neighbour is stored.
	over := strings.Repeat("a", 256*1024)
	body := `{"Entries":[{"Source":"a","DetailType":"b","Detail":"{\"x\":\"` + over + `\"}"},{"Source":"a","DetailType":"b","Detail":"{}"}]}`
	status, b = s.Do(t, http.MethodPost, "/api/v1/events", s.AdminToken, body)
	require.Equal(t, http.StatusOK, status, string(b))
	var resp struct {
		FailedEntryCount int
		Entries          []struct{ EventId, ErrorCode, ErrorMessage string }
	}
	require.NoError(t, json.Unmarshal(b, &resp))
	require.Equal(t, 1, resp.FailedEntryCount)
	require.Equal(t, "InvalidArgument", resp.Entries[0].ErrorCode)
	require.Contains(t, resp.Entries[0].ErrorMessage, "256 KB")
	require.NotEmpty(t, resp.Entries[1].EventId)
}

func TestUnsupportedContentType(t *testing.T) {
	t.Parallel()
	s := servertest.Start(t, store.SQLite)
	req, err := http.NewRequest(http.MethodPost, s.URL+"/api/v1/events", strings.NewReader("x"))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+s.AdminToken)
	req.Header.Set("Content-Type", "text/plain")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusUnsupportedMediaType, resp.StatusCode)
}

func TestRequestIDEchoed(t *testing.T) {
	t.Parallel()
	s := servertest.Start(t, store.SQLite)
	req, err := http.NewRequest(http.MethodGet, s.URL+"/api/v1/whoami", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+s.AdminToken)
	req.Header.Set("X-Request-Id", "abc-123")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, "abc-123", resp.Header.Get("X-Request-Id"))
	require.Contains(t, s.Logs.String(), "request_id=abc-123")
}

// TestSecretsNeverStoredOrLogged creates tokens and uses them, then looks
// for the secrets in every byte of the SQLite files and in the logs.
func TestSecretsNeverStoredOrLogged(t *testing.T) {
	t.Parallel()
	s := servertest.Start(t, store.SQLite)
	toks := tokens(t, s)
	for _, who := range []string{"operator", "viewer"} {
		status, b := s.Do(t, http.MethodPost, "/api/v1/events", toks["operator"], `{"Entries":[{"Source":"a","DetailType":"b","Detail":"{}"}]}`)
		require.Equal(t, http.StatusOK, status, string(b))
		status, _ = s.Do(t, http.MethodGet, "/api/v1/events", toks[who], nil)
		require.Equal(t, http.StatusOK, status)
	}
	status, b := s.Do(t, http.MethodGet, "/api/v1/tokens", s.AdminToken, nil)
	require.Equal(t, http.StatusOK, status)
	var hashes []string
	for _, who := range []string{"admin", "operator", "viewer", "revoked"} {
		require.NotContains(t, string(b), toks[who], "token list leaks a secret")
		hashes = append(hashes, auth.Hash(toks[who]))
	}
	// The database holds hashes, never secrets (checked in every file,
	// WAL included).
	files, err := filepath.Glob(filepath.Join(s.DataDir, "firstline.db*"))
	require.NoError(t, err)
	var all []byte
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		all = append(all, data...)
	}
	found := false
	for i, who := range []string{"admin", "operator", "viewer", "revoked"} {
		require.NotContains(t, string(all), toks[who], "database holds the %s secret", who)
		found = found || strings.Contains(string(all), hashes[i])
	}
	require.True(t, found, "database holds no token hash")
	logs := s.Logs.String()
	for _, who := range []string{"admin", "operator", "viewer", "revoked"} {
		require.NotContains(t, logs, toks[who], "logs hold the %s secret", who)
	}
	require.Equal(t, "<secret>", fmt.Sprint(auth.NewSecret()))
}

func TestAuditEntries(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, d store.Dialect) {
		s := servertest.Start(t, d)
		toks := tokens(t, s) // creates three tokens, revokes one
		status, b := s.Do(t, http.MethodPost, "/api/v1/events", toks["viewer"], `{"Entries":[{"Source":"a","DetailType":"b","Detail":"{}"}]}`)
		require.Equal(t, http.StatusForbidden, status, string(b))
		status, b = s.Do(t, http.MethodPost, "/api/v1/events", toks["operator"], `{"Entries":[{"Source":"a","DetailType":"b","Detail":"{}"},{"Source":"a"}]}`)
		require.Equal(t, http.StatusOK, status, string(b))
		status, b = s.Do(t, http.MethodPost, "/api/v1/tokens", s.AdminToken, `{"name":"t-viewer","role":"viewer"}`)
		require.Equal(t, http.StatusConflict, status, string(b))

		status, b = s.Do(t, http.MethodGet, "/api/v1/audit?limit=1000", s.AdminToken, nil)
		require.Equal(t, http.StatusOK, status, string(b))
		var list api.AuditList
		require.NoError(t, json.Unmarshal(b, &list))
		type key struct{ token, action, outcome string }
		got := map[key]int{}
		for _, e := range list.Entries {
			got[key{e.TokenName, e.Action, e.Outcome}]++
			require.NotEmpty(t, e.RequestID)
			require.NotEmpty(t, e.Resource)
			require.False(t, e.Time.IsZero())
			for _, secret := range toks {
				if secret != "" {
					require.NotContains(t, fmt.Sprint(e.Detail), secret)
				}
			}
		}
		require.Equal(t, 3, got[key{"admin", "tokens.create", "success"}])
		require.Equal(t, 1, got[key{"admin", "tokens.create", "failure"}])
		require.Equal(t, 1, got[key{"admin", "tokens.revoke", "success"}])
		require.Equal(t, 1, got[key{"t-viewer", "events.put", "denied"}])
		require.Equal(t, 1, got[key{"t-operator", "events.put", "success"}])
		// Newest first; the put records entry counts, not contents.
		for _, e := range list.Entries {
			if e.Action == "events.put" && e.Outcome == "success" {
				require.Equal(t, map[string]string{"entries": "2", "failed": "1"}, e.Detail)
			}
		}
		require.Equal(t, "tokens.create", list.Entries[0].Action)

		// Filters.
		status, b = s.Do(t, http.MethodGet, "/api/v1/audit?action=tokens.revoke", s.AdminToken, nil)
		require.Equal(t, http.StatusOK, status)
		require.NoError(t, json.Unmarshal(b, &list))
		require.Len(t, list.Entries, 1)
	})
}

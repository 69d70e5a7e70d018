package ingest_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/firstline/firstline/internal/server/servertest"
	"github.com/firstline/firstline/internal/store"
	"github.com/firstline/firstline/internal/store/storetest"
)

func applyHook(t *testing.T, s *servertest.Server, name, spec string) {
	t.Helper()
	status, b := s.Do(t, http.MethodPut, "/api/v1/resources/Hook/"+name, s.AdminToken, spec)
	require.Contains(t, []int{200, 201}, status, string(b))
}

func post(t *testing.T, s *servertest.Server, path string, header map[string]string, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func countEvents(t *testing.T, s *servertest.Server, source string) int {
	t.Helper()
	status, b := s.Do(t, http.MethodGet, "/api/v1/events?limit=1000&source="+source, s.AdminToken, nil)
	require.Equal(t, http.StatusOK, status)
	var list struct{ Events []json.RawMessage }
	require.NoError(t, json.Unmarshal(b, &list))
	return len(list.Events)
}

// TestGenericHookAuthAndLimits: a bearer-protected generic hook stores
// what it accepts and nothing it rejects.
func TestGenericHookAuthAndLimits(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, d store.Dialect) {
		s := servertest.Start(t, d)
		applyHook(t, s, "deploys", `{"Type":"generic","Auth":{"Bearer":"tok-0123456789"},"SourcePath":"$.service","DetailTypePath":"$.action","ResourcesPath":"$.hosts[*]","TimePath":"$.at"}`)
		ok := map[string]string{"Authorization": "Bearer tok-0123456789"}

		status, body := post(t, s, "/hooks/deploys", ok, `{"service":"ci.web","action":"Deployment","hosts":["web-1","web-2"],"at":"2026-11-20T10:00:00Z","version":"1.2"}`)
		require.Equal(t, http.StatusOK, status, body)
		var resp struct{ EventIds []string }
		require.NoError(t, json.Unmarshal([]byte(body), &resp))
		require.Len(t, resp.EventIds, 1)
		status, b := s.Do(t, http.MethodGet, "/api/v1/events/"+resp.EventIds[0], s.AdminToken, nil)
		require.Equal(t, http.StatusOK, status)
		var ev map[string]any
		require.NoError(t, json.Unmarshal(b, &ev))
		require.Equal(t, "ci.web", ev["source"])
		require.Equal(t, "Deployment", ev["detail-type"])
		require.Equal(t, []any{"web-1", "web-2"}, ev["resources"])
		require.Equal(t, "2026-11-20T10:00:00Z", ev["time"])
		require.Equal(t, "1.2", ev["detail"].(map[string]any)["version"])

		for name, h := range map[string]map[string]string{
			"no token":      nil,
			"wrong token":   {"Authorization": "Bearer nope"},
			"hash as token": {"Authorization": "Bearer sha256:" + strings.Repeat("0", 64)},
		} {
			status, body := post(t, s, "/hooks/deploys", h, `{"service":"evil"}`)
			require.Equal(t, http.StatusUnauthorized, status, name+": "+body)
		}
		status, _ = post(t, s, "/hooks/nope", ok, `{"service":"evil"}`)
		require.Equal(t, http.StatusUnauthorized, status)
		require.Zero(t, countEvents(t, s, "evil"), "a rejected request was stored")

		status, body = post(t, s, "/hooks/deploys", ok, `{"service":`)
		require.Equal(t, http.StatusBadRequest, status)
		require.Contains(t, body, "not valid JSON")
		status, body = post(t, s, "/hooks/deploys", ok, `{"service":"x","at":"yesterday"}`)
		require.Equal(t, http.StatusBadRequest, status)
		require.Contains(t, body, `"field":"$.at"`)
		status, _ = post(t, s, "/hooks/deploys", ok, `{"x":"`+strings.Repeat("a", 1<<20)+`"}`)
		require.Equal(t, http.StatusRequestEntityTooLarge, status)

		// The stored spec holds a hash, never the token.
		_, b = s.Do(t, http.MethodGet, "/api/v1/resources/Hook/deploys", s.AdminToken, nil)
		require.NotContains(t, string(b), "tok-0123456789")
		require.Contains(t, string(b), `"Bearer":"sha256:`)
		// Re-applying what get returns is unchanged and still works.
		var got struct{ Spec json.RawMessage }
		require.NoError(t, json.Unmarshal(b, &got))
		status, b = s.Do(t, http.MethodPut, "/api/v1/resources/Hook/deploys", s.AdminToken, string(got.Spec))
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, string(b), `"outcome":"unchanged"`)
		status, _ = post(t, s, "/hooks/deploys", ok, `{"service":"ci.web"}`)
		require.Equal(t, http.StatusOK, status)

		_, metrics := s.Do(t, http.MethodGet, "/metrics", "", nil)
		require.Contains(t, string(metrics), `firstline_hook_requests_total{hook="deploys",outcome="unauthorized"} 3`)
	})
}

func TestBasicAndHmacAuth(t *testing.T) {
	t.Parallel()
	s := servertest.Start(t, store.SQLite)
	applyHook(t, s, "basic", `{"Type":"generic","Auth":{"Basic":{"Username":"am","Password":"pw-secret"}}}`)
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/hooks/basic", strings.NewReader(`{"a":1}`))
	req.SetBasicAuth("am", "pw-secret")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	req, _ = http.NewRequest(http.MethodPost, s.URL+"/hooks/basic", strings.NewReader(`{"a":1}`))
	req.SetBasicAuth("am", "wrong")
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	require.Equal(t, `Basic realm="firstline hook"`, resp.Header.Get("WWW-Authenticate"))

	secret := "0123456789abcdef-secret"
	applyHook(t, s, "signed", `{"Type":"generic","Auth":{"Hmac":{"Secret":"`+secret+`","Header":"X-Hub-Signature-256"}}}`)
	body := `{"ref":"main"}`
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(body))
	sig := "sha256=" + hex.EncodeToString(m.Sum(nil))
	status, b := post(t, s, "/hooks/signed", map[string]string{"X-Hub-Signature-256": sig}, body)
	require.Equal(t, http.StatusOK, status, b)
	status, _ = post(t, s, "/hooks/signed", map[string]string{"X-Hub-Signature-256": sig}, `{"ref":"evil"}`)
	require.Equal(t, http.StatusUnauthorized, status)
}

func TestHookSpecValidation(t *testing.T) {
	t.Parallel()
	s := servertest.Start(t, store.SQLite)
	for spec, want := range map[string]string{
		`{"Type":"generic"}`:                      "spec.Auth: is required",
		`{"Type":"nagios","Auth":{"Bearer":"x"}}`: "unknown hook type",
		`{"Type":"generic","Auth":{"Bearer":"x","Basic":{"Username":"a","Password":"b"}}}`: "set one of Bearer, Basic, Hmac",
		`{"Type":"generic","Auth":{"Hmac":{"Secret":"short"}}}`:                            "at least 16 characters",
		`{"Type":"generic","Auth":{"Bearer":"x"},"SourcePath":"service"}`:                  "spec.SourcePath",
		`{"Type":"generic","Auth":{"Bearer":"x"},"Colour":"red"}`:                          "spec.Colour: unknown field",
	} {
		status, b := s.Do(t, http.MethodPut, "/api/v1/resources/Hook/h?dry-run=true", s.AdminToken, spec)
		require.Equal(t, http.StatusBadRequest, status, spec)
		require.Contains(t, string(b), want, spec)
	}
}

// TestEventBridgeHookFixtures: every real EventBridge fixture enters the
// bus unchanged but for its id.
func TestEventBridgeHookFixtures(t *testing.T) {
	t.Parallel()
	s := servertest.Start(t, store.SQLite)
	applyHook(t, s, "aws", `{"Type":"eventbridge","Auth":{"Bearer":"aws-token-123"}}`)
	files, err := filepath.Glob("../../testdata/fixtures/eventbridge/*.json")
	require.NoError(t, err)
	cw, _ := filepath.Glob("../../testdata/fixtures/cloudwatch/*.json")
	files = append(files, cw...)
	require.NotEmpty(t, files)
	for _, f := range files {
		raw, err := os.ReadFile(f)
		require.NoError(t, err)
		status, body := post(t, s, "/hooks/aws", map[string]string{"Authorization": "Bearer aws-token-123"}, string(raw))
		require.Equal(t, http.StatusOK, status, f+": "+body)
		var resp struct{ EventIds []string }
		require.NoError(t, json.Unmarshal([]byte(body), &resp))
		_, b := s.Do(t, http.MethodGet, "/api/v1/events/"+resp.EventIds[0], s.AdminToken, nil)
		var in, out map[string]any
		require.NoError(t, json.Unmarshal(raw, &in))
		require.NoError(t, json.Unmarshal(b, &out))
		for _, k := range []string{"source", "detail-type", "account", "region", "time", "detail"} {
			require.Equal(t, in[k], out[k], "%s: %s", f, k)
		}
		require.Contains(t, out["resources"], "eventbridge-event-id/"+in["id"].(string))
	}
}

package grafana_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/firstline/firstline/internal/ingest"
	"github.com/firstline/firstline/internal/ingest/grafana"
)

// Grafana's webhook signing, as its documentation (webhook notifier, "HMAC
// signature") describes it and grafana/alerting's http/hmac.go does it:
//
//   - the signature is HMAC-SHA256 under the secret (its UTF-8 bytes, as
//     is), sent as lowercase hex with no "sha256=" prefix in the signature
//     header (default X-Grafana-Alerting-Signature);
//   - with a Timestamp Header configured (it has no default name), Grafana
//     sends the Unix time in seconds in that header and signs
//     "<timestamp>:<body>"; without one it signs the body alone.
//
// firstline verifies it with the framework's Hmac auth, set to the same
// names (Algorithm defaults to sha256):
//
//	Auth:
//	  Hmac:
//	    Secret: "${GRAFANA_HOOK_SECRET}"
//	    Header: X-Grafana-Alerting-Signature
//	    TimestampHeader: X-Grafana-Alerting-Signature-Timestamp
//
// The framework's verification is unexported; these tests pin the scheme
// (against signatures computed independently with openssl) and the spec.
const (
	signatureHeader = "X-Grafana-Alerting-Signature"
	timestampHeader = "X-Grafana-Alerting-Signature-Timestamp"
	testSecret      = "firstline-grafana-test-secret"
)

// grafanaSign signs body as Grafana does; timestamp "" means no timestamp
// header is configured.
func grafanaSign(secret, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	if timestamp != "" {
		m.Write([]byte(timestamp + ":"))
	}
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// grafanaRequestHeader is the header Grafana sends with a signed request.
func grafanaRequestHeader(secret, timestamp string, body []byte) http.Header {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	if timestamp != "" {
		h.Set(timestampHeader, timestamp)
	}
	h.Set(signatureHeader, grafanaSign(secret, timestamp, body))
	return h
}

// verifyAsDocumented checks a request the way Grafana's documentation tells
// a receiver to ("Validate a request"): read the signature header, rebuild
// the signed message (with the timestamp header's value when one is
// configured), compute the HMAC-SHA256 and compare in constant time.
func verifyAsDocumented(secret string, withTimestamp bool, h http.Header, body []byte) bool {
	got, err := hex.DecodeString(h.Get(signatureHeader))
	if err != nil || len(got) == 0 {
		return false
	}
	m := hmac.New(sha256.New, []byte(secret))
	if withTimestamp {
		ts := h.Get(timestampHeader)
		if ts == "" {
			return false
		}
		m.Write([]byte(ts + ":"))
	}
	m.Write(body)
	return hmac.Equal(m.Sum(nil), got)
}

func TestGrafanaSignatureOfFixture(t *testing.T) {
	t.Parallel()
	body := readFixture(t)
	// Computed with openssl from the fixture file's bytes:
	//   openssl dgst -sha256 -hmac firstline-grafana-test-secret < webhook-firing.json
	//   { printf '1780843440:'; cat webhook-firing.json; } | openssl dgst -sha256 -hmac firstline-grafana-test-secret
	tests := []struct {
		name      string
		timestamp string
		want      string
	}{
		{"body only (no timestamp header)", "", "e1803ca1d5af8e0b65c29bfdd9f233e7b3c7e0a5cc25def8d681262aba877552"},
		{"timestamp and body", "1780843440", "d5b69c2af03bd3dbcedd51aa9df1d2be783f8c47e69998b5edf80ce0534faaf5"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Len(t, body, 2400, "the fixture changed; recompute the expected signatures with openssl")
			sig := grafanaSign(testSecret, tc.timestamp, body)
			require.Equal(t, tc.want, sig)

			h := grafanaRequestHeader(testSecret, tc.timestamp, body)
			require.Equal(t, tc.want, h.Get("x-grafana-alerting-signature"), "header names are case-insensitive")
			require.True(t, verifyAsDocumented(testSecret, tc.timestamp != "", h, body))

			// What must fail: another secret, a changed body, and (with a
			// timestamp) a changed or missing timestamp.
			require.False(t, verifyAsDocumented("another-secret-0123456789", tc.timestamp != "", h, body))
			changed := append([]byte{}, body...)
			changed[len(changed)-3] ^= 1
			require.False(t, verifyAsDocumented(testSecret, tc.timestamp != "", h, changed))
			if tc.timestamp != "" {
				h2 := h.Clone()
				h2.Set(timestampHeader, "1780843441")
				require.False(t, verifyAsDocumented(testSecret, true, h2, body))
				h2.Del(timestampHeader)
				require.False(t, verifyAsDocumented(testSecret, true, h2, body))
			}

			// The signed bytes are the bytes the receiver parses.
			events, err := receive(t, newReceiver(t, `{"Type":"grafana"}`), body)
			require.NoError(t, err)
			require.Len(t, events, 1)
		})
	}
}

// TestDocumentedHmacSpec: the hook spec in the package documentation is
// one New accepts, and its Auth has the framework's field names (decoded
// with unknown fields rejected) and the header names Grafana is set to.
func TestDocumentedHmacSpec(t *testing.T) {
	t.Parallel()
	spec := `{"Type": "grafana",
		"Auth": {"Hmac": {"Secret": "${GRAFANA_HOOK_SECRET}", "Header": "X-Grafana-Alerting-Signature",
			"TimestampHeader": "X-Grafana-Alerting-Signature-Timestamp"}},
		"ResourceLabels": ["instance", "job", "service"]}`
	r, err := grafana.New("grafana", json.RawMessage(spec))
	require.NoError(t, err)
	require.NotNil(t, r)

	var base ingest.SpecBase
	require.NoError(t, json.Unmarshal([]byte(spec), &base))
	var auth ingest.Auth
	require.NoError(t, ingest.DecodeSpec(base.Auth, &auth))
	require.NotNil(t, auth.Hmac)
	require.Equal(t, signatureHeader, auth.Hmac.Header)
	require.Equal(t, timestampHeader, auth.Hmac.TimestampHeader)
	require.Empty(t, auth.Hmac.Algorithm, "sha256, the framework's default, is what Grafana uses")
	require.Empty(t, auth.Bearer)
	require.Nil(t, auth.Basic)
}

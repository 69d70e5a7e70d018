package sns_test

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/firstline/firstline/internal/event"
	"github.com/firstline/firstline/internal/ingest"
	"github.com/firstline/firstline/internal/ingest/sns"
)

// fuzzPKI uses 1024-bit keys: the fuzz body is re-signed on every run.
var fuzzPKI = sync.OnceValue(func() *testPKI { return newPKI(1024) })

// memorySNS answers like SNS without a network: a ConfirmSubscription
// URL is answered 200, any other URL with the fuzz signing certificate.
func memorySNS(p *testPKI) *http.Client {
	return &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		body := p.certPEM
		if r.URL.Query().Get("Action") == "ConfirmSubscription" {
			body = []byte("<ConfirmSubscriptionResponse/>")
		}
		return &http.Response{StatusCode: http.StatusOK, Status: "200 OK", Body: io.NopCloser(bytes.NewReader(body)), Header: http.Header{}, Request: r}, nil
	})}
}

// signedFields are the message fields the receiver decodes; encoding/json
// matches them case-insensitively.
var signedFields = []string{"Type", "MessageId", "TopicArn", "Subject", "Message", "Timestamp", "Token", "SubscribeURL",
	"SignatureVersion", "Signature", "SigningCertURL", "MessageAttributes"}

// wellFormed reports whether a re-signed m must pass verification: a known
// Type, its required fields strings, an SNS certificate URL, no field
// spelled in another case, Subject absent or a string.
func wellFormed(m map[string]any) bool {
	for k := range m {
		for _, f := range signedFields {
			if k != f && strings.EqualFold(k, f) {
				return false
			}
		}
	}
	required := []string{"MessageId", "TopicArn", "Message", "Timestamp"}
	switch m["Type"] {
	case "Notification":
	case "SubscriptionConfirmation", "UnsubscribeConfirmation":
		required = append(required, "Token", "SubscribeURL")
	default:
		return false
	}
	for _, f := range required {
		if _, ok := m[f].(string); !ok {
			return false
		}
	}
	if s, ok := m["Subject"]; ok && s != nil {
		if _, ok := s.(string); !ok {
			return false
		}
	}
	if a, ok := m["MessageAttributes"]; ok && a != nil {
		if _, ok := a.(map[string]any); !ok {
			return false
		}
	}
	u, _ := m["SigningCertURL"].(string)
	_, err := sns.CheckURL(u, nil)
	return err == nil
}

// checkResult: error and events are never both set, and what is accepted
// is a well-formed event of a known kind.
func checkResult(t *testing.T, evs []*event.Event, err error) {
	t.Helper()
	if err != nil {
		require.Nil(t, evs, "error and events both set: %v", err)
		var resp *ingest.Response
		if errors.As(err, &resp) {
			require.Contains(t, []int{http.StatusOK, http.StatusServiceUnavailable}, resp.Status)
		}
		return
	}
	require.Len(t, evs, 1)
	e := evs[0]
	switch e.Source {
	case "aws.sns":
		require.Contains(t, []string{"SNS Notification", "SNS Subscription Confirmation", "SNS Unsubscribe Confirmation"}, e.DetailType)
	case "aws.cloudwatch":
		require.Equal(t, "CloudWatch Alarm State Change", e.DetailType)
	default:
		t.Fatalf("unknown source %q", e.Source)
	}
	require.True(t, json.Valid(e.Detail), "detail is not JSON: %s", e.Detail)
	require.Equal(t, byte('{'), e.Detail[0])
	require.Len(t, e.Resources, 1)
	require.False(t, e.Time.IsZero())
	require.True(t, e.Time.Year() >= 1970 && e.Time.Year() <= 9999)
	require.Equal(t, e.Time.UTC().Truncate(time.Second), e.Time)
}

// sigMemo memoizes fuzz signatures by version and string to sign:
// mutations (and minimization) often leave the signed fields alone, and
// RSA signing is most of the cost of a run.
type sigMemo struct {
	mu   sync.Mutex
	sigs map[string]string
}

func (s *sigMemo) sign(t *testing.T, key *rsa.PrivateKey, m map[string]any, version string) []byte {
	m["SignatureVersion"] = version
	k := version + "\x00" + testStringToSign(m)
	s.mu.Lock()
	sig, ok := s.sigs[k]
	s.mu.Unlock()
	if !ok {
		signWith(t, key, m, version)
		sig, _ = m["Signature"].(string)
		s.mu.Lock()
		if len(s.sigs) >= 4096 {
			clear(s.sigs)
		}
		s.sigs[k] = sig
		s.mu.Unlock()
	}
	m["Signature"] = sig
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return b
}

// FuzzSNS: no panics; error and events never both set. Each body is tried
// as it is (its signature, if any, is not the test key's) and re-signed
// with the test key, so that conversion is fuzzed too; a well-formed
// re-signed message must pass verification.
func FuzzSNS(f *testing.F) {
	p := fuzzPKI()
	files, err := filepath.Glob(filepath.Join(fixtureDir, "sns", "*.json"))
	require.NoError(f, err)
	for _, file := range files {
		b, err := os.ReadFile(file)
		require.NoError(f, err)
		f.Add(b)
		var compact bytes.Buffer
		require.NoError(f, json.Compact(&compact, b))
		f.Add(compact.Bytes())
	}
	o := sns.Options{Client: memorySNS(p), Now: func() time.Time { return testNow }}
	plain := newReceiver(f, `{"Type":"sns"}`, o)
	auto := newReceiver(f, `{"Type":"sns","AutoConfirm":true}`, o)
	ctx := context.Background()
	memo := &sigMemo{sigs: map[string]string{}}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, r := range []ingest.Receiver{plain, auto} {
			evs, err := r.Receive(ctx, request(body))
			checkResult(t, evs, err)
		}
		var m map[string]any
		if json.Unmarshal(body, &m) != nil || m == nil {
			return
		}
		v, _ := m["SignatureVersion"].(string)
		if v != "1" && v != "2" {
			v = "2"
		}
		mustVerify := wellFormed(m)
		signed := memo.sign(t, p.key, m, v)
		for _, r := range []ingest.Receiver{plain, auto} {
			evs, err := r.Receive(ctx, request(signed))
			checkResult(t, evs, err)
			if mustVerify {
				var ue *sns.UnauthorizedError
				require.False(t, errors.As(err, &ue), "a well-formed message signed with the key was rejected: %v\n%s", err, signed)
			}
		}
	})
}

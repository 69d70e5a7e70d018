package sns_test

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/firstline/firstline/internal/event"
	"github.com/firstline/firstline/internal/ingest"
	"github.com/firstline/firstline/internal/ingest/sns"
)

const (
	topic     = "arn:aws:sns:ap-northeast-1:123456789012:monitoring_topic"
	alarmArn  = "arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:cpu-high-i-08e631ab0d0265f29"
	certURL   = "https://sns.ap-northeast-1.amazonaws.com" + fixtureCertPath
	plainSpec = `{"Type":"sns"}`
)

// requireEvent checks the one event of evs: envelope fields exactly, the
// detail byte for byte.
func requireEvent(t *testing.T, want event.Event, evs []*event.Event) {
	t.Helper()
	require.Len(t, evs, 1)
	got := *evs[0]
	require.Equal(t, string(want.Detail), string(got.Detail))
	require.True(t, json.Valid(got.Detail))
	require.Equal(t, want, got)
}

func TestNotificationPlain(t *testing.T) {
	t.Parallel()
	for _, v := range versions {
		t.Run("SignatureVersion"+v, func(t *testing.T) {
			t.Parallel()
			f := startFakeSNS(t, pki())
			r := newReceiver(t, plainSpec, f.options(t))
			body := sign(t, readFixture(t, "notification-plain.json"), v)
			evs, err := r.Receive(context.Background(), request(body))
			require.NoError(t, err)
			requireEvent(t, event.Event{
				Source: "aws.sns", DetailType: "SNS Notification",
				Account: "123456789012", Region: "ap-northeast-1",
				Time:      time.Date(2026, 6, 7, 14, 51, 53, 0, time.UTC),
				Resources: []string{topic},
				Detail: json.RawMessage(`{"TopicArn":"` + topic + `",` +
					`"Subject":"[COMPLETED] AI DevOps Task: INVESTIGATION",` +
					`"Message":"=== AI DevOps Agent Event ===\n\nDetail Type: Investigation Completed\n",` +
					`"MessageId":"da41e39f-ea4d-435a-b922-c6aae3915ebe","Timestamp":"2026-06-07T14:51:53.000Z"}`),
			}, evs)
			require.Equal(t, []string{"sns.ap-northeast-1.amazonaws.com" + fixtureCertPath}, f.seen())
		})
	}
}

// TestNotificationWithoutSubjectWithAttributes: no Subject is signed and
// none is emitted; MessageAttributes (not signed by SNS) are kept.
func TestNotificationWithoutSubjectWithAttributes(t *testing.T) {
	t.Parallel()
	f := startFakeSNS(t, pki())
	r := newReceiver(t, plainSpec, f.options(t))
	m := readFixture(t, "notification-plain.json")
	delete(m, "Subject")
	m["Message"] = `{"not":"an alarm"}`
	m["MessageAttributes"] = map[string]any{"severity": map[string]any{"Type": "String", "Value": "high"}}
	evs, err := r.Receive(context.Background(), request(sign(t, m, "2")))
	require.NoError(t, err)
	requireEvent(t, event.Event{
		Source: "aws.sns", DetailType: "SNS Notification",
		Account: "123456789012", Region: "ap-northeast-1",
		Time:      time.Date(2026, 6, 7, 14, 51, 53, 0, time.UTC),
		Resources: []string{topic},
		Detail: json.RawMessage(`{"TopicArn":"` + topic + `","Message":"{\"not\":\"an alarm\"}",` +
			`"MessageId":"da41e39f-ea4d-435a-b922-c6aae3915ebe","Timestamp":"2026-06-07T14:51:53.000Z",` +
			`"MessageAttributes":{"severity":{"Type":"String","Value":"high"}}}`),
	}, evs)
}

const alarmDetail = `{"alarmName":"cpu-high-i-08e631ab0d0265f29",` +
	`"configuration":{"description":"CPU of the web instance above 70%","metrics":[{"metricStat":{"metric":{"namespace":"AWS/EC2","name":"CPUUtilization","dimensions":{"InstanceId":"i-08e631ab0d0265f29"}},"period":60,"stat":"Average"},"returnData":true}]},` +
	`"previousState":{"value":"OK"},` +
	`"state":{"reason":"Threshold Crossed: 1 out of the last 1 datapoints [76.72 (07/06/26 14:44:00)] was greater than the threshold (70.0) (minimum 1 datapoint for OK -> ALARM transition).","timestamp":"2026-06-07T14:45:00.123+0000","value":"ALARM"}}`

func TestNotificationCloudWatchAlarm(t *testing.T) {
	t.Parallel()
	for _, v := range versions {
		t.Run("SignatureVersion"+v, func(t *testing.T) {
			t.Parallel()
			f := startFakeSNS(t, pki())
			r := newReceiver(t, plainSpec, f.options(t))
			evs, err := r.Receive(context.Background(), request(sign(t, readFixture(t, "notification-cloudwatch-alarm.json"), v)))
			require.NoError(t, err)
			requireEvent(t, event.Event{
				Source: "aws.cloudwatch", DetailType: "CloudWatch Alarm State Change",
				Account: "123456789012", Region: "ap-northeast-1",
				Time:      time.Date(2026, 6, 7, 14, 45, 0, 0, time.UTC),
				Resources: []string{alarmArn},
				Detail:    json.RawMessage(alarmDetail),
			}, evs)
		})
	}
}

// TestAlarmMatchesEventBridge compares the converted alarm with the event
// EventBridge delivers for the same state change: equal, except for what
// an SNS alarm notification does not carry (documented in sns.md).
func TestAlarmMatchesEventBridge(t *testing.T) {
	t.Parallel()
	f := startFakeSNS(t, pki())
	r := newReceiver(t, plainSpec, f.options(t))
	evs, err := r.Receive(context.Background(), request(sign(t, readFixture(t, "notification-cloudwatch-alarm.json"), "2")))
	require.NoError(t, err)
	require.Len(t, evs, 1)
	got := evs[0]

	b, err := os.ReadFile(filepath.Join(fixtureDir, "cloudwatch", "alarm-state-change-ok-to-alarm.json"))
	require.NoError(t, err)
	var want event.Event
	require.NoError(t, json.Unmarshal(b, &want))
	require.Equal(t, want.Source, got.Source)
	require.Equal(t, want.DetailType, got.DetailType)
	require.Equal(t, want.Account, got.Account)
	require.Equal(t, want.Region, got.Region)
	require.Equal(t, want.Resources, got.Resources)
	require.Equal(t, want.Time, got.Time)

	var d map[string]any
	require.NoError(t, json.Unmarshal(want.Detail, &d))
	metric := d["configuration"].(map[string]any)["metrics"].([]any)[0].(map[string]any)
	delete(metric, "id")                              // a single-metric alarm's id: not in the notification
	delete(d["state"].(map[string]any), "reasonData") // not in the notification
	prev := d["previousState"].(map[string]any)       // the notification has OldStateValue only
	delete(prev, "reason")
	delete(prev, "reasonData")
	delete(prev, "timestamp")
	stripped, err := json.Marshal(d)
	require.NoError(t, err)
	require.JSONEq(t, string(stripped), string(got.Detail))
}

func TestSubscriptionConfirmationBecomesEvent(t *testing.T) {
	t.Parallel()
	for _, v := range versions {
		t.Run("SignatureVersion"+v, func(t *testing.T) {
			t.Parallel()
			f := startFakeSNS(t, pki())
			r := newReceiver(t, `{"Type":"sns","AutoConfirm":false}`, f.options(t))
			m := readFixture(t, "subscription-confirmation.json")
			evs, err := r.Receive(context.Background(), request(sign(t, m, v)))
			require.NoError(t, err)
			requireEvent(t, event.Event{
				Source: "aws.sns", DetailType: "SNS Subscription Confirmation",
				Account: "123456789012", Region: "ap-northeast-1",
				Time:      time.Date(2026, 6, 7, 14, 30, 4, 0, time.UTC),
				Resources: []string{topic},
				Detail: json.RawMessage(`{"TopicArn":"` + topic + `","SubscribeURL":"` + m["SubscribeURL"].(string) + `",` +
					`"Token":"` + m["Token"].(string) + `","MessageId":"165545c9-2a5c-472c-8df2-7ff2be2b3b1b","Timestamp":"2026-06-07T14:30:04.751Z"}`),
			}, evs)
			// Only the certificate was fetched: nobody visited SubscribeURL.
			require.Equal(t, []string{"sns.ap-northeast-1.amazonaws.com" + fixtureCertPath}, f.seen())
		})
	}
}

func TestAutoConfirm(t *testing.T) {
	t.Parallel()
	for _, v := range versions {
		t.Run("SignatureVersion"+v, func(t *testing.T) {
			t.Parallel()
			f := startFakeSNS(t, pki())
			r := newReceiver(t, `{"Type":"sns","AutoConfirm":true}`, f.options(t))
			m := readFixture(t, "subscription-confirmation.json")
			evs, err := r.Receive(context.Background(), request(sign(t, m, v)))
			require.Nil(t, evs)
			var resp *ingest.Response
			require.ErrorAs(t, err, &resp)
			require.Equal(t, http.StatusOK, resp.Status)
			require.Equal(t, map[string]any{"Confirmed": true, "TopicArn": topic, "MessageId": "165545c9-2a5c-472c-8df2-7ff2be2b3b1b"}, resp.Body)
			subscribe := strings.TrimPrefix(m["SubscribeURL"].(string), "https://")
			require.Equal(t, []string{"sns.ap-northeast-1.amazonaws.com" + fixtureCertPath, subscribe}, f.seen(),
				"the certificate, then SubscribeURL, each once")
		})
	}
}

// TestAutoConfirmURLChecks: a signed confirmation whose SubscribeURL is not
// an SNS ConfirmSubscription URL is not visited; an SNS host failing with
// 503 is answered 503 (SNS retries).
func TestAutoConfirmURLChecks(t *testing.T) {
	t.Parallel()
	f := startFakeSNS(t, pki())
	r := newReceiver(t, `{"Type":"sns","AutoConfirm":true}`, f.options(t))
	for _, u := range []string{
		"https://evil.example.com/?Action=ConfirmSubscription&Token=x",
		"http://sns.ap-northeast-1.amazonaws.com/?Action=ConfirmSubscription&Token=x",
		"https://sns.ap-northeast-1.amazonaws.com/?Action=Publish&Message=x",
	} {
		m := readFixture(t, "subscription-confirmation.json")
		m["SubscribeURL"] = u
		evs, err := r.Receive(context.Background(), request(sign(t, m, "2")))
		require.Nil(t, evs)
		var fe *ingest.FieldError
		require.ErrorAs(t, err, &fe, u)
		require.Equal(t, "SubscribeURL", fe.Field())
	}
	require.Equal(t, []string{"sns.ap-northeast-1.amazonaws.com" + fixtureCertPath}, f.seen(), "no SubscribeURL visited")

	m := readFixture(t, "subscription-confirmation.json")
	m["SubscribeURL"] = "https://sns.ap-northeast-1.amazonaws.com/unavailable?Action=ConfirmSubscription&Token=x"
	evs, err := r.Receive(context.Background(), request(sign(t, m, "2")))
	require.Nil(t, evs)
	var ue *sns.UnavailableError
	require.ErrorAs(t, err, &ue)
	var resp *ingest.Response
	require.ErrorAs(t, err, &resp)
	require.Equal(t, http.StatusServiceUnavailable, resp.Status)
}

func TestUnsubscribeConfirmation(t *testing.T) {
	t.Parallel()
	for _, spec := range []string{`{"Type":"sns"}`, `{"Type":"sns","AutoConfirm":true}`} {
		f := startFakeSNS(t, pki())
		r := newReceiver(t, spec, f.options(t))
		m := readFixture(t, "unsubscribe-confirmation.json")
		evs, err := r.Receive(context.Background(), request(sign(t, m, "1")))
		require.NoError(t, err, spec)
		requireEvent(t, event.Event{
			Source: "aws.sns", DetailType: "SNS Unsubscribe Confirmation",
			Account: "123456789012", Region: "ap-northeast-1",
			Time:      time.Date(2026, 6, 8, 0, 0, 0, 0, time.UTC),
			Resources: []string{topic},
			Detail: json.RawMessage(`{"TopicArn":"` + topic + `","SubscribeURL":"` + m["SubscribeURL"].(string) + `",` +
				`"Token":"` + m["Token"].(string) + `","MessageId":"47138184-6831-46b8-8f7c-afc488602d7d","Timestamp":"2026-06-08T00:00:00.000Z"}`),
		}, evs)
		// Never re-subscribes, even with AutoConfirm.
		require.Equal(t, []string{"sns.ap-northeast-1.amazonaws.com" + fixtureCertPath}, f.seen(), spec)
	}
}

// TestTampered: a change to any signed field after signing is rejected,
// for both signature versions, and so is a signature of one version
// presented as the other.
func TestTampered(t *testing.T) {
	t.Parallel()
	f := startFakeSNS(t, pki())
	r := newReceiver(t, plainSpec, f.options(t))
	tamper := map[string]func(m map[string]any){
		"Message":          func(m map[string]any) { m["Message"] = strings.Replace(m["Message"].(string), `"ALARM"`, `"OK"`, 1) },
		"Message appended": func(m map[string]any) { m["Message"] = m["Message"].(string) + " " },
		"Subject":          func(m map[string]any) { m["Subject"] = "OK: all good" },
		"Subject removed":  func(m map[string]any) { delete(m, "Subject") },
		"MessageId":        func(m map[string]any) { m["MessageId"] = "00000000-0000-0000-0000-000000000000" },
		"Timestamp":        func(m map[string]any) { m["Timestamp"] = "2026-06-07T14:45:01.456Z" },
		"TopicArn":         func(m map[string]any) { m["TopicArn"] = "arn:aws:sns:ap-northeast-1:123456789012:other_topic" },
		"Signature": func(m map[string]any) {
			sig := m["Signature"].(string)
			c := "A"
			if sig[0] == 'A' {
				c = "B" // a real change, whatever the first character was
			}
			m["Signature"] = c + sig[1:]
		},
	}
	for _, v := range versions {
		for name, change := range tamper {
			m := readFixture(t, "notification-cloudwatch-alarm.json")
			sign(t, m, v)
			change(m)
			b, err := json.Marshal(m)
			require.NoError(t, err)
			evs, err := r.Receive(context.Background(), request(b))
			requireUnauthorized(t, evs, err, "v%s %s", v, name)
		}
		m := readFixture(t, "notification-cloudwatch-alarm.json")
		sign(t, m, v)
		if v == "1" {
			m["SignatureVersion"] = "2"
		} else {
			m["SignatureVersion"] = "1"
		}
		b, err := json.Marshal(m)
		require.NoError(t, err)
		evs, err := r.Receive(context.Background(), request(b))
		requireUnauthorized(t, evs, err, "v%s signature presented as the other version", v)
	}
	// A confirmation's SubscribeURL and Token are signed too.
	for _, field := range []string{"SubscribeURL", "Token"} {
		m := readFixture(t, "subscription-confirmation.json")
		sign(t, m, "2")
		m[field] = m[field].(string) + "x"
		b, err := json.Marshal(m)
		require.NoError(t, err)
		evs, err := r.Receive(context.Background(), request(b))
		requireUnauthorized(t, evs, err, field)
	}
	// The fixtures' placeholder signatures do not verify.
	for _, name := range []string{"notification-plain.json", "notification-cloudwatch-alarm.json", "subscription-confirmation.json", "unsubscribe-confirmation.json"} {
		b, err := os.ReadFile(filepath.Join(fixtureDir, "sns", name))
		require.NoError(t, err)
		evs, err := r.Receive(context.Background(), request(b))
		requireUnauthorized(t, evs, err, name)
	}
}

// TestCertificateURLRejected: the certificate is only fetched from an
// https URL on sns.<region>.amazonaws.com — nothing else is even
// requested, though the fake server would serve the certificate there.
func TestCertificateURLRejected(t *testing.T) {
	t.Parallel()
	f := startFakeSNS(t, pki())
	r := newReceiver(t, plainSpec, f.options(t))
	for _, u := range []string{
		"https://evil.example.com/good.pem",
		"https://evil.example.com" + fixtureCertPath,
		"http://sns.ap-northeast-1.amazonaws.com" + fixtureCertPath,
		"https://sns.ap-northeast-1.amazonaws.com.evil.example.com/good.pem",
		"https://evil.example.com/sns.us-east-1.amazonaws.com/good.pem",
		"https://user@sns.ap-northeast-1.amazonaws.com/good.pem",
		"https://sns.ap-northeast-1.amazonaws.com:8443/good.pem",
		"https://SNS.ap-northeast-1.amazonaws.com/good.pem",
		"https://s3.amazonaws.com/good.pem",
		"//sns.ap-northeast-1.amazonaws.com/good.pem",
		"file:///etc/passwd",
		"",
	} {
		for _, v := range versions {
			m := readFixture(t, "notification-plain.json")
			m["SigningCertURL"] = u
			evs, err := r.Receive(context.Background(), request(sign(t, m, v)))
			requireUnauthorized(t, evs, err, u)
		}
	}
	require.Empty(t, f.seen(), "nothing fetched")

	// The same message is accepted when the host check allows the host:
	// the rejection above was the host check's.
	o := f.options(t)
	o.AllowedHost = func(h string) bool { return h == "evil.example.com" }
	lax := newReceiver(t, plainSpec, o)
	m := readFixture(t, "notification-plain.json")
	m["SigningCertURL"] = "https://evil.example.com/good.pem"
	evs, err := lax.Receive(context.Background(), request(sign(t, m, "2")))
	require.NoError(t, err)
	require.Len(t, evs, 1)
	require.Equal(t, []string{"evil.example.com/good.pem"}, f.seen())
}

func TestIsSNSHost(t *testing.T) {
	t.Parallel()
	for host, want := range map[string]bool{
		"sns.us-east-1.amazonaws.com":            true,
		"sns.ap-northeast-1.amazonaws.com":       true,
		"sns.us-gov-west-1.amazonaws.com":        true,
		"sns.cn-north-1.amazonaws.com.cn":        true,
		"sns.amazonaws.com":                      false,
		"sns.us-east-1.amazonaws.com:443":        false,
		"sns.us-east-1.amazonaws.com.":           false,
		"sns.us-east-1.amazonaws.com.evil.com":   false,
		"evil-sns.us-east-1.amazonaws.com":       false,
		"sns.us-east-1.amazonaws.co":             false,
		"sqs.us-east-1.amazonaws.com":            false,
		"sns.us_east_1.amazonaws.com":            false,
		"sns.US-EAST-1.amazonaws.com":            false,
		"sns.us-east-1.amazonaws.com.cn.evil.io": false,
		"":                                       false,
	} {
		require.Equal(t, want, sns.IsSNSHost(host), host)
	}
}

// TestCertificateValidity: a certificate outside its validity period is
// rejected, also when it expires while cached.
func TestCertificateValidity(t *testing.T) {
	t.Parallel()
	f := startFakeSNS(t, pki())
	r := newReceiver(t, plainSpec, f.options(t))
	for _, path := range []string{"/expired.pem", "/future.pem"} {
		for _, v := range versions {
			m := readFixture(t, "notification-plain.json")
			m["SigningCertURL"] = "https://sns.us-east-1.amazonaws.com" + path
			evs, err := r.Receive(context.Background(), request(sign(t, m, v)))
			requireUnauthorized(t, evs, err, path)
			require.ErrorContains(t, err, "valid from")
		}
	}

	var now atomic.Pointer[time.Time]
	start := testNow
	now.Store(&start)
	o := f.options(t)
	o.Now = func() time.Time { return *now.Load() }
	o.CacheTTL = 365 * 24 * time.Hour
	clocked := newReceiver(t, plainSpec, o)
	body := sign(t, readFixture(t, "notification-plain.json"), "2")
	_, err := clocked.Receive(context.Background(), request(body))
	require.NoError(t, err)
	later := time.Date(2027, 1, 1, 0, 0, 1, 0, time.UTC) // past NotAfter
	now.Store(&later)
	evs, err := clocked.Receive(context.Background(), request(body))
	requireUnauthorized(t, evs, err)
}

// TestCertificateFetchFailures: what the certificate URL answers decides
// between 401 (no usable certificate) and 503 (try again).
func TestCertificateFetchFailures(t *testing.T) {
	t.Parallel()
	f := startFakeSNS(t, pki())
	r := newReceiver(t, plainSpec, f.options(t))
	for _, path := range []string{"/other.pem", "/garbage.pem", "/missing.pem", "/redirect.pem"} {
		m := readFixture(t, "notification-plain.json")
		m["SigningCertURL"] = "https://sns.us-east-1.amazonaws.com" + path
		evs, err := r.Receive(context.Background(), request(sign(t, m, "2")))
		requireUnauthorized(t, evs, err, path)
	}
	require.NotContains(t, f.seen(), "sns.us-east-1.amazonaws.com"+fixtureCertPath, "redirect not followed")

	m := readFixture(t, "notification-plain.json")
	m["SigningCertURL"] = "https://sns.us-east-1.amazonaws.com/unavailable.pem"
	evs, err := r.Receive(context.Background(), request(sign(t, m, "2")))
	require.Nil(t, evs)
	var ue *sns.UnavailableError
	require.ErrorAs(t, err, &ue)
	var resp *ingest.Response
	require.ErrorAs(t, err, &resp)
	require.Equal(t, http.StatusServiceUnavailable, resp.Status)
	var unauth interface{ Unauthorized() bool }
	require.False(t, errors.As(err, &unauth), "a 503 is not an authentication failure")

	// Unreachable host.
	o := f.options(t)
	o.Client = &http.Client{Transport: roundTripFunc(func(*http.Request) (*http.Response, error) {
		return nil, errors.New("connection refused")
	})}
	down := newReceiver(t, plainSpec, o)
	_, err = down.Receive(context.Background(), request(sign(t, readFixture(t, "notification-plain.json"), "2")))
	require.ErrorAs(t, err, &ue)
	require.ErrorContains(t, err, "connection refused")
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestSignatureVersionAndSignatureRequired(t *testing.T) {
	t.Parallel()
	f := startFakeSNS(t, pki())
	r := newReceiver(t, plainSpec, f.options(t))
	for name, change := range map[string]func(m map[string]any){
		"version 3":           func(m map[string]any) { m["SignatureVersion"] = "3" },
		"version empty":       func(m map[string]any) { m["SignatureVersion"] = "" },
		"no version":          func(m map[string]any) { delete(m, "SignatureVersion") },
		"no signature":        func(m map[string]any) { delete(m, "Signature") },
		"empty signature":     func(m map[string]any) { m["Signature"] = "" },
		"signature not b64":   func(m map[string]any) { m["Signature"] = "not base64!" },
		"no certificate URL":  func(m map[string]any) { delete(m, "SigningCertURL") },
		"null certificateURL": func(m map[string]any) { m["SigningCertURL"] = nil },
	} {
		m := readFixture(t, "notification-plain.json")
		sign(t, m, "2")
		change(m)
		b, err := json.Marshal(m)
		require.NoError(t, err)
		evs, err := r.Receive(context.Background(), request(b))
		requireUnauthorized(t, evs, err, name)
	}
	require.Empty(t, f.seen())
}

// TestCertificateCache: one fetch per certificate URL while cached; a new
// fetch after CacheTTL.
func TestCertificateCache(t *testing.T) {
	t.Parallel()
	f := startFakeSNS(t, pki())
	var now atomic.Pointer[time.Time]
	start := testNow
	now.Store(&start)
	o := f.options(t)
	o.Now = func() time.Time { return *now.Load() }
	o.CacheTTL = time.Minute
	r := newReceiver(t, plainSpec, o)
	for _, name := range []string{"notification-plain.json", "notification-cloudwatch-alarm.json", "subscription-confirmation.json", "unsubscribe-confirmation.json"} {
		for _, v := range versions {
			_, err := r.Receive(context.Background(), request(sign(t, readFixture(t, name), v)))
			require.NoError(t, err, name)
		}
	}
	require.Len(t, f.seen(), 1)
	later := testNow.Add(time.Minute)
	now.Store(&later)
	_, err := r.Receive(context.Background(), request(sign(t, readFixture(t, "notification-plain.json"), "1")))
	require.NoError(t, err)
	require.Len(t, f.seen(), 2)
}

func TestTopicArns(t *testing.T) {
	t.Parallel()
	f := startFakeSNS(t, pki())
	r := newReceiver(t, `{"Type":"sns","TopicArns":["`+topic+`"]}`, f.options(t))
	_, err := r.Receive(context.Background(), request(sign(t, readFixture(t, "notification-plain.json"), "2")))
	require.NoError(t, err)
	m := readFixture(t, "subscription-confirmation.json")
	m["TopicArn"] = "arn:aws:sns:us-east-1:999999999999:someone-elses-topic"
	evs, err := r.Receive(context.Background(), request(sign(t, m, "2")))
	requireUnauthorized(t, evs, err)
	require.ErrorContains(t, err, "TopicArns")
	require.Len(t, f.seen(), 1, "the other topic's certificate is not even fetched")
}

// TestDefaultClientExtraRoots: without an injected client the default one
// is built, trusting ExtraRoots (here the fake server's certificate,
// reached at 127.0.0.1 by an allowed-host override).
func TestDefaultClientExtraRoots(t *testing.T) {
	t.Parallel()
	f := startFakeSNS(t, pki())
	host := f.srv.Listener.Addr().String()
	m := readFixture(t, "notification-plain.json")
	m["SigningCertURL"] = "https://" + host + "/good.pem"
	body := sign(t, m, "2")
	allow := func(h string) bool { return h == host }

	r := newReceiver(t, plainSpec, sns.Options{AllowedHost: allow, Now: func() time.Time { return testNow }, ExtraRoots: []*x509.Certificate{pki().tlsRoot}})
	evs, err := r.Receive(context.Background(), request(body))
	require.NoError(t, err)
	require.Len(t, evs, 1)

	// Without the extra root, TLS fails: a 503, not an authentication
	// failure (the certificate host may be unreachable for a while).
	untrusting := newReceiver(t, plainSpec, sns.Options{AllowedHost: allow, Now: func() time.Time { return testNow }})
	_, err = untrusting.Receive(context.Background(), request(body))
	var ue *sns.UnavailableError
	require.ErrorAs(t, err, &ue)
	require.ErrorContains(t, err, "certificate")
}

func TestNewUsesProductionDefaults(t *testing.T) {
	t.Parallel()
	r, err := sns.New("sns", json.RawMessage(`{"Type":"sns","AutoConfirm":false}`))
	require.NoError(t, err)
	// The fixture's certificate URL is an SNS host; nothing is fetched for
	// a message whose URL is not, so this runs offline.
	m := readFixture(t, "notification-plain.json")
	m["SigningCertURL"] = "https://127.0.0.1/good.pem"
	evs, err := r.Receive(context.Background(), request(sign(t, m, "2")))
	requireUnauthorized(t, evs, err)
}

func TestSpec(t *testing.T) {
	t.Parallel()
	for _, spec := range []string{
		`{"Type":"sns"}`,
		`{"Type":"sns","AutoConfirm":true,"TopicArns":["arn:aws:sns:us-east-1:123456789012:a","arn:aws-cn:sns:cn-north-1:123456789012:b"]}`,
		`{"Type":"sns","Auth":{"Basic":{"Username":"sns","Password":"sha256:0000000000000000000000000000000000000000000000000000000000000000"}}}`,
		``,
	} {
		_, err := sns.New("sns", json.RawMessage(spec))
		require.NoError(t, err, spec)
	}
	for spec, field := range map[string]string{
		`{"Type":"sns","Extra":1}`:                                                "Extra",
		`{"Type":"sns","AutoConfirm":"yes"}`:                                      "AutoConfirm",
		`{"Type":"sns","TopicArns":"arn"}`:                                        "TopicArns",
		`{"Type":"sns","TopicArns":["monitoring_topic"]}`:                         "TopicArns[0]",
		`{"Type":"sns","TopicArns":["arn:aws:sqs:us-east-1:123456789012:q"]}`:     "TopicArns[0]",
		`{"Type":"sns","TopicArns":["arn:aws:sns:us-east-1:123456789012:t:sub"]}`: "TopicArns[0]",
		`{"Type":"sns","TopicArns":["` + topic + `","` + topic + `"]}`:            "TopicArns[1]",
	} {
		_, err := sns.New("sns", json.RawMessage(spec))
		var fe *ingest.FieldError
		require.ErrorAs(t, err, &fe, spec)
		require.Equal(t, field, fe.Field(), spec)
	}
}

// TestMalformed: bodies that are not SNS messages are answered 400 naming
// the field, before anything is fetched.
func TestMalformed(t *testing.T) {
	t.Parallel()
	f := startFakeSNS(t, pki())
	r := newReceiver(t, plainSpec, f.options(t))
	plain := func(change func(m map[string]any)) []byte {
		m := readFixture(t, "notification-plain.json")
		change(m)
		b, err := json.Marshal(m)
		require.NoError(t, err)
		return b
	}
	for name, c := range map[string]struct {
		body   []byte
		header map[string]string
		field  string
	}{
		"not JSON":          {body: []byte(`Type=Notification`), field: ""},
		"array":             {body: []byte(`[]`), field: ""},
		"trailing data":     {body: append(plain(func(map[string]any) {}), '{'), field: ""},
		"null":              {body: []byte(`null`), field: "Type"},
		"no Type":           {body: plain(func(m map[string]any) { delete(m, "Type") }), field: "Type"},
		"unknown Type":      {body: plain(func(m map[string]any) { m["Type"] = "Publish" }), field: "Type"},
		"Type not a string": {body: plain(func(m map[string]any) { m["Type"] = 1 }), field: "Type"},
		"no MessageId":      {body: plain(func(m map[string]any) { delete(m, "MessageId") }), field: "MessageId"},
		"no Message":        {body: plain(func(m map[string]any) { m["Message"] = nil }), field: "Message"},
		"no Timestamp":      {body: plain(func(m map[string]any) { delete(m, "Timestamp") }), field: "Timestamp"},
		"no TopicArn":       {body: plain(func(m map[string]any) { delete(m, "TopicArn") }), field: "TopicArn"},
		"confirmation without Token": {body: func() []byte {
			m := readFixture(t, "subscription-confirmation.json")
			delete(m, "Token")
			b, _ := json.Marshal(m)
			return b
		}(), field: "Token"},
		"attributes not an object": {body: plain(func(m map[string]any) { m["MessageAttributes"] = []any{} }), field: "MessageAttributes"},
		"header type differs": {
			body: plain(func(map[string]any) {}), header: map[string]string{"x-amz-sns-message-type": "SubscriptionConfirmation"}, field: "Type",
		},
		"header topic differs": {
			body: plain(func(map[string]any) {}), header: map[string]string{"x-amz-sns-topic-arn": "arn:aws:sns:us-east-1:1:x"}, field: "TopicArn",
		},
	} {
		req := request(c.body)
		for k, v := range c.header {
			req.Header.Set(k, v)
		}
		evs, err := r.Receive(context.Background(), req)
		require.Nil(t, evs, name)
		var fe *ingest.FieldError
		require.ErrorAs(t, err, &fe, name)
		require.Equal(t, c.field, fe.Field(), name)
	}
	require.Empty(t, f.seen())

	// A signed message with a Timestamp that is not a time (SNS never
	// sends one) is a 400 after verification.
	m := readFixture(t, "notification-plain.json")
	m["Timestamp"] = "yesterday"
	evs, err := r.Receive(context.Background(), request(sign(t, m, "2")))
	require.Nil(t, evs)
	var fe *ingest.FieldError
	require.ErrorAs(t, err, &fe)
	require.Equal(t, "Timestamp", fe.Field())
}

// TestUnauthorizedErrorShape: what the framework relies on.
func TestUnauthorizedErrorShape(t *testing.T) {
	t.Parallel()
	cause := errors.New("cause")
	var err error = &sns.UnauthorizedError{Reason: "the signature does not match the message", Err: cause}
	var unauth interface{ Unauthorized() bool }
	require.ErrorAs(t, err, &unauth)
	require.True(t, unauth.Unauthorized())
	require.ErrorIs(t, err, cause)
	require.Equal(t, "SNS message not verified: the signature does not match the message: cause", err.Error())
	var resp *ingest.Response
	require.False(t, errors.As(err, &resp))
	var fe interface{ Field() string }
	require.False(t, errors.As(err, &fe), "not a 400")
}

package sns

import (
	"crypto/x509"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestAlarmMetricMath(t *testing.T) {
	t.Parallel()
	msg := `{"AlarmName":"api-error-rate","AlarmDescription":null,"AWSAccountId":"123456789012",` +
		`"NewStateValue":"ALARM","NewStateReason":"Threshold Crossed: 1 datapoint [12.5 (07/06/26 14:44:00)] was greater than the threshold (5.0).",` +
		`"StateChangeTime":"2026-06-07T14:45:00.999+0000","Region":"US East (N. Virginia)",` +
		`"AlarmArn":"arn:aws:cloudwatch:us-east-1:123456789012:alarm:api-error-rate","OldStateValue":"INSUFFICIENT_DATA",` +
		`"Trigger":{"Period":60,"EvaluationPeriods":1,"ComparisonOperator":"GreaterThanThreshold","Threshold":5.0,"TreatMissingData":"missing",` +
		`"Metrics":[{"Expression":"100*m1/m2","Id":"e1","Label":"Error rate","ReturnData":true},` +
		`{"Id":"m1","MetricStat":{"Metric":{"Dimensions":[{"value":"orders","name":"ApiName"}],"MetricName":"5XXError","Namespace":"AWS/ApiGateway"},"Period":60,"Stat":"Sum"},"ReturnData":false},` +
		`{"Id":"m2","MetricStat":{"Metric":{"Dimensions":[{"value":"orders","name":"ApiName"}],"MetricName":"Count","Namespace":"AWS/ApiGateway"},"Period":60,"Stat":"SAMPLE_COUNT","Unit":"Count"},"ReturnData":false}]}}`
	e, ok := alarmEvent(msg)
	require.True(t, ok)
	require.Equal(t, "aws.cloudwatch", e.Source)
	require.Equal(t, "CloudWatch Alarm State Change", e.DetailType)
	require.Equal(t, "123456789012", e.Account)
	require.Equal(t, "us-east-1", e.Region)
	require.Equal(t, time.Date(2026, 6, 7, 14, 45, 0, 0, time.UTC), e.Time)
	require.Equal(t, []string{"arn:aws:cloudwatch:us-east-1:123456789012:alarm:api-error-rate"}, e.Resources)
	require.JSONEq(t, `{"alarmName":"api-error-rate",
		"configuration":{"metrics":[
			{"id":"e1","expression":"100*m1/m2","label":"Error rate","returnData":true},
			{"id":"m1","metricStat":{"metric":{"namespace":"AWS/ApiGateway","name":"5XXError","dimensions":{"ApiName":"orders"}},"period":60,"stat":"Sum"},"returnData":false},
			{"id":"m2","metricStat":{"metric":{"namespace":"AWS/ApiGateway","name":"Count","dimensions":{"ApiName":"orders"}},"period":60,"stat":"SampleCount","unit":"Count"},"returnData":false}]},
		"previousState":{"value":"INSUFFICIENT_DATA"},
		"state":{"reason":"Threshold Crossed: 1 datapoint [12.5 (07/06/26 14:44:00)] was greater than the threshold (5.0).","timestamp":"2026-06-07T14:45:00.999+0000","value":"ALARM"}}`,
		string(e.Detail))
}

func TestAlarmCompositeAndExtendedStatistic(t *testing.T) {
	t.Parallel()
	e, ok := alarmEvent(`{"AlarmName":"web-down","AlarmDescription":"web tier down","AWSAccountId":"123456789012","NewStateValue":"OK",` +
		`"NewStateReason":"arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:cpu transitioned to OK","StateChangeTime":"2026-06-07T15:10:00.055Z",` +
		`"AlarmArn":"arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:web-down","OldStateValue":"ALARM","AlarmRule":"ALARM(cpu) OR ALARM(mem)"}`)
	require.True(t, ok)
	require.Equal(t, time.Date(2026, 6, 7, 15, 10, 0, 0, time.UTC), e.Time)
	require.JSONEq(t, `{"alarmName":"web-down","configuration":{"alarmRule":"ALARM(cpu) OR ALARM(mem)","description":"web tier down"},
		"previousState":{"value":"ALARM"},
		"state":{"reason":"arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:cpu transitioned to OK","timestamp":"2026-06-07T15:10:00.055Z","value":"OK"}}`,
		string(e.Detail))

	e, ok = alarmEvent(`{"AlarmName":"p99","AWSAccountId":"123456789012","NewStateValue":"ALARM","NewStateReason":"r","StateChangeTime":"2026-06-07T14:45:00.000+0900",` +
		`"AlarmArn":"arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:p99","OldStateValue":"OK",` +
		`"Trigger":{"MetricName":"Latency","Namespace":"AWS/ELB","StatisticType":"ExtendedStatistic","ExtendedStatistic":"p99","Statistic":null,"Unit":null,"Dimensions":[],"Period":300}}`)
	require.True(t, ok)
	require.Equal(t, time.Date(2026, 6, 7, 5, 45, 0, 0, time.UTC), e.Time)
	require.JSONEq(t, `{"alarmName":"p99","configuration":{"metrics":[{"metricStat":{"metric":{"namespace":"AWS/ELB","name":"Latency","dimensions":{}},"period":300,"stat":"p99"},"returnData":true}]},
		"previousState":{"value":"OK"},"state":{"reason":"r","timestamp":"2026-06-07T14:45:00.000+0900","value":"ALARM"}}`, string(e.Detail))
}

// TestNotAlarms: messages that are not (complete) alarm notifications stay
// SNS notifications.
func TestNotAlarms(t *testing.T) {
	t.Parallel()
	good := map[string]string{
		"AlarmName": `"a"`, "NewStateValue": `"ALARM"`, "OldStateValue": `"OK"`, "NewStateReason": `"r"`,
		"StateChangeTime": `"2026-06-07T14:45:00.123+0000"`, "AlarmArn": `"arn:aws:cloudwatch:us-east-1:123456789012:alarm:a"`,
		"Trigger": `{"MetricName":"m","Namespace":"n","Period":60}`,
	}
	build := func(change map[string]string) string {
		s := "{"
		for k, v := range good {
			if c, ok := change[k]; ok {
				if c == "" {
					continue
				}
				v = c
			}
			if len(s) > 1 {
				s += ","
			}
			s += fmt.Sprintf("%q:%s", k, v)
		}
		return s + "}"
	}
	_, ok := alarmEvent(build(nil))
	require.True(t, ok)
	for _, msg := range []string{
		"", "ALARM: cpu high", "null", "[]", `{}`, `{"AlarmArn":1}`,
		build(map[string]string{"AlarmName": ""}),
		build(map[string]string{"AlarmName": `""`}),
		build(map[string]string{"NewStateReason": ""}),
		build(map[string]string{"OldStateValue": ""}),
		build(map[string]string{"Trigger": ""}),
		build(map[string]string{"StateChangeTime": `"07/06/26 14:45"`}),
		build(map[string]string{"StateChangeTime": `"0000-01-01T00:00:00+0100"`}),
		build(map[string]string{"AlarmArn": `"arn:aws:sns:us-east-1:123456789012:topic"`}),
		build(map[string]string{"AlarmArn": `"not an arn"`}),
		build(map[string]string{"Trigger": `{"Period":"sixty"}`}),
		build(map[string]string{"Trigger": `[]`}),
	} {
		_, ok := alarmEvent(msg)
		require.False(t, ok, msg)
	}
}

// TestStringToSign pins the string to sign of each message type.
func TestStringToSign(t *testing.T) {
	t.Parallel()
	s := func(v string) *string { return &v }
	n := &message{Type: s("Notification"), MessageID: s("id"), TopicArn: s("arn"), Subject: s("subj"), Message: s("a\nb"),
		Timestamp: s("ts"), Token: s("ignored"), SubscribeURL: s("ignored")}
	require.Equal(t, "Message\na\nb\nMessageId\nid\nSubject\nsubj\nTimestamp\nts\nTopicArn\narn\nType\nNotification\n", string(stringToSign(n)))
	n.Subject = nil
	require.Equal(t, "Message\na\nb\nMessageId\nid\nTimestamp\nts\nTopicArn\narn\nType\nNotification\n", string(stringToSign(n)))
	c := &message{Type: s("SubscriptionConfirmation"), MessageID: s("id"), TopicArn: s("arn"), Subject: s("ignored"), Message: s("m"),
		Timestamp: s("ts"), Token: s("tok"), SubscribeURL: s("https://u")}
	require.Equal(t, "Message\nm\nMessageId\nid\nSubscribeURL\nhttps://u\nTimestamp\nts\nToken\ntok\nTopicArn\narn\nType\nSubscriptionConfirmation\n", string(stringToSign(c)))
}

// TestCertCacheBounds: the cache never holds more than its size, drops
// expired entries first, then the oldest, and never keeps a certificate
// past its NotAfter.
func TestCertCacheBounds(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 6, 7, 0, 0, 0, 0, time.UTC)
	cert := &x509.Certificate{NotAfter: t0.Add(24 * time.Hour)}
	c := newCertCache(3, time.Hour)
	for i := range 10 {
		c.put(fmt.Sprint(i), cert, t0.Add(time.Duration(i)*time.Second))
		require.LessOrEqual(t, c.size(), 3)
	}
	require.Nil(t, c.get("6", t0.Add(time.Minute)), "oldest evicted")
	for _, k := range []string{"7", "8", "9"} {
		require.NotNil(t, c.get(k, t0.Add(time.Minute)), k)
	}
	require.Nil(t, c.get("9", t0.Add(2*time.Hour)), "expired after the TTL")
	require.Equal(t, 2, c.size())

	short := &x509.Certificate{NotAfter: t0.Add(time.Minute)}
	c.put("short", short, t0)
	require.NotNil(t, c.get("short", t0.Add(59*time.Second)))
	require.Nil(t, c.get("short", t0.Add(time.Minute)), "not kept past NotAfter")

	c.put("dead", &x509.Certificate{NotAfter: t0.Add(-time.Second)}, t0)
	require.Nil(t, c.get("dead", t0), "an expired certificate is not cached")

	// Expired entries make room before live ones are evicted.
	c = newCertCache(2, time.Minute)
	c.put("a", cert, t0)
	c.put("b", cert, t0.Add(2*time.Minute))
	c.put("c", cert, t0.Add(2*time.Minute))
	require.NotNil(t, c.get("b", t0.Add(2*time.Minute)))
	require.NotNil(t, c.get("c", t0.Add(2*time.Minute)))
}

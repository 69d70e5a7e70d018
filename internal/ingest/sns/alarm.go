package sns

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/firstline/firstline/internal/arn"
	"github.com/firstline/firstline/internal/event"
)

// alarmNotification is the classic CloudWatch alarm notification that an
// alarm action publishes to SNS (the Message, as a JSON string). Only the
// fields the EventBridge event has a place for are read.
type alarmNotification struct {
	AlarmName        *string       `json:"AlarmName"`
	AlarmDescription *string       `json:"AlarmDescription"`
	AWSAccountID     *string       `json:"AWSAccountId"`
	NewStateValue    *string       `json:"NewStateValue"`
	NewStateReason   *string       `json:"NewStateReason"`
	StateChangeTime  *string       `json:"StateChangeTime"`
	AlarmArn         *string       `json:"AlarmArn"`
	OldStateValue    *string       `json:"OldStateValue"`
	Trigger          *alarmTrigger `json:"Trigger"`
	AlarmRule        *string       `json:"AlarmRule"` // composite alarms
}

type alarmTrigger struct {
	// A single-metric alarm.
	MetricName        string           `json:"MetricName"`
	Namespace         string           `json:"Namespace"`
	StatisticType     string           `json:"StatisticType"`
	Statistic         *string          `json:"Statistic"`
	ExtendedStatistic *string          `json:"ExtendedStatistic"`
	Unit              *string          `json:"Unit"`
	Dimensions        []alarmDimension `json:"Dimensions"`
	Period            json.Number      `json:"Period"`
	// A metric math (or anomaly detection) alarm.
	Metrics []triggerMetric `json:"Metrics"`
}

type alarmDimension struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type triggerMetric struct {
	ID         string  `json:"Id"`
	Expression *string `json:"Expression"`
	Label      *string `json:"Label"`
	ReturnData *bool   `json:"ReturnData"`
	MetricStat *struct {
		Metric struct {
			Dimensions []alarmDimension `json:"Dimensions"`
			MetricName string           `json:"MetricName"`
			Namespace  string           `json:"Namespace"`
		} `json:"Metric"`
		Period json.Number `json:"Period"`
		Stat   string      `json:"Stat"`
		Unit   *string     `json:"Unit"`
	} `json:"MetricStat"`
}

// AlarmDetail is the detail of the "CloudWatch Alarm State Change" event
// built from an SNS alarm notification: the EventBridge shape, with what
// SNS carries.
type AlarmDetail struct {
	AlarmName     string        `json:"alarmName"`
	Configuration AlarmConfig   `json:"configuration"`
	PreviousState PreviousState `json:"previousState"`
	State         AlarmState    `json:"state"`
}

// AlarmConfig is detail.configuration.
type AlarmConfig struct {
	AlarmRule   string        `json:"alarmRule,omitempty"`
	Description string        `json:"description,omitempty"`
	Metrics     []AlarmMetric `json:"metrics,omitempty"`
}

// AlarmMetric is one of detail.configuration.metrics.
type AlarmMetric struct {
	ID         string      `json:"id,omitempty"`
	Expression string      `json:"expression,omitempty"`
	Label      string      `json:"label,omitempty"`
	MetricStat *MetricStat `json:"metricStat,omitempty"`
	ReturnData bool        `json:"returnData"`
}

// MetricStat is a metric with its period, statistic and unit.
type MetricStat struct {
	Metric Metric      `json:"metric"`
	Period json.Number `json:"period"`
	Stat   string      `json:"stat"`
	Unit   string      `json:"unit,omitempty"`
}

// Metric names a metric; dimensions is an object of name: value.
type Metric struct {
	Namespace  string            `json:"namespace"`
	Name       string            `json:"name"`
	Dimensions map[string]string `json:"dimensions"`
}

// AlarmState is detail.state.
type AlarmState struct {
	Reason    string `json:"reason"`
	Timestamp string `json:"timestamp"`
	Value     string `json:"value"`
}

// PreviousState is detail.previousState: SNS only says its value.
type PreviousState struct {
	Value string `json:"value"`
}

// statNames maps the statistic names of alarm notifications (AVERAGE) to
// those of the API and EventBridge (Average).
var statNames = map[string]string{
	"AVERAGE":      "Average",
	"SUM":          "Sum",
	"MINIMUM":      "Minimum",
	"MAXIMUM":      "Maximum",
	"SAMPLE_COUNT": "SampleCount",
}

func statName(s string) string {
	if n, ok := statNames[strings.ToUpper(s)]; ok {
		return n
	}
	return s
}

func dimensions(ds []alarmDimension) map[string]string {
	m := make(map[string]string, len(ds))
	for _, d := range ds {
		m[d.Name] = d.Value
	}
	return m
}

// parseStateTime reads a StateChangeTime ("2026-06-07T14:45:00.123+0000",
// or RFC 3339).
func parseStateTime(s string) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02T15:04:05-0700", time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			t = t.UTC()
			if y := t.Year(); y < 1970 || y > 9999 {
				return time.Time{}, false
			}
			return t.Truncate(time.Second), true
		}
	}
	return time.Time{}, false
}

// alarmEvent converts an SNS Message that is a CloudWatch alarm
// notification; ok is false for any other message (which then stays an
// "SNS Notification").
func alarmEvent(msg string) (e *event.Event, ok bool) {
	s := strings.TrimSpace(msg)
	if !strings.HasPrefix(s, "{") || !strings.Contains(s, `"AlarmArn"`) {
		return nil, false
	}
	var n alarmNotification
	if err := json.Unmarshal([]byte(s), &n); err != nil {
		return nil, false
	}
	if str(n.AlarmName) == "" || str(n.AlarmArn) == "" || str(n.NewStateValue) == "" || str(n.OldStateValue) == "" ||
		n.NewStateReason == nil || (n.Trigger == nil && n.AlarmRule == nil) {
		return nil, false
	}
	a, err := arn.Parse(*n.AlarmArn)
	if err != nil || a.Service != "cloudwatch" || !strings.HasPrefix(a.Resource, "alarm:") {
		return nil, false
	}
	at, ok := parseStateTime(str(n.StateChangeTime))
	if !ok {
		return nil, false
	}
	d := AlarmDetail{
		AlarmName:     *n.AlarmName,
		Configuration: AlarmConfig{AlarmRule: str(n.AlarmRule), Description: str(n.AlarmDescription)},
		PreviousState: PreviousState{Value: *n.OldStateValue},
		State:         AlarmState{Reason: *n.NewStateReason, Timestamp: *n.StateChangeTime, Value: *n.NewStateValue},
	}
	if t := n.Trigger; t != nil {
		d.Configuration.Metrics = alarmMetrics(t)
	}
	b, err := marshal(d)
	if err != nil {
		return nil, false
	}
	account, region := accountRegion(*n.AlarmArn)
	if account == "" && isAccount(str(n.AWSAccountID)) {
		account = *n.AWSAccountID
	}
	return &event.Event{
		Source:     AlarmSource,
		DetailType: AlarmDetailType,
		Account:    account,
		Region:     region,
		Time:       at,
		Resources:  []string{*n.AlarmArn},
		Detail:     b,
	}, true
}

func alarmMetrics(t *alarmTrigger) []AlarmMetric {
	if t.MetricName != "" {
		stat := statName(str(t.Statistic))
		if t.StatisticType == "ExtendedStatistic" && str(t.ExtendedStatistic) != "" {
			stat = *t.ExtendedStatistic
		}
		return []AlarmMetric{{
			MetricStat: &MetricStat{
				Metric: Metric{Namespace: t.Namespace, Name: t.MetricName, Dimensions: dimensions(t.Dimensions)},
				Period: t.Period,
				Stat:   stat,
				Unit:   str(t.Unit),
			},
			ReturnData: true,
		}}
	}
	var out []AlarmMetric
	for _, tm := range t.Metrics {
		m := AlarmMetric{ID: tm.ID, Expression: str(tm.Expression), Label: str(tm.Label), ReturnData: tm.ReturnData == nil || *tm.ReturnData}
		if ms := tm.MetricStat; ms != nil {
			m.MetricStat = &MetricStat{
				Metric: Metric{Namespace: ms.Metric.Namespace, Name: ms.Metric.MetricName, Dimensions: dimensions(ms.Metric.Dimensions)},
				Period: ms.Period,
				Stat:   statName(ms.Stat),
				Unit:   str(ms.Unit),
			}
		}
		out = append(out, m)
	}
	return out
}

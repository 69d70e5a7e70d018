package sns

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/firstline/firstline/internal/arn"
	"github.com/firstline/firstline/internal/event"
	"github.com/firstline/firstline/internal/ingest"
)

// Sources and detail-types of the events this hook emits.
const (
	Source                             = "aws.sns"
	DetailTypeSubscriptionConfirmation = "SNS Subscription Confirmation"
	DetailTypeNotification             = "SNS Notification"
	DetailTypeUnsubscribeConfirmation  = "SNS Unsubscribe Confirmation"

	AlarmSource     = "aws.cloudwatch"
	AlarmDetailType = "CloudWatch Alarm State Change"
)

// SNS message types (the body's Type and the x-amz-sns-message-type header).
const (
	TypeSubscriptionConfirmation = "SubscriptionConfirmation"
	TypeNotification             = "Notification"
	TypeUnsubscribeConfirmation  = "UnsubscribeConfirmation"
)

// Config is the spec of a hook of Type sns.
type Config struct {
	ingest.SpecBase

	// AutoConfirm confirms subscriptions by fetching SubscribeURL (200, no
	// event). Without it a SubscriptionConfirmation becomes an event for
	// an operator or a rule. Anyone can subscribe an endpoint to a topic
	// of their own: combine AutoConfirm with TopicArns.
	AutoConfirm bool `json:"AutoConfirm,omitempty"`

	// TopicArns, when set, are the only topics accepted: a message of any
	// other topic is rejected as unauthorized (401) before its signature is
	// checked. Absent means any topic.
	TopicArns []string `json:"TopicArns,omitempty"`
}

func decodeConfig(spec json.RawMessage) (Config, error) {
	var c Config
	if len(bytes.TrimSpace(spec)) > 0 {
		if err := ingest.DecodeSpec(spec, &c); err != nil {
			return Config{}, err
		}
	}
	seen := make(map[string]bool, len(c.TopicArns))
	for i, t := range c.TopicArns {
		path := fmt.Sprintf("TopicArns[%d]", i)
		a, err := arn.Parse(t)
		switch {
		case err != nil:
			return Config{}, &ingest.FieldError{Path: path, Msg: err.Error()}
		case a.Service != "sns" || a.Region == "" || a.Account == "" || strings.Contains(a.Resource, ":"):
			return Config{}, &ingest.FieldError{Path: path, Msg: fmt.Sprintf("%q is not a topic ARN (arn:aws:sns:<region>:<account>:<topic>)", t)}
		case seen[t]:
			return Config{}, &ingest.FieldError{Path: path, Msg: fmt.Sprintf("repeats %q", t)}
		}
		seen[t] = true
	}
	return c, nil
}

// Options are the receiver's dependencies; the zero value is production:
// New uses it. Tests inject a client, a host check, a clock or roots.
type Options struct {
	// Client fetches signing certificates and SubscribeURLs. Redirects are
	// never followed (a copy of Client is used with CheckRedirect
	// replaced). Default: a client with a 10 s timeout that trusts the
	// system roots plus ExtraRoots.
	Client *http.Client

	// AllowedHost reports whether the host of a SigningCertURL or a
	// SubscribeURL (url.URL.Host, with the port if the URL has one) may be
	// fetched. Default: IsSNSHost.
	AllowedHost func(host string) bool

	// Now is the clock for certificate validity and cache expiry. Default:
	// time.Now.
	Now func() time.Time

	// ExtraRoots are trusted by the default client's TLS in addition to
	// the system roots (for tests). Ignored when Client is set.
	ExtraRoots []*x509.Certificate

	// CacheSize bounds the cached certificates (default 32); CacheTTL is
	// how long one is kept (default 1 h, never past its NotAfter).
	CacheSize int
	CacheTTL  time.Duration
}

// Defaults of Options.
const (
	DefaultTimeout   = 10 * time.Second
	DefaultCacheSize = 32
	DefaultCacheTTL  = time.Hour
)

// deps are what receivers built with the same Options share.
type deps struct {
	client      *http.Client
	allowedHost func(string) bool
	now         func() time.Time
	cache       *certCache
}

func newDeps(o Options) *deps {
	d := &deps{allowedHost: o.AllowedHost, now: o.Now}
	if d.allowedHost == nil {
		d.allowedHost = IsSNSHost
	}
	if d.now == nil {
		d.now = time.Now
	}
	if o.Client != nil {
		c := *o.Client
		d.client = &c
	} else {
		d.client = defaultClient(o.ExtraRoots)
	}
	d.client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	size, ttl := o.CacheSize, o.CacheTTL
	if size <= 0 {
		size = DefaultCacheSize
	}
	if ttl <= 0 {
		ttl = DefaultCacheTTL
	}
	d.cache = newCertCache(size, ttl)
	return d
}

// productionDeps are shared by every receiver New builds: one client, one
// certificate cache (the framework rebuilds receivers when hooks change).
var productionDeps = sync.OnceValue(func() *deps { return newDeps(Options{}) })

// New builds the receiver of a hook of Type sns with production defaults.
func New(_ string, spec json.RawMessage) (ingest.Receiver, error) {
	c, err := decodeConfig(spec)
	if err != nil {
		return nil, err
	}
	return newReceiver(c, productionDeps()), nil
}

// NewWithOptions builds the receiver with the given dependencies; zero
// fields take the production defaults. Each call has its own certificate
// cache.
func NewWithOptions(_ string, spec json.RawMessage, o Options) (ingest.Receiver, error) {
	c, err := decodeConfig(spec)
	if err != nil {
		return nil, err
	}
	return newReceiver(c, newDeps(o)), nil
}

type receiver struct {
	cfg    Config
	topics map[string]bool
	*deps
}

func newReceiver(c Config, d *deps) *receiver {
	r := &receiver{cfg: c, deps: d}
	if len(c.TopicArns) > 0 {
		r.topics = make(map[string]bool, len(c.TopicArns))
		for _, t := range c.TopicArns {
			r.topics[t] = true
		}
	}
	return r
}

// message is an SNS HTTP(S) message body. Pointers tell absent fields from
// empty ones: the string to sign depends on it (Subject).
type message struct {
	Type              *string         `json:"Type"`
	MessageID         *string         `json:"MessageId"`
	TopicArn          *string         `json:"TopicArn"`
	Subject           *string         `json:"Subject"`
	Message           *string         `json:"Message"`
	Timestamp         *string         `json:"Timestamp"`
	Token             *string         `json:"Token"`
	SubscribeURL      *string         `json:"SubscribeURL"`
	SignatureVersion  *string         `json:"SignatureVersion"`
	Signature         *string         `json:"Signature"`
	SigningCertURL    *string         `json:"SigningCertURL"`
	MessageAttributes json.RawMessage `json:"MessageAttributes"`
}

// clip shortens a value echoed in an error message.
func clip(s string) string {
	const maxLen = 80
	if len(s) <= maxLen {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprintf("%q…", s[:maxLen])
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// parse decodes and checks the shape of a body; nothing in it is trusted
// yet.
func parse(h http.Header, body []byte) (*message, error) {
	var m message
	if err := json.Unmarshal(body, &m); err != nil {
		msg := strings.TrimPrefix(err.Error(), "json: ")
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) && ute.Field != "" {
			return nil, &ingest.FieldError{Path: ute.Field, Msg: "has the wrong type: " + msg}
		}
		return nil, &ingest.FieldError{Msg: "body is not an SNS message: " + msg}
	}
	if m.Type == nil {
		return nil, &ingest.FieldError{Path: "Type", Msg: "is required"}
	}
	typ := *m.Type
	switch typ {
	case TypeSubscriptionConfirmation, TypeNotification, TypeUnsubscribeConfirmation:
	default:
		return nil, &ingest.FieldError{Path: "Type", Msg: fmt.Sprintf("is %s; want %s, %s or %s", clip(typ), TypeNotification, TypeSubscriptionConfirmation, TypeUnsubscribeConfirmation)}
	}
	if ht := h.Get("X-Amz-Sns-Message-Type"); ht != "" && ht != typ {
		return nil, &ingest.FieldError{Path: "Type", Msg: fmt.Sprintf("is %s but the x-amz-sns-message-type header says %s", clip(typ), clip(ht))}
	}
	type field struct {
		name string
		v    *string
	}
	required := []field{{"MessageId", m.MessageID}, {"TopicArn", m.TopicArn}, {"Message", m.Message}, {"Timestamp", m.Timestamp}}
	if typ != TypeNotification {
		required = append(required, field{"Token", m.Token}, field{"SubscribeURL", m.SubscribeURL})
	}
	for _, f := range required {
		if f.v == nil {
			return nil, &ingest.FieldError{Path: f.name, Msg: "is required"}
		}
	}
	if ht := h.Get("X-Amz-Sns-Topic-Arn"); ht != "" && ht != *m.TopicArn {
		return nil, &ingest.FieldError{Path: "TopicArn", Msg: fmt.Sprintf("is %s but the x-amz-sns-topic-arn header says %s", clip(*m.TopicArn), clip(ht))}
	}
	if a := bytes.TrimSpace(m.MessageAttributes); len(a) > 0 && a[0] != '{' && !bytes.Equal(a, []byte("null")) {
		return nil, &ingest.FieldError{Path: "MessageAttributes", Msg: "must be an object"}
	}
	return &m, nil
}

// Receive verifies one SNS message and turns it into events.
func (r *receiver) Receive(ctx context.Context, req *ingest.Request) ([]*event.Event, error) {
	m, err := parse(req.Header, req.Body)
	if err != nil {
		return nil, err
	}
	if r.topics != nil && !r.topics[*m.TopicArn] {
		return nil, unauthorized(fmt.Sprintf("topic %s is not one of the hook's TopicArns", clip(*m.TopicArn)), nil)
	}
	if err := r.verify(ctx, m); err != nil {
		return nil, err
	}
	ts, err := parseTimestamp(*m.Timestamp)
	if err != nil {
		return nil, &ingest.FieldError{Path: "Timestamp", Msg: err.Error()}
	}
	switch *m.Type {
	case TypeSubscriptionConfirmation:
		if r.cfg.AutoConfirm {
			return nil, r.confirm(ctx, m)
		}
		return r.confirmationEvent(m, DetailTypeSubscriptionConfirmation, ts)
	case TypeUnsubscribeConfirmation:
		return r.confirmationEvent(m, DetailTypeUnsubscribeConfirmation, ts)
	}
	if e, ok := alarmEvent(*m.Message); ok {
		return []*event.Event{e}, nil
	}
	return notificationEvent(m, ts)
}

func parseTimestamp(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s is not an RFC 3339 time", clip(s))
	}
	t = t.UTC()
	if y := t.Year(); y < 1970 || y > 9999 {
		return time.Time{}, fmt.Errorf("%s is out of range (years 1970 to 9999)", clip(s))
	}
	return t.Truncate(time.Second), nil
}

// marshal encodes v without HTML escaping (URLs keep their "&").
func marshal(v any) (json.RawMessage, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// accountRegion returns the account and region of an ARN when both look
// like AWS's (12 digits; lower-case letters, digits and dashes), else "".
func accountRegion(s string) (account, region string) {
	a, err := arn.Parse(s)
	if err != nil || !isAccount(a.Account) || !isRegion(a.Region) {
		return "", ""
	}
	return a.Account, a.Region
}

func isAccount(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func isRegion(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for _, c := range s {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

func snsEvent(m *message, detailType string, ts time.Time, detail any) ([]*event.Event, error) {
	b, err := marshal(detail)
	if err != nil {
		return nil, err
	}
	account, region := accountRegion(*m.TopicArn)
	return []*event.Event{{
		Source:     Source,
		DetailType: detailType,
		Account:    account,
		Region:     region,
		Time:       ts,
		Resources:  []string{*m.TopicArn},
		Detail:     b,
	}}, nil
}

// ConfirmationDetail is the detail of "SNS Subscription Confirmation" and
// "SNS Unsubscribe Confirmation" events.
type ConfirmationDetail struct {
	TopicArn     string `json:"TopicArn"`
	SubscribeURL string `json:"SubscribeURL"`
	Token        string `json:"Token"`
	MessageID    string `json:"MessageId"`
	Timestamp    string `json:"Timestamp"`
}

func (r *receiver) confirmationEvent(m *message, detailType string, ts time.Time) ([]*event.Event, error) {
	return snsEvent(m, detailType, ts, ConfirmationDetail{
		TopicArn: *m.TopicArn, SubscribeURL: *m.SubscribeURL, Token: *m.Token,
		MessageID: *m.MessageID, Timestamp: *m.Timestamp,
	})
}

// NotificationDetail is the detail of "SNS Notification" events.
type NotificationDetail struct {
	TopicArn          string          `json:"TopicArn"`
	Subject           *string         `json:"Subject,omitempty"`
	Message           string          `json:"Message"`
	MessageID         string          `json:"MessageId"`
	Timestamp         string          `json:"Timestamp"`
	MessageAttributes json.RawMessage `json:"MessageAttributes,omitempty"`
}

func notificationEvent(m *message, ts time.Time) ([]*event.Event, error) {
	d := NotificationDetail{
		TopicArn: *m.TopicArn, Subject: m.Subject, Message: *m.Message,
		MessageID: *m.MessageID, Timestamp: *m.Timestamp,
	}
	if a := bytes.TrimSpace(m.MessageAttributes); len(a) > 0 && a[0] == '{' {
		d.MessageAttributes = a
	}
	return snsEvent(m, DetailTypeNotification, ts, d)
}

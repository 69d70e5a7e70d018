// Package generic is the hook type for any JSON sender: the payload
// becomes the event's detail, and source, detail-type, resources and time
// are taken from it by JSONPath (RFC 9535), with defaults.
//
//	kind: Hook
//	name: deploys
//	spec:
//	  Type: generic
//	  Auth: {Hmac: {Secret: "${DEPLOY_HOOK_SECRET}", Header: X-Hub-Signature-256}}
//	  SourcePath: $.service          # default: DefaultSource
//	  DefaultSource: ci.deploys      # default: firstline.hook.<name>
//	  DetailTypePath: $.action       # default: DefaultDetailType
//	  DefaultDetailType: Deployment  # default: Generic Event
//	  ResourcesPath: $.hosts[*]      # strings selected become resources
//	  TimePath: $.finishedAt         # RFC 3339 or epoch seconds; default: now
//
// A payload that is a JSON array yields one event per element (at most
// 100); an object yields one event.
package generic

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/theory/jsonpath"

	"github.com/firstline/firstline/internal/event"
	"github.com/firstline/firstline/internal/ingest"
)

// Config is the generic hook's spec.
type Config struct {
	ingest.SpecBase
	SourcePath        string `json:"SourcePath,omitempty"`
	DefaultSource     string `json:"DefaultSource,omitempty"`
	DetailTypePath    string `json:"DetailTypePath,omitempty"`
	DefaultDetailType string `json:"DefaultDetailType,omitempty"`
	ResourcesPath     string `json:"ResourcesPath,omitempty"`
	TimePath          string `json:"TimePath,omitempty"`
}

// MaxEvents bounds the events of one request (one per array element).
const MaxEvents = 100

type receiver struct {
	cfg                            Config
	source, detailType, res, timeP *jsonpath.Path
}

// New builds a generic receiver from a hook spec.
func New(hook string, spec json.RawMessage) (ingest.Receiver, error) {
	var c Config
	if err := ingest.DecodeSpec(spec, &c); err != nil {
		return nil, err
	}
	if c.DefaultSource == "" {
		c.DefaultSource = "firstline.hook." + hook
	}
	if c.DefaultDetailType == "" {
		c.DefaultDetailType = "Generic Event"
	}
	r := &receiver{cfg: c}
	for _, p := range []struct {
		field, expr string
		dst         **jsonpath.Path
	}{{"SourcePath", c.SourcePath, &r.source}, {"DetailTypePath", c.DetailTypePath, &r.detailType}, {"ResourcesPath", c.ResourcesPath, &r.res}, {"TimePath", c.TimePath, &r.timeP}} {
		if p.expr == "" {
			continue
		}
		if !strings.HasPrefix(p.expr, "$") {
			return nil, &ingest.FieldError{Path: p.field, Msg: fmt.Sprintf("%q is not a JSONPath (it starts with $)", p.expr)}
		}
		path, err := jsonpath.Parse(p.expr)
		if err != nil {
			return nil, &ingest.FieldError{Path: p.field, Msg: err.Error()}
		}
		*p.dst = path
	}
	return r, nil
}

// Receive turns the payload into events.
func (r *receiver) Receive(_ context.Context, req *ingest.Request) ([]*event.Event, error) {
	var payload any
	if err := json.Unmarshal(req.Body, &payload); err != nil {
		return nil, &ingest.FieldError{Msg: "body is not valid JSON: " + strings.TrimPrefix(err.Error(), "json: ")}
	}
	var items []any
	switch p := payload.(type) {
	case map[string]any:
		items = []any{p}
	case []any:
		if len(p) == 0 || len(p) > MaxEvents {
			return nil, &ingest.FieldError{Msg: fmt.Sprintf("an array body must hold 1 to %d objects", MaxEvents)}
		}
		items = p
	default:
		return nil, &ingest.FieldError{Msg: "body must be a JSON object or an array of objects"}
	}
	var out []*event.Event
	for i, item := range items {
		obj, ok := item.(map[string]any)
		if !ok {
			return nil, &ingest.FieldError{Path: fmt.Sprintf("[%d]", i), Msg: "must be a JSON object"}
		}
		detail, _ := json.Marshal(obj)
		e := &event.Event{
			Source:     r.str(r.source, obj, r.cfg.DefaultSource),
			DetailType: r.str(r.detailType, obj, r.cfg.DefaultDetailType),
			Detail:     detail,
			Time:       req.Received,
			Resources:  []string{},
		}
		if r.res != nil {
			for _, v := range r.res.Select(obj) {
				if s, ok := v.(string); ok && s != "" {
					e.Resources = append(e.Resources, s)
				}
			}
		}
		if r.timeP != nil {
			if vals := r.timeP.Select(obj); len(vals) > 0 {
				t, err := parseTime(vals[0])
				if err != nil {
					return nil, &ingest.FieldError{Path: r.cfg.TimePath, Msg: err.Error()}
				}
				e.Time = t
			}
		}
		out = append(out, e)
	}
	return out, nil
}

func (r *receiver) str(p *jsonpath.Path, obj map[string]any, def string) string {
	if p == nil {
		return def
	}
	for _, v := range p.Select(obj) {
		if s, ok := v.(string); ok && s != "" {
			return s
		}
	}
	return def
}

func parseTime(v any) (time.Time, error) {
	switch t := v.(type) {
	case string:
		parsed, err := time.Parse(time.RFC3339Nano, t)
		if err != nil {
			return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time", t)
		}
		return parsed, nil
	case float64:
		if t < 0 || t > 253402300799 || math.IsNaN(t) {
			return time.Time{}, fmt.Errorf("%v is not epoch seconds", t)
		}
		sec, frac := math.Modf(t)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("must be an RFC 3339 string or epoch seconds")
}

var _ ingest.Receiver = (*receiver)(nil)

package ingest

import (
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // HMAC-SHA1 is offered for senders that only sign with it
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"net/http"
	"strings"
)

// KindName is the resource kind of hooks.
const KindName = "Hook"

// Auth is how a hook authenticates its sender: exactly one of Bearer,
// Basic and Hmac (none for Type sns, which verifies message signatures).
// Bearer tokens and Basic passwords are stored as "sha256:<hex>"; apply may
// give them in clear (usually from ${ENV}).
type Auth struct {
	Bearer string     `json:"Bearer,omitempty"`
	Basic  *BasicAuth `json:"Basic,omitempty"`
	Hmac   *HmacAuth  `json:"Hmac,omitempty"` //nolint:revive // spec field name
}

// BasicAuth is HTTP Basic authentication.
type BasicAuth struct {
	Username string `json:"Username"`
	Password string `json:"Password"`
}

// HmacAuth verifies a signature of the body: Header (default X-Signature)
// holds the hex HMAC of the body (optionally prefixed "sha256=" and the
// like) under Secret with Algorithm sha256 (default), sha1 or sha512. With
// TimestampHeader the signed message is "<timestamp>:<body>" (as Grafana
// signs).
type HmacAuth struct {
	Secret          string `json:"Secret"`
	Header          string `json:"Header,omitempty"`
	Algorithm       string `json:"Algorithm,omitempty"`
	TimestampHeader string `json:"TimestampHeader,omitempty"`
}

const hashedPrefix = "sha256:"

func hashSecret(s string) string {
	if strings.HasPrefix(s, hashedPrefix) && len(s) == len(hashedPrefix)+64 {
		if _, err := hex.DecodeString(s[len(hashedPrefix):]); err == nil {
			return s
		}
	}
	sum := sha256.Sum256([]byte(s))
	return hashedPrefix + hex.EncodeToString(sum[:])
}

func equalHashed(stored, given string) bool {
	return subtle.ConstantTimeCompare([]byte(stored), []byte(hashSecret(given))) == 1 && !strings.HasPrefix(given, hashedPrefix)
}

// normalize validates a and hashes its secrets. required is false for
// types that authenticate messages themselves.
func (a *Auth) normalize(required bool) error {
	n := 0
	if a.Bearer != "" {
		n++
		a.Bearer = hashSecret(a.Bearer)
	}
	if a.Basic != nil {
		n++
		if a.Basic.Username == "" || a.Basic.Password == "" {
			return &FieldError{"Auth.Basic", "needs Username and Password"}
		}
		a.Basic.Password = hashSecret(a.Basic.Password)
	}
	if a.Hmac != nil {
		n++
		if len(a.Hmac.Secret) < 16 {
			return &FieldError{"Auth.Hmac.Secret", "must be at least 16 characters"}
		}
		if a.Hmac.Header == "" {
			a.Hmac.Header = "X-Signature"
		}
		switch a.Hmac.Algorithm {
		case "":
			a.Hmac.Algorithm = "sha256"
		case "sha256", "sha1", "sha512":
		default:
			return &FieldError{"Auth.Hmac.Algorithm", fmt.Sprintf("is %q; want sha256, sha1 or sha512", a.Hmac.Algorithm)}
		}
	}
	switch {
	case n > 1:
		return &FieldError{"Auth", "set one of Bearer, Basic, Hmac"}
	case n == 0 && required:
		return &FieldError{"Auth", "is required: set Bearer, Basic or Hmac (every hook request is authenticated)"}
	}
	return nil
}

// errUnauthorized is returned by verify.
var errUnauthorized = errors.New("authentication failed")

// verify checks a request against a (already normalized).
func (a *Auth) verify(h http.Header, body []byte) error {
	switch {
	case a.Bearer != "":
		tok, ok := strings.CutPrefix(h.Get("Authorization"), "Bearer ")
		if !ok || !equalHashed(a.Bearer, strings.TrimSpace(tok)) {
			return errUnauthorized
		}
	case a.Basic != nil:
		r := &http.Request{Header: h}
		u, p, ok := r.BasicAuth()
		if !ok || subtle.ConstantTimeCompare([]byte(u), []byte(a.Basic.Username)) != 1 || !equalHashed(a.Basic.Password, p) {
			return errUnauthorized
		}
	case a.Hmac != nil:
		sig := strings.TrimSpace(h.Get(a.Hmac.Header))
		if i := strings.IndexByte(sig, '='); i >= 0 && i < 10 {
			sig = sig[i+1:] // sha256=<hex>
		}
		got, err := hex.DecodeString(sig)
		if err != nil || len(got) == 0 {
			return errUnauthorized
		}
		var newHash func() hash.Hash
		switch a.Hmac.Algorithm {
		case "sha1":
			newHash = sha1.New
		case "sha512":
			newHash = sha512.New
		default:
			newHash = sha256.New
		}
		m := hmac.New(newHash, []byte(a.Hmac.Secret))
		if a.Hmac.TimestampHeader != "" {
			ts := h.Get(a.Hmac.TimestampHeader)
			if ts == "" {
				return errUnauthorized
			}
			m.Write([]byte(ts + ":"))
		}
		m.Write(body)
		if !hmac.Equal(m.Sum(nil), got) {
			return errUnauthorized
		}
	}
	return nil
}

// Kind is the Hook resource kind.
type Kind struct{ Types *Types }

// Name returns "Hook".
func (Kind) Name() string { return KindName }

// NoAuthTypes lists the hook types that authenticate messages themselves.
var noAuthTypes = map[string]bool{"sns": true}

// Normalize validates a hook spec and returns its canonical JSON, with
// secrets hashed.
func (k Kind) Normalize(name string, spec json.RawMessage) (json.RawMessage, error) {
	var base SpecBase
	var all map[string]json.RawMessage
	if err := json.Unmarshal(spec, &all); err != nil {
		return nil, &FieldError{"", "spec must be an object"}
	}
	if err := json.Unmarshal(spec, &base); err != nil {
		return nil, &FieldError{"", err.Error()}
	}
	f, err := k.Types.lookup(base.Type)
	if err != nil {
		return nil, err
	}
	var auth Auth
	if len(base.Auth) > 0 {
		if err := DecodeSpec(base.Auth, &auth); err != nil {
			var fe *FieldError
			if errors.As(err, &fe) {
				return nil, &FieldError{"Auth." + fe.Path, fe.Msg}
			}
			return nil, err
		}
	}
	if err := auth.normalize(!noAuthTypes[base.Type]); err != nil {
		return nil, err
	}
	if _, err := f(name, spec); err != nil {
		return nil, err
	}
	b, _ := json.Marshal(auth)
	if string(b) == "{}" {
		delete(all, "Auth")
	} else {
		all["Auth"] = b
	}
	return json.Marshal(all)
}

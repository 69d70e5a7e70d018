package sns

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // SignatureVersion 1 is SHA1withRSA
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/firstline/firstline/internal/ingest"
)

// snsHost is the host of SNS's certificate and subscribe URLs:
// sns.<region>.amazonaws.com, or .amazonaws.com.cn in the China regions.
var snsHost = regexp.MustCompile(`^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$`)

// IsSNSHost reports whether host (a URL's Host: no port is allowed) is
// sns.<region>.amazonaws.com or sns.<region>.amazonaws.com.cn. It is the
// default Options.AllowedHost, for SigningCertURL and SubscribeURL alike.
func IsSNSHost(host string) bool { return snsHost.MatchString(host) }

// Limits on what is fetched.
const (
	maxCertSize     = 64 << 10
	maxConfirmSize  = 64 << 10
	maxSignatureLen = 4096
)

// CheckURL parses raw and checks that it may be fetched: https, a host
// allowed by allowedHost (nil: IsSNSHost), no user info.
func CheckURL(raw string, allowedHost func(string) bool) (*url.URL, error) {
	if allowedHost == nil {
		allowedHost = IsSNSHost
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return nil, errors.New("is not a URL")
	case u.Scheme != "https":
		return nil, fmt.Errorf("is not an https URL (scheme %s)", clip(u.Scheme))
	case u.User != nil:
		return nil, errors.New("must not carry user info")
	case u.Opaque != "" || !allowedHost(u.Host):
		return nil, fmt.Errorf("host %s is not an SNS host (sns.<region>.amazonaws.com)", clip(u.Host))
	}
	return u, nil
}

// stringToSign builds the text SNS signs: the fields of the message type,
// in this order, each as "Name\nvalue\n". Notification: Message,
// MessageId, Subject (only if present), Timestamp, TopicArn, Type.
// Confirmations: Message, MessageId, SubscribeURL, Timestamp, Token,
// TopicArn, Type.
func stringToSign(m *message) []byte {
	var b strings.Builder
	add := func(name string, v *string) {
		b.WriteString(name)
		b.WriteByte('\n')
		b.WriteString(str(v))
		b.WriteByte('\n')
	}
	notification := str(m.Type) == TypeNotification
	add("Message", m.Message)
	add("MessageId", m.MessageID)
	if notification {
		if m.Subject != nil {
			add("Subject", m.Subject)
		}
	} else {
		add("SubscribeURL", m.SubscribeURL)
	}
	add("Timestamp", m.Timestamp)
	if !notification {
		add("Token", m.Token)
	}
	add("TopicArn", m.TopicArn)
	add("Type", m.Type)
	return []byte(b.String())
}

// verify checks the message's signature; see the package documentation.
func (d *deps) verify(ctx context.Context, m *message) error {
	if m.SignatureVersion == nil || m.Signature == nil || m.SigningCertURL == nil {
		return unauthorized("the message is not signed (SignatureVersion, Signature and SigningCertURL are required)", nil)
	}
	var h crypto.Hash
	switch *m.SignatureVersion {
	case "1":
		h = crypto.SHA1
	case "2":
		h = crypto.SHA256
	default:
		return unauthorized(fmt.Sprintf("unknown SignatureVersion %s (want 1 or 2)", clip(*m.SignatureVersion)), nil)
	}
	if len(*m.Signature) > maxSignatureLen {
		return unauthorized("Signature is too long", nil)
	}
	sig, err := base64.StdEncoding.DecodeString(*m.Signature)
	if err != nil || len(sig) == 0 {
		return unauthorized("Signature is not base64", nil)
	}
	u, err := CheckURL(*m.SigningCertURL, d.allowedHost)
	if err != nil {
		return unauthorized("SigningCertURL "+err.Error(), nil)
	}
	cert, err := d.certificate(ctx, u.String())
	if err != nil {
		return err
	}
	now := d.now()
	if now.Before(cert.NotBefore) || now.After(cert.NotAfter) {
		return unauthorized(fmt.Sprintf("the signing certificate is valid from %s to %s, not at %s",
			cert.NotBefore.UTC().Format(time.RFC3339), cert.NotAfter.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339)), nil)
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return unauthorized("the signing certificate's key is not RSA", nil)
	}
	text := stringToSign(m)
	var digest []byte
	if h == crypto.SHA1 {
		s := sha1.Sum(text) //nolint:gosec // SignatureVersion 1
		digest = s[:]
	} else {
		s := sha256.Sum256(text)
		digest = s[:]
	}
	// rsa.VerifyPKCS1v15, not x509.Certificate.CheckSignature: the latter
	// refuses SHA1withRSA since Go 1.18.
	if err := rsa.VerifyPKCS1v15(pub, h, digest, sig); err != nil {
		return unauthorized("the signature does not match the message", nil)
	}
	return nil
}

// certificate returns the certificate at rawURL (already checked), from
// the cache or fetched.
func (d *deps) certificate(ctx context.Context, rawURL string) (*x509.Certificate, error) {
	if c := d.cache.get(rawURL, d.now()); c != nil {
		return c, nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, unauthorized("SigningCertURL cannot be fetched", err)
	}
	resp, err := d.client.Do(req)
	if err != nil {
		return nil, &UnavailableError{Op: "fetch signing certificate", Err: err}
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode >= 500:
		return nil, &UnavailableError{Op: "fetch signing certificate", Err: fmt.Errorf("%s answered %s", rawURL, resp.Status)}
	case resp.StatusCode != http.StatusOK:
		return nil, unauthorized(fmt.Sprintf("SigningCertURL answered %s", resp.Status), nil)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxCertSize+1))
	if err != nil {
		return nil, &UnavailableError{Op: "fetch signing certificate", Err: err}
	}
	if len(body) > maxCertSize {
		return nil, unauthorized("the signing certificate is larger than 64 KiB", nil)
	}
	block, _ := pem.Decode(body)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, unauthorized("SigningCertURL does not hold a PEM certificate", nil)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, unauthorized("the signing certificate does not parse", err)
	}
	d.cache.put(rawURL, cert, d.now())
	return cert, nil
}

// confirm visits the SubscribeURL of a verified SubscriptionConfirmation
// and answers 200 without events.
func (r *receiver) confirm(ctx context.Context, m *message) error {
	u, err := CheckSubscribeURL(*m.SubscribeURL, r.allowedHost)
	if err != nil {
		return &ingest.FieldError{Path: "SubscribeURL", Msg: err.Error()}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return &ingest.FieldError{Path: "SubscribeURL", Msg: "cannot be fetched: " + err.Error()}
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return &UnavailableError{Op: "confirm subscription", Err: err}
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxConfirmSize))
	switch {
	case resp.StatusCode >= 500:
		return &UnavailableError{Op: "confirm subscription", Err: fmt.Errorf("SubscribeURL answered %s", resp.Status)}
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return fmt.Errorf("confirm subscription to %s: SubscribeURL answered %s", *m.TopicArn, resp.Status)
	}
	return &ingest.Response{Status: http.StatusOK, Body: map[string]any{
		"Confirmed": true, "TopicArn": *m.TopicArn, "MessageId": *m.MessageID,
	}}
}

// CheckSubscribeURL checks a SubscribeURL before it is visited: CheckURL,
// and the query's Action is ConfirmSubscription.
func CheckSubscribeURL(raw string, allowedHost func(string) bool) (*url.URL, error) {
	u, err := CheckURL(raw, allowedHost)
	if err != nil {
		return nil, err
	}
	if a := u.Query().Get("Action"); a != "ConfirmSubscription" {
		return nil, fmt.Errorf("has Action %s; want ConfirmSubscription", clip(a))
	}
	return u, nil
}

// defaultClient is the production client: a timeout, TLS 1.2+, the system
// roots plus extra.
func defaultClient(extra []*x509.Certificate) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if len(extra) > 0 {
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		for _, c := range extra {
			pool.AddCert(c)
		}
		cfg.RootCAs = pool
	}
	t.TLSClientConfig = cfg
	return &http.Client{Timeout: DefaultTimeout, Transport: t}
}

// certCache holds fetched certificates by URL: at most max, each for at
// most ttl and never past its NotAfter.
type certCache struct {
	mu      sync.Mutex
	max     int
	ttl     time.Duration
	entries map[string]cacheEntry
}

type cacheEntry struct {
	cert           *x509.Certificate
	added, expires time.Time
}

func newCertCache(maxEntries int, ttl time.Duration) *certCache {
	return &certCache{max: maxEntries, ttl: ttl, entries: make(map[string]cacheEntry)}
}

func (c *certCache) get(key string, now time.Time) *x509.Certificate {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok {
		return nil
	}
	if !now.Before(e.expires) {
		delete(c.entries, key)
		return nil
	}
	return e.cert
}

func (c *certCache) put(key string, cert *x509.Certificate, now time.Time) {
	expires := now.Add(c.ttl)
	if cert.NotAfter.Before(expires) {
		expires = cert.NotAfter
	}
	if !now.Before(expires) {
		return // already expired: verify rejects it; nothing to keep
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[key]; !ok && len(c.entries) >= c.max {
		oldest := ""
		for k, e := range c.entries {
			if !now.Before(e.expires) {
				delete(c.entries, k)
				continue
			}
			if oldest == "" || e.added.Before(c.entries[oldest].added) {
				oldest = k
			}
		}
		if len(c.entries) >= c.max {
			delete(c.entries, oldest)
		}
	}
	c.entries[key] = cacheEntry{cert: cert, added: now, expires: expires}
}

func (c *certCache) size() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

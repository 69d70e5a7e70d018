package sns_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // SignatureVersion 1 is SHA1withRSA
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
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

// testNow is the clock of the receivers under test: inside the validity
// of the signing certificate, after that of the expired one.
var testNow = time.Date(2026, 6, 7, 15, 0, 0, 0, time.UTC)

// fixtureCertPath is the path of the fixtures' SigningCertURL.
const fixtureCertPath = "/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem"

// testPKI holds the locally generated keys and certificates: the SNS
// signing certificates (self-signed) and the TLS certificate of the fake
// SNS hosts (self-signed, trusted by the tests' clients only).
type testPKI struct {
	key        *rsa.PrivateKey
	certPEM    []byte // valid 2026-01-01 to 2027-01-01
	expiredPEM []byte // same key, valid 2025-01-01 to 2026-01-01
	futurePEM  []byte // same key, valid from 2027-01-01
	otherPEM   []byte // another key, valid now
	tlsCert    tls.Certificate
	tlsRoot    *x509.Certificate
}

func selfSigned(key crypto.Signer, tmpl *x509.Certificate) (*x509.Certificate, []byte) {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		panic(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		panic(err)
	}
	return cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func signingTemplate(serial int64, from, to time.Time) *x509.Certificate {
	return &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: "sns.amazonaws.com", Organization: []string{"firstline tests"}},
		NotBefore:    from,
		NotAfter:     to,
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
}

func newPKI(bits int) *testPKI {
	key, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		panic(err)
	}
	other, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		panic(err)
	}
	p := &testPKI{key: key}
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	_, p.certPEM = selfSigned(key, signingTemplate(1, day(2026, 1, 1), day(2027, 1, 1)))
	_, p.expiredPEM = selfSigned(key, signingTemplate(2, day(2025, 1, 1), day(2026, 1, 1)))
	_, p.futurePEM = selfSigned(key, signingTemplate(3, day(2027, 1, 1), day(2028, 1, 1)))
	_, p.otherPEM = selfSigned(other, signingTemplate(4, day(2026, 1, 1), day(2027, 1, 1)))

	tlsKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	now := time.Now()
	root, _ := selfSigned(tlsKey, &x509.Certificate{
		SerialNumber:          big.NewInt(5),
		Subject:               pkix.Name{CommonName: "fake SNS hosts"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"sns.ap-northeast-1.amazonaws.com", "sns.us-east-1.amazonaws.com", "evil.example.com"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
	})
	p.tlsRoot = root
	p.tlsCert = tls.Certificate{Certificate: [][]byte{root.Raw}, PrivateKey: tlsKey, Leaf: root}
	return p
}

// pki is shared by the tests (read-only): RSA key generation is slow.
var pki = sync.OnceValue(func() *testPKI { return newPKI(2048) })

// fakeSNS is an HTTPS server that answers for every fake SNS host: the
// tests' clients dial it whatever the URL's host, and trust its
// certificate (valid for sns.ap-northeast-1.amazonaws.com,
// sns.us-east-1.amazonaws.com, evil.example.com and 127.0.0.1).
type fakeSNS struct {
	srv *httptest.Server
	pki *testPKI

	mu       sync.Mutex
	requests []string // "host path?query" of each request
}

func startFakeSNS(t testing.TB, p *testPKI) *fakeSNS {
	t.Helper()
	f := &fakeSNS{pki: p}
	f.srv = httptest.NewUnstartedServer(http.HandlerFunc(f.serve))
	f.srv.TLS = &tls.Config{Certificates: []tls.Certificate{p.tlsCert}, MinVersion: tls.VersionTLS12}
	f.srv.StartTLS()
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeSNS) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests = append(f.requests, r.Host+r.URL.RequestURI())
	f.mu.Unlock()
	switch r.URL.Path {
	case fixtureCertPath, "/good.pem":
		_, _ = w.Write(f.pki.certPEM)
	case "/expired.pem":
		_, _ = w.Write(f.pki.expiredPEM)
	case "/future.pem":
		_, _ = w.Write(f.pki.futurePEM)
	case "/other.pem":
		_, _ = w.Write(f.pki.otherPEM)
	case "/garbage.pem":
		_, _ = w.Write([]byte("not a certificate"))
	case "/unavailable.pem", "/unavailable":
		http.Error(w, "try later", http.StatusServiceUnavailable)
	case "/redirect.pem":
		http.Redirect(w, r, fixtureCertPath, http.StatusFound)
	case "/":
		if r.URL.Query().Get("Action") != "ConfirmSubscription" {
			http.Error(w, "bad action", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "text/xml")
		_, _ = w.Write([]byte(`<ConfirmSubscriptionResponse><ConfirmSubscriptionResult><SubscriptionArn>arn:aws:sns:ap-northeast-1:123456789012:monitoring_topic:c9135db0</SubscriptionArn></ConfirmSubscriptionResult></ConfirmSubscriptionResponse>`))
	default:
		http.NotFound(w, r)
	}
}

// seen returns the requests made so far.
func (f *fakeSNS) seen() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.requests...)
}

// client dials the fake server for any host and trusts its certificate.
func (f *fakeSNS) client(t testing.TB) *http.Client {
	addr := f.srv.Listener.Addr().String()
	pool := x509.NewCertPool()
	pool.AddCert(f.pki.tlsRoot)
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
		TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 5 * time.Second}
}

// options are the test defaults: the fake server's client, the fixed
// clock, the production host check.
func (f *fakeSNS) options(t testing.TB) sns.Options {
	return sns.Options{Client: f.client(t), Now: func() time.Time { return testNow }}
}

func newReceiver(t testing.TB, spec string, o sns.Options) ingest.Receiver {
	t.Helper()
	r, err := sns.NewWithOptions("sns", json.RawMessage(spec), o)
	require.NoError(t, err)
	return r
}

// fixtureDir is the project's copy of the shared fixtures.
var fixtureDir = filepath.Join("..", "..", "..", "testdata", "fixtures")

// readFixture returns an SNS fixture as a map (its Signature is a
// placeholder until sign replaces it).
func readFixture(t testing.TB, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtureDir, "sns", name))
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

// testStringToSign is the README's rule, written independently of the
// package: the fields of the message type in order, each "Name\nvalue\n";
// Subject only if present.
func testStringToSign(m map[string]any) string {
	fields := []string{"Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"}
	if m["Type"] == "Notification" {
		fields = []string{"Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"}
	}
	var b strings.Builder
	for _, k := range fields {
		v, ok := m[k].(string)
		if !ok && k == "Subject" {
			continue
		}
		b.WriteString(k + "\n" + v + "\n")
	}
	return b.String()
}

// signWith sets SignatureVersion to version and Signature to the
// signature of m by key, and returns the body.
func signWith(t testing.TB, key *rsa.PrivateKey, m map[string]any, version string) []byte {
	t.Helper()
	m["SignatureVersion"] = version
	text := []byte(testStringToSign(m))
	var sig []byte
	var err error
	if version == "1" {
		sum := sha1.Sum(text) //nolint:gosec // SignatureVersion 1
		sig, err = rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA1, sum[:])
	} else {
		sum := sha256.Sum256(text)
		sig, err = rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	}
	require.NoError(t, err)
	m["Signature"] = base64.StdEncoding.EncodeToString(sig)
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return b
}

func sign(t testing.TB, m map[string]any, version string) []byte {
	return signWith(t, pki().key, m, version)
}

// request is what SNS posts: the body with SNS's headers.
func request(body []byte) *ingest.Request {
	h := http.Header{}
	var m map[string]any
	if json.Unmarshal(body, &m) == nil {
		if typ, ok := m["Type"].(string); ok {
			h.Set("x-amz-sns-message-type", typ)
		}
		if id, ok := m["MessageId"].(string); ok {
			h.Set("x-amz-sns-message-id", id)
		}
		if topic, ok := m["TopicArn"].(string); ok {
			h.Set("x-amz-sns-topic-arn", topic)
		}
	}
	h.Set("Content-Type", "text/plain; charset=UTF-8")
	h.Set("User-Agent", "Amazon Simple Notification Service Agent")
	return &ingest.Request{Hook: "sns", Header: h, Body: body, Received: testNow}
}

// requireUnauthorized checks that err is what the framework answers 401.
func requireUnauthorized(t testing.TB, evs []*event.Event, err error, msgAndArgs ...any) {
	t.Helper()
	require.Error(t, err, msgAndArgs...)
	require.Nil(t, evs, msgAndArgs...)
	var unauth interface{ Unauthorized() bool }
	require.ErrorAs(t, err, &unauth, msgAndArgs...)
	require.True(t, unauth.Unauthorized(), msgAndArgs...)
	var ue *sns.UnauthorizedError
	require.ErrorAs(t, err, &ue, msgAndArgs...)
}

// versions are the signature versions every acceptance test runs with.
var versions = []string{"1", "2"}

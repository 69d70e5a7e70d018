package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/firstline/firstline/internal/store"
)

// Role is an API role.
type Role string

// The roles, most powerful first.
const (
	Admin    Role = "admin"
	Operator Role = "operator"
	Viewer   Role = "viewer"
)

// Roles lists every role, most powerful first.
var Roles = []Role{Admin, Operator, Viewer}

func (r Role) rank() int {
	switch r {
	case Admin:
		return 3
	case Operator:
		return 2
	case Viewer:
		return 1
	}
	return 0
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r.rank() > 0 }

// Allows reports whether a token with role r may call a route that needs
// role need.
func (r Role) Allows(need Role) bool { return r.rank() >= need.rank() && r.Valid() }

// Secret is a token's secret value. It logs and prints as <secret>.
type Secret string

// LogValue hides the secret in logs.
func (Secret) LogValue() slog.Value { return slog.StringValue("<secret>") }

// String hides the secret in fmt output; use Reveal to get it.
func (Secret) String() string { return "<secret>" }

// Reveal returns the secret value.
func (s Secret) Reveal() string { return string(s) }

// Token is a stored API token (never its secret).
type Token struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Role      Role       `json:"role"`
	CreatedAt time.Time  `json:"createdAt"`
	CreatedBy string     `json:"createdBy"`
	RevokedAt *time.Time `json:"revokedAt,omitempty"`
}

// Errors returned by Tokens.
var (
	ErrUnauthorized = errors.New("missing, unknown or revoked API token")
)

// FieldError rejects an input field.
type FieldError struct{ Path, Msg string }

func (e *FieldError) Error() string { return e.Path + ": " + e.Msg }

// Field returns the rejected field's path.
func (e *FieldError) Field() string { return e.Path }

// CacheTTL is how long Authenticate trusts a cached lookup.
const CacheTTL = 5 * time.Second

// Tokens stores API tokens.
type Tokens struct {
	db  *store.Store
	now func() time.Time

	mu    sync.Mutex
	cache map[string]cached
}

type cached struct {
	tok     Token
	expires time.Time
}

// NewTokens returns the token store on db.
func NewTokens(db *store.Store) *Tokens {
	return &Tokens{db: db, now: time.Now, cache: map[string]cached{}}
}

const (
	qInsertToken    = `INSERT INTO api_tokens (id, name, role, hash, created_us, created_by) VALUES ($1, $2, $3, $4, $5, $6)`
	qTokenByHash    = `SELECT id, name, role, created_us, created_by FROM api_tokens WHERE hash = $1 AND revoked_us IS NULL`
	qListTokens     = `SELECT id, name, role, created_us, created_by, revoked_us FROM api_tokens ORDER BY created_us, id`
	qRevokeToken    = `UPDATE api_tokens SET revoked_us = $1 WHERE (id = $2 OR name = $2) AND revoked_us IS NULL AND (role <> 'admin' OR (SELECT COUNT(*) FROM api_tokens WHERE role = 'admin' AND revoked_us IS NULL) > 1)`
	qActiveByIDName = `SELECT role FROM api_tokens WHERE (id = $1 OR name = $1) AND revoked_us IS NULL`
	qTokenByIDName  = `SELECT id, name, role, created_us, created_by, revoked_us FROM api_tokens WHERE id = $1 OR name = $1 ORDER BY revoked_us IS NULL DESC, created_us DESC LIMIT 1`
	qCountAdmins    = `SELECT COUNT(*) FROM api_tokens WHERE role = 'admin' AND revoked_us IS NULL`
	qTokenHashKnown = `SELECT COUNT(*) FROM api_tokens WHERE hash = $1`
)

// Hash returns the stored form of a secret: hex SHA-256.
func Hash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// NewSecret returns a fresh random token secret.
func NewSecret() Secret {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return Secret("fl_" + base64.RawURLEncoding.EncodeToString(b))
}

func newID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "tok_" + hex.EncodeToString(b)
}

// ValidateName checks a token name: 1 to 64 characters of letters, digits,
// '-', '_', '.', '@'.
func ValidateName(name string) error {
	if name == "" || len(name) > 64 {
		return &FieldError{"name", "must be 1 to 64 characters"}
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.@", r)) {
			return &FieldError{"name", fmt.Sprintf("has %q; use letters, digits, '-', '_', '.', '@'", r)}
		}
	}
	return nil
}

// Create makes a token and returns it with its secret, which is never
// retrievable again. createdBy names the creator (a token name or "firstline").
// It returns an error wrapping store.ErrConflict if an active token has name.
func (t *Tokens) Create(ctx context.Context, q store.Querier, name string, role Role, createdBy string) (Token, Secret, error) {
	if err := ValidateName(name); err != nil {
		return Token{}, "", err
	}
	if !role.Valid() {
		return Token{}, "", &FieldError{"role", fmt.Sprintf("unknown role %q; want admin, operator or viewer", role)}
	}
	secret := NewSecret()
	tok, err := t.insert(ctx, q, name, role, createdBy, secret)
	return tok, secret, err
}

func (t *Tokens) insert(ctx context.Context, q store.Querier, name string, role Role, createdBy string, secret Secret) (Token, error) {
	now := t.now().UTC().Truncate(time.Microsecond)
	tok := Token{ID: newID(), Name: name, Role: role, CreatedAt: now, CreatedBy: createdBy}
	if _, err := q.Exec(ctx, qInsertToken, tok.ID, tok.Name, string(tok.Role), Hash(secret.Reveal()), now.UnixMicro(), createdBy); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return Token{}, fmt.Errorf("create token %q: an active token has this name: %w", name, err)
		}
		return Token{}, fmt.Errorf("create token %q: %w", name, err)
	}
	return tok, nil
}

// Authenticate returns the active token whose secret is given, or
// ErrUnauthorized.
func (t *Tokens) Authenticate(ctx context.Context, secret string) (Token, error) {
	if !strings.HasPrefix(secret, "fl_") || len(secret) > 128 {
		return Token{}, ErrUnauthorized
	}
	h := Hash(secret)
	now := t.now()
	t.mu.Lock()
	c, ok := t.cache[h]
	t.mu.Unlock()
	if ok && now.Before(c.expires) {
		return c.tok, nil
	}
	var tok Token
	var createdUS int64
	var role string
	err := t.db.QueryRow(ctx, qTokenByHash, h).Scan(&tok.ID, &tok.Name, &role, &createdUS, &tok.CreatedBy)
	if errors.Is(err, store.ErrNotFound) {
		return Token{}, ErrUnauthorized
	}
	if err != nil {
		return Token{}, fmt.Errorf("authenticate: %w", err)
	}
	tok.Role = Role(role)
	tok.CreatedAt = time.UnixMicro(createdUS).UTC()
	t.mu.Lock()
	if len(t.cache) > 10000 {
		clear(t.cache)
	}
	t.cache[h] = cached{tok, now.Add(CacheTTL)}
	t.mu.Unlock()
	return tok, nil
}

// List returns every token, revoked ones included, oldest first.
func (t *Tokens) List(ctx context.Context) ([]Token, error) {
	rows, err := t.db.Query(ctx, qListTokens)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		tok, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("list tokens: %w", err)
		}
		out = append(out, tok)
	}
	return out, rows.Err()
}

func scanToken(r store.Row) (Token, error) {
	var tok Token
	var role string
	var createdUS int64
	var revokedUS *int64
	if err := r.Scan(&tok.ID, &tok.Name, &role, &createdUS, &tok.CreatedBy, &revokedUS); err != nil {
		return Token{}, err
	}
	tok.Role = Role(role)
	tok.CreatedAt = time.UnixMicro(createdUS).UTC()
	if revokedUS != nil {
		rt := time.UnixMicro(*revokedUS).UTC()
		tok.RevokedAt = &rt
	}
	return tok, nil
}

// Revoke revokes the active token with this id or name and returns it. It
// returns an error wrapping store.ErrNotFound if there is none, and one
// wrapping store.ErrConflict if it is the last active admin token (which
// would lock every administrator out).
func (t *Tokens) Revoke(ctx context.Context, q store.Querier, idOrName string) (Token, error) {
	now := t.now().UTC().Truncate(time.Microsecond)
	n, err := q.Exec(ctx, qRevokeToken, now.UnixMicro(), idOrName)
	if err != nil {
		return Token{}, fmt.Errorf("revoke token %q: %w", idOrName, err)
	}
	if n == 0 {
		var role string
		if err := q.QueryRow(ctx, qActiveByIDName, idOrName).Scan(&role); err == nil && Role(role) == Admin {
			return Token{}, fmt.Errorf("revoke token %q: it is the last active admin token; create another admin token first: %w", idOrName, store.ErrConflict)
		}
		return Token{}, fmt.Errorf("revoke token %q: no active token has this id or name: %w", idOrName, store.ErrNotFound)
	}
	t.mu.Lock()
	clear(t.cache)
	t.mu.Unlock()
	tok, err := scanToken(q.QueryRow(ctx, qTokenByIDName, idOrName))
	if err != nil {
		return Token{}, fmt.Errorf("revoke token %q: %w", idOrName, err)
	}
	return tok, nil
}

// AdminTokenFile is the file, in the data directory, holding the first
// admin token.
const AdminTokenFile = "admin-token"

// EnsureAdmin makes sure an admin token exists and that the admin-token
// file in dataDir holds a working one. It returns the file's path and
// whether a token was created now. When the database already has admin
// tokens but the file is missing, it creates nothing and returns
// created=false with path "" (the operator keeps using the tokens they have).
func (t *Tokens) EnsureAdmin(ctx context.Context, dataDir string) (path string, created bool, err error) {
	path = filepath.Join(dataDir, AdminTokenFile)
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		secret := strings.TrimSpace(string(b))
		var n int64
		if err := t.db.QueryRow(ctx, qTokenHashKnown, Hash(secret)).Scan(&n); err != nil {
			return "", false, fmt.Errorf("check admin token: %w", err)
		}
		if n > 0 {
			return path, false, nil
		}
		if !strings.HasPrefix(secret, "fl_") {
			return "", false, fmt.Errorf("admin token file %s does not hold a firstline token", path)
		}
		// A fresh database behind an existing data directory: register it.
		err := t.db.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
			_, err := t.insert(ctx, tx, "admin-"+time.Now().UTC().Format("20060102T150405"), Admin, "firstline", Secret(secret))
			return err
		})
		return path, err == nil, err
	case !errors.Is(err, os.ErrNotExist):
		return "", false, fmt.Errorf("read admin token: %w", err)
	}
	var admins int64
	if err := t.db.QueryRow(ctx, qCountAdmins).Scan(&admins); err != nil {
		return "", false, fmt.Errorf("count admin tokens: %w", err)
	}
	if admins > 0 {
		return "", false, nil
	}
	secret := NewSecret()
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return "", false, fmt.Errorf("create data directory: %w", err)
	}
	// Write the file first: a token in the database that nobody can read
	// would be useless.
	if err := os.WriteFile(path, []byte(secret.Reveal()+"\n"), 0o600); err != nil {
		return "", false, fmt.Errorf("write admin token: %w", err)
	}
	err = t.db.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
		_, err := t.insert(ctx, tx, "admin", Admin, "firstline", secret)
		return err
	})
	if err != nil {
		_ = os.Remove(path)
		return "", false, err
	}
	return path, true, nil
}

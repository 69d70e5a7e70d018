package resource

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/firstline/firstline/internal/store"
)

// Kind validates the specs of one resource kind.
type Kind interface {
	// Name is the kind as written in documents, e.g. "Rule".
	Name() string
	// Normalize validates spec and returns its canonical JSON. Errors carry
	// a Field() path relative to the spec (e.g. "Targets[0].Id").
	Normalize(name string, spec json.RawMessage) (json.RawMessage, error)
}

// Registry holds the kinds by name.
type Registry struct{ kinds map[string]Kind }

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{kinds: map[string]Kind{}} }

// Register adds k; a second kind of the same name is an error.
func (r *Registry) Register(k Kind) error {
	if _, dup := r.kinds[k.Name()]; dup {
		return fmt.Errorf("register resource kind %q: already registered", k.Name())
	}
	r.kinds[k.Name()] = k
	return nil
}

// Names lists the registered kinds, sorted.
func (r *Registry) Names() []string {
	var out []string
	for n := range r.kinds {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Lookup returns the kind named name, or an error listing the known kinds
// and the nearest one.
func (r *Registry) Lookup(name string) (Kind, error) {
	if k, ok := r.kinds[name]; ok {
		return k, nil
	}
	for n, k := range r.kinds {
		if strings.EqualFold(n, name) {
			return k, nil
		}
	}
	msg := fmt.Sprintf("unknown kind %q; known kinds: %s", name, strings.Join(r.Names(), ", "))
	if near := nearest(name, r.Names()); near != "" {
		msg += fmt.Sprintf(" (did you mean %s?)", near)
	}
	return nil, &FieldError{Path: "kind", Msg: msg}
}

func nearest(s string, names []string) string {
	best, bestD := "", 3
	for _, n := range names {
		if d := distance(strings.ToLower(s), strings.ToLower(n)); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

// distance is the Levenshtein distance.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// FieldError rejects a field of a resource document.
type FieldError struct{ Path, Msg string }

func (e *FieldError) Error() string { return e.Path + ": " + e.Msg }

// Field returns the path of the rejected field.
func (e *FieldError) Field() string { return e.Path }

// Resource is a stored resource.
type Resource struct {
	Kind      string          `json:"kind"`
	Name      string          `json:"name"`
	Spec      json.RawMessage `json:"spec"`
	Version   int64           `json:"version,omitempty"`
	UpdatedAt time.Time       `json:"updatedAt,omitzero"`
}

// Outcome of Apply.
type Outcome string

// The outcomes.
const (
	Created   Outcome = "created"
	Updated   Outcome = "updated"
	Unchanged Outcome = "unchanged"
	Deleted   Outcome = "deleted"
)

// ValidateName checks a resource name: 1 to 64 characters of letters,
// digits, '.', '-', '_' (EventBridge's rule name pattern).
func ValidateName(name string) error {
	if name == "" || len(name) > 64 {
		return &FieldError{"name", "must be 1 to 64 characters"}
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_') {
			return &FieldError{"name", fmt.Sprintf("has %q; use letters, digits, '.', '-', '_'", r)}
		}
	}
	return nil
}

// Store keeps resources in the database.
type Store struct {
	db  *store.Store
	reg *Registry
	now func() time.Time
}

// NewStore returns the resource store.
func NewStore(db *store.Store, reg *Registry) *Store {
	return &Store{db: db, reg: reg, now: time.Now}
}

// Registry returns the kinds.
func (s *Store) Registry() *Registry { return s.reg }

const (
	qGetResource   = `SELECT spec, version, updated_us FROM resources WHERE kind = $1 AND name = $2`
	qListResources = `SELECT name, spec, version, updated_us FROM resources WHERE kind = $1 ORDER BY name`
	qInsert        = `INSERT INTO resources (kind, name, spec, version, updated_us) VALUES ($1, $2, $3, 1, $4)`
	qUpdate        = `UPDATE resources SET spec = $3, version = version + 1, updated_us = $4 WHERE kind = $1 AND name = $2 AND version = $5`
	qDelete        = `DELETE FROM resources WHERE kind = $1 AND name = $2`
	qBumpGen       = `UPDATE resource_generation SET gen = gen + 1 WHERE id = 1`
	qGeneration    = `SELECT gen FROM resource_generation WHERE id = 1`
)

// Normalize validates a document and returns it with its canonical spec
// and the kind's canonical name.
func (s *Store) Normalize(r Resource) (Resource, error) {
	k, err := s.reg.Lookup(r.Kind)
	if err != nil {
		return r, err
	}
	if err := ValidateName(r.Name); err != nil {
		return r, err
	}
	if len(bytes.TrimSpace(r.Spec)) == 0 || string(bytes.TrimSpace(r.Spec)) == "null" {
		return r, &FieldError{"spec", "is required"}
	}
	spec, err := k.Normalize(r.Name, r.Spec)
	if err != nil {
		return r, prefixErr("spec", err)
	}
	return Resource{Kind: k.Name(), Name: r.Name, Spec: spec}, nil
}

func prefixErr(prefix string, err error) error {
	var out []error
	var joined interface{ Unwrap() []error }
	errs := []error{err}
	if errors.As(err, &joined) {
		errs = joined.Unwrap()
	}
	for _, e := range errs {
		var fe interface{ Field() string }
		if errors.As(e, &fe) {
			p := prefix
			if f := fe.Field(); f != "" {
				p += "." + f
			}
			out = append(out, &FieldError{p, strings.TrimPrefix(e.Error(), fe.Field()+": ")})
		} else {
			out = append(out, &FieldError{prefix, e.Error()})
		}
	}
	if len(out) == 1 {
		return out[0]
	}
	return errors.Join(out...)
}

// Apply creates or updates r (validated first) and reports what it did.
// With dryRun nothing is written.
func (s *Store) Apply(ctx context.Context, r Resource, dryRun bool) (Resource, Outcome, error) {
	r, err := s.Normalize(r)
	if err != nil {
		return r, "", err
	}
	var outcome Outcome
	err = s.db.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
		var spec string
		var version, updated int64
		err := tx.QueryRow(ctx, qGetResource, r.Kind, r.Name).Scan(&spec, &version, &updated)
		now := s.now().UTC().Truncate(time.Microsecond)
		switch {
		case errors.Is(err, store.ErrNotFound):
			outcome = Created
			if dryRun {
				return nil
			}
			if _, err := tx.Exec(ctx, qInsert, r.Kind, r.Name, string(r.Spec), now.UnixMicro()); err != nil {
				return err
			}
			r.Version, r.UpdatedAt = 1, now
		case err != nil:
			return err
		case spec == string(r.Spec):
			outcome = Unchanged
			r.Version, r.UpdatedAt = version, time.UnixMicro(updated).UTC()
			return nil
		default:
			outcome = Updated
			if dryRun {
				return nil
			}
			n, err := tx.Exec(ctx, qUpdate, r.Kind, r.Name, string(r.Spec), now.UnixMicro(), version)
			if err != nil {
				return err
			}
			if n == 0 {
				return fmt.Errorf("%s %s changed concurrently: %w", r.Kind, r.Name, store.ErrConflict)
			}
			r.Version, r.UpdatedAt = version+1, now
		}
		_, err = tx.Exec(ctx, qBumpGen)
		return err
	})
	if err != nil {
		return r, "", fmt.Errorf("apply %s %s: %w", r.Kind, r.Name, err)
	}
	return r, outcome, nil
}

// Get returns one resource, or an error wrapping store.ErrNotFound.
func (s *Store) Get(ctx context.Context, kind, name string) (Resource, error) {
	k, err := s.reg.Lookup(kind)
	if err != nil {
		return Resource{}, err
	}
	r := Resource{Kind: k.Name(), Name: name}
	var spec string
	var updated int64
	if err := s.db.QueryRow(ctx, qGetResource, r.Kind, name).Scan(&spec, &r.Version, &updated); err != nil {
		return r, fmt.Errorf("get %s %s: %w", r.Kind, name, err)
	}
	r.Spec, r.UpdatedAt = json.RawMessage(spec), time.UnixMicro(updated).UTC()
	return r, nil
}

// List returns every resource of kind, by name.
func (s *Store) List(ctx context.Context, kind string) ([]Resource, error) {
	k, err := s.reg.Lookup(kind)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, qListResources, k.Name())
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", k.Name(), err)
	}
	defer rows.Close()
	out := []Resource{}
	for rows.Next() {
		r := Resource{Kind: k.Name()}
		var spec string
		var updated int64
		if err := rows.Scan(&r.Name, &spec, &r.Version, &updated); err != nil {
			return nil, fmt.Errorf("list %s: %w", k.Name(), err)
		}
		r.Spec, r.UpdatedAt = json.RawMessage(spec), time.UnixMicro(updated).UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}

// Delete removes a resource, or returns an error wrapping store.ErrNotFound.
func (s *Store) Delete(ctx context.Context, kind, name string) error {
	k, err := s.reg.Lookup(kind)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context, tx store.Tx) error {
		n, err := tx.Exec(ctx, qDelete, k.Name(), name)
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("delete %s %s: %w", k.Name(), name, store.ErrNotFound)
		}
		_, err = tx.Exec(ctx, qBumpGen)
		return err
	})
}

// Generation returns the change counter: it grows with every change to
// any resource.
func (s *Store) Generation(ctx context.Context) (int64, error) {
	var g int64
	err := s.db.QueryRow(ctx, qGeneration).Scan(&g)
	return g, err
}

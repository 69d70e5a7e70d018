package document

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/firstline/firstline/internal/arn"
	"github.com/firstline/firstline/internal/resource"
	"github.com/firstline/firstline/internal/store"
)

// The document versions every document answers to besides its number:
// the latest and the default version (the same version until firstline
// keeps a history of versions).
const (
	VersionLatest  = "$LATEST"
	VersionDefault = "$DEFAULT"
)

// NotFoundError is returned for a document or version that does not
// exist. It matches store.ErrNotFound.
type NotFoundError struct {
	Name    string
	Version string // "" when the document itself is missing
	Msg     string
}

func (e *NotFoundError) Error() string { return e.Msg }

// Is makes a NotFoundError match store.ErrNotFound.
func (e *NotFoundError) Is(target error) bool { return target == store.ErrNotFound }

// Store finds documents: the built-ins first, then Document resources.
// It is safe for concurrent use.
type Store struct {
	resources *resource.Store // nil: built-ins only
	builtins  []*Document
}

// NewStore returns a store over resources (which must have Kind
// registered); nil resources serves the built-ins only.
func NewStore(resources *resource.Store) *Store {
	return &Store{resources: resources, builtins: Builtins()}
}

// Lookup finds the document name at its default version; see Store.Get.
func Lookup(ctx context.Context, resources *resource.Store, name string) (*Document, error) {
	return NewStore(resources).Get(ctx, name, "")
}

// Get returns the document name at version. name is a document name or
// its ARN, arn:aws:ssm:REGION:ACCOUNT:document/NAME (region and account
// are ignored). version is "", "$DEFAULT", "$LATEST" or a version number:
// "1" for built-ins, the resource's version for Document resources (only
// the current version is kept). A missing document or version is a
// *NotFoundError (errors.Is(err, store.ErrNotFound)).
//
// The returned Document is shared: do not modify it.
func (s *Store) Get(ctx context.Context, name, version string) (*Document, error) {
	name, err := NameOf(name)
	if err != nil {
		return nil, err
	}
	for _, d := range s.builtins {
		if d.Name == name {
			if err := checkVersion(d, version); err != nil {
				return nil, err
			}
			return d, nil
		}
	}
	if IsReserved(name) || s.resources == nil {
		return nil, s.notFound(name)
	}
	r, err := s.resources.Get(ctx, KindName, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, s.notFound(name)
	}
	if err != nil {
		return nil, fmt.Errorf("get document %s: %w", name, err)
	}
	d, err := fromSpec(r.Spec)
	if err != nil {
		return nil, fmt.Errorf("document %s (version %d) no longer validates: %w", name, r.Version, err)
	}
	d.Name, d.Version = name, strconv.FormatInt(r.Version, 10)
	if err := checkVersion(d, version); err != nil {
		return nil, err
	}
	return d, nil
}

// List returns the built-in documents, then the Document resources by
// name, each at its current version.
func (s *Store) List(ctx context.Context) ([]*Document, error) {
	out := append([]*Document(nil), s.builtins...)
	if s.resources == nil {
		return out, nil
	}
	rs, err := s.resources.List(ctx, KindName)
	if err != nil {
		return nil, fmt.Errorf("list documents: %w", err)
	}
	for _, r := range rs {
		d, err := fromSpec(r.Spec)
		if err != nil {
			return nil, fmt.Errorf("document %s (version %d) no longer validates: %w", r.Name, r.Version, err)
		}
		d.Name, d.Version = r.Name, strconv.FormatInt(r.Version, 10)
		out = append(out, d)
	}
	return out, nil
}

func (s *Store) notFound(name string) error {
	names := make([]string, len(s.builtins))
	for i, d := range s.builtins {
		names[i] = d.Name
	}
	msg := fmt.Sprintf("document %s does not exist (built-in documents: %s", name, strings.Join(names, ", "))
	if near := nearest(name, names); near != "" {
		msg += fmt.Sprintf("; did you mean %s?", near)
	}
	return &NotFoundError{Name: name, Msg: msg + ")"}
}

// checkVersion accepts the versions d answers to.
func checkVersion(d *Document, version string) error {
	switch version {
	case "", VersionLatest, VersionDefault, d.Version:
		return nil
	}
	msg := fmt.Sprintf("document %s has no version %q; its versions are %s (also %s and %s)", d.Name, version, d.Version, VersionLatest, VersionDefault)
	if !d.Builtin {
		msg = fmt.Sprintf("document %s has no version %q: firstline keeps its current version, %s (also %s and %s)", d.Name, version, d.Version, VersionLatest, VersionDefault)
	}
	return &NotFoundError{Name: d.Name, Version: version, Msg: msg}
}

// NameOf returns the document name that s names: s itself, or the NAME of
// the ARN arn:PARTITION:ssm:REGION:ACCOUNT:document/NAME.
func NameOf(s string) (string, error) {
	if !strings.HasPrefix(s, "arn:") {
		if s == "" {
			return "", &Error{Path: "DocumentName", Msg: "is required"}
		}
		return s, nil
	}
	a, err := arn.Parse(s)
	if err != nil {
		return "", &Error{Path: "DocumentName", Msg: err.Error()}
	}
	name, ok := strings.CutPrefix(a.Resource, "document/")
	if a.Service != "ssm" || !ok || name == "" || strings.Contains(name, "/") {
		return "", &Error{Path: "DocumentName", Msg: fmt.Sprintf("%q is not a document ARN (arn:aws:ssm:REGION:ACCOUNT:document/NAME)", s)}
	}
	return name, nil
}

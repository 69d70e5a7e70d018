package document_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/firstline/firstline/internal/command/document"
	"github.com/firstline/firstline/internal/resource"
	"github.com/firstline/firstline/internal/store"
	"github.com/firstline/firstline/internal/store/storetest"
)

// openResources opens a migrated database with the Document kind
// registered.
func openResources(t *testing.T, d store.Dialect) *resource.Store {
	t.Helper()
	db, err := store.Open(context.Background(), store.Config{DSN: storetest.DSN(t, d)})
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	kinds := resource.NewRegistry()
	require.NoError(t, kinds.Register(document.Kind{}))
	return resource.NewStore(db, kinds)
}

func applyDocument(t *testing.T, resources *resource.Store, name string, content []byte) (resource.Resource, resource.Outcome) {
	t.Helper()
	spec, err := json.Marshal(map[string]any{"Content": json.RawMessage(content)})
	require.NoError(t, err)
	r, outcome, err := resources.Apply(context.Background(), resource.Resource{Kind: document.KindName, Name: name, Spec: spec}, false)
	require.NoError(t, err)
	return r, outcome
}

// TestStore looks documents up on a real resource store: built-ins first
// (by name, ARN and version), then Document resources.
func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		resources := openResources(t, d)
		docs := document.NewStore(resources)
		fixture, err := os.ReadFile("testdata/fixtures/restart-service.json")
		require.NoError(t, err)
		_, outcome := applyDocument(t, resources, "restart-service", fixture)
		require.Equal(t, resource.Created, outcome)
		_, outcome = applyDocument(t, resources, "restart-service", fixture)
		require.Equal(t, resource.Unchanged, outcome)

		for _, tc := range []struct{ name, version, wantName, wantVersion string }{
			{"AWS-RunShellScript", "", "AWS-RunShellScript", "1"},
			{"AWS-RunShellScript", "$LATEST", "AWS-RunShellScript", "1"},
			{"AWS-RunShellScript", "$DEFAULT", "AWS-RunShellScript", "1"},
			{"arn:aws:ssm:ap-northeast-1:123456789012:document/AWS-RunShellScript", "1", "AWS-RunShellScript", "1"},
			{"arn:aws:ssm:us-east-1::document/AWS-RunShellScript", "", "AWS-RunShellScript", "1"},
			{"restart-service", "", "restart-service", "1"},
			{"restart-service", "1", "restart-service", "1"},
			{"arn:aws:ssm:ap-northeast-1:123456789012:document/restart-service", "$LATEST", "restart-service", "1"},
		} {
			doc, err := docs.Get(ctx, tc.name, tc.version)
			require.NoError(t, err, "%s %s", tc.name, tc.version)
			require.Equal(t, tc.wantName, doc.Name)
			require.Equal(t, tc.wantVersion, doc.Version)
		}
		doc, err := docs.Get(ctx, "restart-service", "")
		require.NoError(t, err)
		require.False(t, doc.Builtin)
		require.JSONEq(t, string(fixture), string(doc.Content()))
		r, err := document.Resolve(doc, map[string][]string{"Service": {"nginx"}})
		require.NoError(t, err)
		require.Equal(t, "restart-service", r.DocumentName)
		require.Equal(t, "1", r.DocumentVersion)
		require.Equal(t, "systemctl restart nginx\nsystemctl status nginx | grep Active", r.Steps[0].Script)

		// An update makes version 2; only the current version is kept.
		var changed map[string]any
		require.NoError(t, json.Unmarshal(fixture, &changed))
		changed["description"] = "Restart a service."
		content, _ := json.Marshal(changed)
		_, outcome = applyDocument(t, resources, "restart-service", content)
		require.Equal(t, resource.Updated, outcome)
		doc, err = docs.Get(ctx, "restart-service", "$DEFAULT")
		require.NoError(t, err)
		require.Equal(t, "2", doc.Version)
		require.Equal(t, "Restart a service.", doc.Description)

		for _, tc := range []struct{ name, version, err string }{
			{"restart-service", "1", `document restart-service has no version "1": firstline keeps its current version, 2`},
			{"AWS-RunShellScript", "2", `document AWS-RunShellScript has no version "2"; its versions are 1`},
			{"missing", "", "document missing does not exist (built-in documents: AWS-RunShellScript)"},
			{"AWS-RunShellScrpt", "", "did you mean AWS-RunShellScript?"},
			{"AWS-RunPowerShellScript", "", "document AWS-RunPowerShellScript does not exist"},
		} {
			_, err := docs.Get(ctx, tc.name, tc.version)
			require.ErrorContains(t, err, tc.err)
			require.True(t, errors.Is(err, store.ErrNotFound), "%v", err)
			var nf *document.NotFoundError
			require.True(t, errors.As(err, &nf))
			require.Equal(t, tc.version, nf.Version)
		}
		for _, bad := range []string{"arn:aws:ec2:us-east-1:123456789012:instance/i-0123", "arn:aws:ssm:us-east-1:1:parameter/x", "arn:aws", ""} {
			_, err := docs.Get(ctx, bad, "")
			var de *document.Error
			require.True(t, errors.As(err, &de), "%q: %v", bad, err)
			require.Equal(t, "DocumentName", de.Field())
		}

		// Built-in names are reserved.
		spec, _ := json.Marshal(map[string]any{"Content": json.RawMessage(fixture)})
		_, _, err = resources.Apply(ctx, resource.Resource{Kind: document.KindName, Name: "AWS-RunShellScript", Spec: spec}, false)
		require.ErrorContains(t, err, "is reserved")
		// An invalid document is refused on apply, every problem named.
		_, _, err = resources.Apply(ctx, resource.Resource{Kind: document.KindName, Name: "bad",
			Spec: json.RawMessage(`{"Content":{"schemaVersion":"2.2","mainSteps":[{"action":"aws:runShellScript","name":"a","inputs":{"runCommand":"{{ x }}"}}]}}`)}, false)
		require.ErrorContains(t, err, "spec.Content.mainSteps[0].inputs.runCommand: {{ x }} names no parameter of the document")

		_, _ = applyDocument(t, resources, "a-first", fixture)
		list, err := docs.List(ctx)
		require.NoError(t, err)
		var names []string
		for _, d := range list {
			names = append(names, d.Name+"@"+d.Version)
		}
		require.Equal(t, []string{"AWS-RunShellScript@1", "a-first@1", "restart-service@2"}, names)

		doc, err = document.Lookup(ctx, resources, "a-first")
		require.NoError(t, err)
		require.Equal(t, "a-first", doc.Name)
	})
}

// TestStoreBuiltinsOnly: without resources, the built-ins are served.
func TestStoreBuiltinsOnly(t *testing.T) {
	t.Parallel()
	doc, err := document.Lookup(context.Background(), nil, "arn:aws:ssm:eu-west-1:000000000000:document/AWS-RunShellScript")
	require.NoError(t, err)
	require.Equal(t, "AWS-RunShellScript", doc.Name)
	_, err = document.Lookup(context.Background(), nil, "restart-service")
	require.True(t, errors.Is(err, store.ErrNotFound))
	list, err := document.NewStore(nil).List(context.Background())
	require.NoError(t, err)
	require.Len(t, list, 1)
}

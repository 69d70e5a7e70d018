package document

import (
	"embed"
	"fmt"
	"path"
	"strings"
)

// builtinFS holds the built-in documents, one file per document, named
// after it: builtin/NAME.json.
//
//go:embed builtin/*.json
var builtinFS embed.FS

// BuiltinVersion is the version of every built-in document.
const BuiltinVersion = "1"

// Builtins returns the documents that ship with firstline, sorted by name:
// AWS-RunShellScript, with AWS's parameters (commands, workingDirectory,
// executionTimeout), so documents and runbooks that name it run
// unmodified. Each call parses them afresh; Store keeps its own.
func Builtins() []*Document {
	entries, err := builtinFS.ReadDir("builtin")
	if err != nil {
		panic(err) // embedded: cannot fail
	}
	var out []*Document
	for _, e := range entries {
		b, err := builtinFS.ReadFile(path.Join("builtin", e.Name()))
		if err != nil {
			panic(err)
		}
		d, err := Parse(b)
		if err == nil {
			err = d.Validate()
		}
		if err != nil {
			// A broken built-in is a programming error, caught by the
			// tests.
			panic(fmt.Sprintf("built-in document %s: %v", e.Name(), err))
		}
		d.Name, d.Version, d.Builtin = strings.TrimSuffix(e.Name(), ".json"), BuiltinVersion, true
		out = append(out, d)
	}
	return out
}

// IsReserved reports whether name is reserved for built-in documents: it
// starts with "AWS-" (in any case).
func IsReserved(name string) bool {
	return len(name) >= 4 && strings.EqualFold(name[:4], "AWS-")
}

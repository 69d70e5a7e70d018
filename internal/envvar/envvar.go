// Package envvar expands ${VAR} references from the environment in
// configuration text (firstline.yaml, resource files for apply), so
// secrets stay out of files.
package envvar

import (
	"fmt"
	"os"
	"regexp"
	"strings"
)

var ref = regexp.MustCompile(`\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// Expand replaces ${VAR} with the variable's value and $$ with $, except on
// comment lines (those starting with #). A ${VAR} that is not set is an
// error naming it, so a missing secret never silently becomes "". A bare
// $VAR is left as it is.
func Expand(text string) (string, error) {
	var missing []string
	lines := strings.SplitAfter(text, "\n")
	for i, line := range lines {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		lines[i] = ref.ReplaceAllStringFunc(line, func(m string) string {
			if m == "$$" {
				return "$"
			}
			name := m[2 : len(m)-1]
			v, ok := os.LookupEnv(name)
			if !ok {
				missing = append(missing, name)
			}
			return v
		})
	}
	if len(missing) > 0 {
		return "", fmt.Errorf("environment variables not set: %s", strings.Join(missing, ", "))
	}
	return strings.Join(lines, ""), nil
}

package input

// IsJSONTemplate reports whether Shape treats tmpl as a JSON template.
func IsJSONTemplate(tmpl string) bool {
	t, _ := parseTemplate(tmpl, nil)
	return t != nil && t.isJSON
}

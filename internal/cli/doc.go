// Package cli is firstline's command-line client of the API: one cobra
// command per operation, reading FIRSTLINE_URL and FIRSTLINE_TOKEN (or
// --url/--token), printing -o table|json|yaml, exiting non-zero with the
// API's error message on failure.
package cli

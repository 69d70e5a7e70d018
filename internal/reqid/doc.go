// Package reqid carries a request id through a context and into every log
// record written with the …Context methods of log/slog.
package reqid

package server

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/firstline/firstline/internal/event"
)

// Config configures `firstline serve`. Flags and the YAML file (--config)
// fill the same struct; the YAML keys are the flag names.
type Config struct {
	// Listen is the address the API listens on (default 127.0.0.1:8642).
	// Port 0 picks a free port, printed at start.
	Listen string `yaml:"listen"`
	// DataDir holds the SQLite database and the admin-token file (default
	// ./firstline-data); created with mode 0700 if missing.
	DataDir string `yaml:"data-dir"`
	// Database is sqlite://<path> (default sqlite://<data-dir>/firstline.db)
	// or postgres://user:pass@host:port/db.
	Database string `yaml:"database"`
	// LogLevel is debug, info, warn or error (default info).
	LogLevel string `yaml:"log-level"`
	// LogFormat is text or json (default text).
	LogFormat string `yaml:"log-format"`
	// TLSCertFile and TLSKeyFile, both set, serve HTTPS.
	TLSCertFile string `yaml:"tls-cert-file"`
	TLSKeyFile  string `yaml:"tls-key-file"`
	// Account and Region fill every event's envelope (defaults
	// 000000000000 and local-1).
	Account string `yaml:"account"`
	Region  string `yaml:"region"`
	// EventRetention is how long events are kept (default 720h, 30 days).
	EventRetention time.Duration `yaml:"event-retention"`
	// ShutdownTimeout bounds the drain on SIGTERM (default 30s).
	ShutdownTimeout time.Duration `yaml:"shutdown-timeout"`
}

// Defaults returns the configuration used when nothing is set.
func Defaults() Config {
	return Config{
		Listen:          "127.0.0.1:8642",
		DataDir:         "./firstline-data",
		LogLevel:        "info",
		LogFormat:       "text",
		Account:         "000000000000",
		Region:          "local-1",
		EventRetention:  event.DefaultRetention,
		ShutdownTimeout: 30 * time.Second,
	}
}

// LoadFile reads a YAML configuration file into c, expanding ${VAR} from
// the environment first (see expandEnv). Unknown keys are errors.
func (c *Config) LoadFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read config: %w", err)
	}
	expanded, err := expandEnv(string(b))
	if err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader([]byte(expanded)))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("config %s: %w", path, err)
	}
	return nil
}

// Validate reports every invalid key at once.
func (c *Config) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		errs = append(errs, fmt.Errorf("listen: %q is not host:port: %w", c.Listen, err))
	}
	if c.DataDir == "" {
		errs = append(errs, errors.New("data-dir: must be set"))
	}
	if c.Database != "" && !strings.HasPrefix(c.Database, "sqlite://") && !strings.HasPrefix(c.Database, "postgres://") && !strings.HasPrefix(c.Database, "postgresql://") {
		errs = append(errs, errors.New("database: must start with sqlite:// or postgres://"))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log-level: %q is not debug, info, warn or error", c.LogLevel))
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		errs = append(errs, fmt.Errorf("log-format: %q is not text or json", c.LogFormat))
	}
	if (c.TLSCertFile == "") != (c.TLSKeyFile == "") {
		errs = append(errs, errors.New("tls-cert-file, tls-key-file: set both or neither"))
	}
	if len(c.Account) != 12 || strings.Trim(c.Account, "0123456789") != "" {
		errs = append(errs, fmt.Errorf("account: %q is not 12 digits", c.Account))
	}
	if c.Region == "" {
		errs = append(errs, errors.New("region: must be set"))
	}
	if c.EventRetention < time.Hour {
		errs = append(errs, fmt.Errorf("event-retention: %s is shorter than 1h", c.EventRetention))
	}
	if c.ShutdownTimeout <= 0 {
		errs = append(errs, errors.New("shutdown-timeout: must be positive"))
	}
	return errors.Join(errs...)
}

// DatabaseDSN returns Database, or the SQLite file in DataDir.
func (c Config) DatabaseDSN() string {
	if c.Database != "" {
		return c.Database
	}
	return "sqlite://" + filepath.Join(c.DataDir, "firstline.db")
}

// loopback reports whether a listen address is only reachable locally.
func loopback(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

var envRef = regexp.MustCompile(`\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// expandEnv replaces ${VAR} with the variable's value and $$ with $, except
// on comment lines (those starting with #). A ${VAR} that is not set is an
// error naming it, so a missing secret never silently becomes "".
func expandEnv(text string) (string, error) {
	var missing []string
	lines := strings.SplitAfter(text, "\n")
	for i, line := range lines {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		lines[i] = envRef.ReplaceAllStringFunc(line, func(m string) string {
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

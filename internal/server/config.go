package server

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/firstline/firstline/internal/envvar"
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
	// DeliveryRetryBase is the first delay before a failed rule delivery
	// is retried (default 1s); it doubles per attempt, up to 5 minutes.
	DeliveryRetryBase time.Duration `yaml:"delivery-retry-base"`
}

// Defaults returns the configuration used when nothing is set.
func Defaults() Config {
	return Config{
		Listen:            "127.0.0.1:8642",
		DataDir:           "./firstline-data",
		LogLevel:          "info",
		LogFormat:         "text",
		Account:           "000000000000",
		Region:            "local-1",
		EventRetention:    event.DefaultRetention,
		ShutdownTimeout:   30 * time.Second,
		DeliveryRetryBase: time.Second,
	}
}

// LoadFile reads a YAML configuration file into c, expanding ${VAR} from
// the environment first (see envvar.Expand). Unknown keys are errors.
func (c *Config) LoadFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read config: %w", err)
	}
	expanded, err := envvar.Expand(string(b))
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
	if c.DeliveryRetryBase < 10*time.Millisecond || c.DeliveryRetryBase > time.Hour {
		errs = append(errs, fmt.Errorf("delivery-retry-base: %s is not between 10ms and 1h", c.DeliveryRetryBase))
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

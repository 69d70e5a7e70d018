package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/firstline/firstline/internal/server"
)

func serveCmd() *cobra.Command {
	cfg := server.Defaults()
	var configFile string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the firstline server",
		Long: `Run the firstline server: the API, the event store and the job runner.

On first start with an empty data directory it creates the directory, migrates
the database (an embedded SQLite file unless --database names PostgreSQL),
creates an admin API token and writes it to <data-dir>/admin-token (mode 0600).
Later starts reuse both. SIGTERM or Ctrl-C drains in-flight requests and jobs,
then exits 0.

Every flag can also be set in a YAML file given with --config, under the same
name (listen, data-dir, database, log-level, log-format, tls-cert-file,
tls-key-file, account, region, event-retention, shutdown-timeout,
delivery-retry-base); ${VAR} is
expanded from the environment. Flags given on the command line win.`,
		Example: `  firstline serve
  firstline serve --listen 0.0.0.0:8642 --tls-cert-file cert.pem --tls-key-file key.pem
  firstline serve --database postgres://firstline@127.0.0.1:5432/firstline
  firstline serve --config /etc/firstline/firstline.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			final := server.Defaults()
			if configFile != "" {
				if err := final.LoadFile(configFile); err != nil {
					return err
				}
			}
			// Flags set on the command line override the file.
			flagged := map[string]func(){
				"listen":              func() { final.Listen = cfg.Listen },
				"data-dir":            func() { final.DataDir = cfg.DataDir },
				"database":            func() { final.Database = cfg.Database },
				"log-level":           func() { final.LogLevel = cfg.LogLevel },
				"log-format":          func() { final.LogFormat = cfg.LogFormat },
				"tls-cert-file":       func() { final.TLSCertFile = cfg.TLSCertFile },
				"tls-key-file":        func() { final.TLSKeyFile = cfg.TLSKeyFile },
				"account":             func() { final.Account = cfg.Account },
				"region":              func() { final.Region = cfg.Region },
				"event-retention":     func() { final.EventRetention = cfg.EventRetention },
				"shutdown-timeout":    func() { final.ShutdownTimeout = cfg.ShutdownTimeout },
				"delivery-retry-base": func() { final.DeliveryRetryBase = cfg.DeliveryRetryBase },
			}
			for name, set := range flagged {
				if cmd.Flags().Changed(name) {
					set()
				}
			}
			logger := server.NewLogger(final, os.Stderr)
			srv, err := server.New(final, logger, cmd.OutOrStdout())
			if err != nil {
				return err
			}
			if err := srv.Run(cmd.Context()); err != nil {
				return fmt.Errorf("serve: %w", err)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&configFile, "config", "", "YAML configuration file (keys as the flags)")
	f.StringVar(&cfg.Listen, "listen", cfg.Listen, "address to listen on (host:port; port 0 picks one)")
	f.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "data directory (SQLite database, admin-token file)")
	f.StringVar(&cfg.Database, "database", "", "database: sqlite://<path> or postgres://... (default sqlite://<data-dir>/firstline.db)")
	f.StringVar(&cfg.LogLevel, "log-level", cfg.LogLevel, "debug, info, warn or error")
	f.StringVar(&cfg.LogFormat, "log-format", cfg.LogFormat, "text or json")
	f.StringVar(&cfg.TLSCertFile, "tls-cert-file", "", "TLS certificate (PEM); with --tls-key-file serves HTTPS")
	f.StringVar(&cfg.TLSKeyFile, "tls-key-file", "", "TLS private key (PEM)")
	f.StringVar(&cfg.Account, "account", cfg.Account, "account id written into events (12 digits)")
	f.StringVar(&cfg.Region, "region", cfg.Region, "region written into events")
	f.DurationVar(&cfg.EventRetention, "event-retention", cfg.EventRetention, "how long events are kept")
	f.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", cfg.ShutdownTimeout, "how long SIGTERM waits for requests and jobs to drain")
	f.DurationVar(&cfg.DeliveryRetryBase, "delivery-retry-base", cfg.DeliveryRetryBase, "first retry delay of a failed rule delivery (doubles per attempt)")
	return cmd
}

// Command firstline is the firstline server (`firstline serve`) and the
// command-line client of its API (every other command).
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/firstline/firstline/internal/cli"
)

func main() { os.Exit(run()) }

func run() int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	root := cli.NewRoot()
	serve := serveCmd()
	root.AddCommand(serve)
	// The client flags (--url, --token, -o) mean nothing to serve.
	help := root.HelpFunc()
	serve.SetHelpFunc(func(c *cobra.Command, args []string) {
		for _, name := range []string{"url", "token", "output"} {
			if f := root.PersistentFlags().Lookup(name); f != nil {
				f.Hidden = true
			}
		}
		help(c, args)
	})
	return cli.Execute(ctx, root, os.Args[1:])
}

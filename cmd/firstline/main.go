// Command firstline is the firstline server (`firstline serve`) and the
// command-line client of its API (every other command).
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/firstline/firstline/internal/cli"
)

func main() { os.Exit(run()) }

func run() int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	root := cli.NewRoot()
	root.AddCommand(serveCmd())
	return cli.Execute(ctx, root, os.Args[1:])
}

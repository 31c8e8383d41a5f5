// Command tourniquet runs the Tourniquet incident bot and its tools.
//
//	tourniquet [serve] [--config FILE] [--console]
//	tourniquet migrate [--config FILE]
//	tourniquet export INCIDENT --format json|md [--config FILE]
//	tourniquet check-config [--config FILE]
//	tourniquet version
//	tourniquet help [COMMAND]
//
// The subcommands are listed in commands.go; logging.go says where logs go
// (a file, when a person types into the terminal chat).
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// version is stamped at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"time"
)

// PprofListenEnv names the variable that turns on Go's profiler: set to a
// loopback address (127.0.0.1:6060), `serve` answers /debug/pprof/ there,
// on a listener of its own so the profiles never share the public routes.
const PprofListenEnv = "TOURNIQUET_PPROF_LISTEN"

// startPprof serves net/http/pprof on the loopback address in
// $TOURNIQUET_PPROF_LISTEN until the returned stop is called. An address
// that is not loopback is refused: a profile shows memory, and memory
// holds secrets.
func startPprof(ctx context.Context, log *slog.Logger) (stop func(), err error) {
	addr := os.Getenv(PprofListenEnv)
	if addr == "" {
		return func() {}, nil
	}
	if err := loopbackOnly(addr); err != nil {
		return nil, fmt.Errorf("%s: %w", PprofListenEnv, err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", PprofListenEnv, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.WarnContext(ctx, "pprof server stopped", "err", err)
		}
	}()
	log.InfoContext(ctx, "pprof listening", "addr", ln.Addr().String())
	return func() { _ = srv.Close() }, nil
}

// loopbackOnly accepts host:port where host is a loopback IP or localhost.
func loopbackOnly(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not host:port: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("%q is not a loopback address", addr)
}

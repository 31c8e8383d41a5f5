package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/tourniquet/tourniquet/bot/slack/slacktest"
	"github.com/tourniquet/tourniquet/cmd/tourniquet-load/loadgen"
)

// startupResult is one start of a server: exec to the first 200 from
// /readyz, and its resident memory after idling.
type startupResult struct {
	ready time.Duration
	rss   int64
}

// runStartup starts each of -systems -startup times, interleaved, each on
// a fresh database (a new SQLite file, a new Postgres schema; with
// "sqlite-restart", a file that a first start migrated) with no
// terminal session, and prints, per system, the median and the worst
// start-to-ready (from the exec to /readyz's first 200, polled every
// 2 ms) and resident memory (VmRSS) after -idle with no traffic.
func runStartup(ctx context.Context, f *flags, fake *slacktest.Server, stdout, stderr io.Writer) int {
	boltApp, cleanup, err := installBolt(ctx, f.systems, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "tourniquet-load: %v\n", err)
		return 1
	}
	defer cleanup()
	results := map[string][]startupResult{}
	failed := false
	for i := range f.startup {
		// Rotate the order each round, so no system always starts on a
		// machine just warmed (or loaded) by another.
		order := append(slices.Clone(f.systems[i%len(f.systems):]), f.systems[:i%len(f.systems)]...)
		for _, sys := range order {
			g := systemFlags(f, sys, boltApp)
			g.readyPoll = 2 * time.Millisecond
			if sys == "sqlite-restart" {
				// A restart: the file exists and is migrated already.
				g.database = "sqlite:" + filepath.Join(f.logDir, fmt.Sprintf("restart-%d-%s.db", i, randomHex(3)))
				if _, err := startOnce(ctx, g, fake, i, 0, stderr); err != nil {
					fmt.Fprintf(stderr, "tourniquet-load: start %d of %s: first start: %v\n", i+1, sys, err)
					failed = true
					continue
				}
			}
			r, err := startOnce(ctx, g, fake, i, f.idle, stderr)
			if err != nil {
				fmt.Fprintf(stderr, "tourniquet-load: start %d of %s: %v\n", i+1, sys, err)
				failed = true
				if ctx.Err() != nil {
					return 1
				}
				continue
			}
			fmt.Fprintf(stderr, "start %d, %s: ready after %.1f ms, %.1f MiB after %s idle (load average %.2f)\n",
				i+1, sys, ms64(r.ready), mib(r.rss), f.idle, loadgen.LoadAvg())
			results[sys] = append(results[sys], r)
		}
	}
	fmt.Fprintln(stdout, "| system | starts | start-to-ready median / max | idle RSS median / max |")
	fmt.Fprintln(stdout, "|---|---|---|---|")
	for _, sys := range f.systems {
		rs := results[sys]
		if len(rs) == 0 {
			continue
		}
		readies := make([]time.Duration, len(rs))
		rsss := make([]int64, len(rs))
		for k, r := range rs {
			readies[k], rsss[k] = r.ready, r.rss
		}
		slices.Sort(readies)
		slices.Sort(rsss)
		fmt.Fprintf(stdout, "| %s | %d | %.1f / %.1f ms | %.1f / %.1f MiB |\n", sys, len(rs),
			ms64(readies[len(readies)/2]), ms64(readies[len(readies)-1]), mib(rsss[len(rsss)/2]), mib(rsss[len(rsss)-1]))
	}
	if failed {
		return 1
	}
	return 0
}

// startOnce starts one fresh server, waits for it to be ready, lets it
// idle, reads its RSS and stops it.
func startOnce(ctx context.Context, f *flags, fake *slacktest.Server, i int, idle time.Duration, stderr io.Writer) (startupResult, error) {
	srv, logPath, _, _, cleanup, err := startServer(ctx, f, fake, float64(i), io.Discard)
	if err != nil {
		return startupResult{}, err
	}
	defer cleanup()
	defer srv.Kill()
	r := startupResult{ready: srv.ReadyAfter()}
	select {
	case <-ctx.Done():
		return r, ctx.Err()
	case <-time.After(idle):
	}
	if r.rss, err = loadgen.RSS(srv.Pid()); err != nil {
		return r, err
	}
	// Bolt's app exits on SIGTERM by the signal, which is no failure.
	if err := srv.Stop(15 * time.Second); err != nil && f.boltApp == "" {
		fmt.Fprintf(stderr, "stopping the server: %v\n", err)
	}
	return r, checkLogs(logPath, f, fake)
}

// systemFlags are f's flags set up to start sys: "sqlite" (a fresh file;
// "sqlite-restart" names a file that runStartup migrates first),
// "postgres" (the -database URL, else $TOURNIQUET_TEST_DATABASE_URL) or
// "bolt" (the app at boltApp) or "go" (this tool's Go app).
func systemFlags(f *flags, sys, boltApp string) *flags {
	g := *f
	g.boltApp, g.goApp = "", false
	switch sys {
	case "sqlite", "sqlite-restart":
		g.database = "sqlite"
	case "postgres":
		if !strings.HasPrefix(g.database, "postgres") {
			g.database = os.Getenv("TOURNIQUET_TEST_DATABASE_URL")
		}
	case "bolt":
		g.boltApp = boltApp
	case "go":
		g.goApp = true
	}
	return &g
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

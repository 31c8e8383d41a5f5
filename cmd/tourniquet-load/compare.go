package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/tourniquet/tourniquet/bot/slack/slacktest"
	"github.com/tourniquet/tourniquet/cmd/tourniquet-load/loadgen"
)

// runCompare runs every rate against every system, f.rounds times. The
// systems take turns within each rate, starting one further each round,
// so that a busy minute on the shared machine does not fall on one system
// only. It prints each run as it ends (stderr) and then the table of
// medians (stdout).
func runCompare(ctx context.Context, f *flags, fake *slacktest.Server, stdout, stderr io.Writer) int {
	boltApp, cleanup, err := installBolt(ctx, f.systems, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "tourniquet-load: %v\n", err)
		return 1
	}
	defer cleanup()
	results := map[string][]loadgen.Report{} // by system and rate
	key := func(sys string, rate float64) string { return fmt.Sprintf("%s@%g", sys, rate) }
	failed := false
	for round := range f.rounds {
		for _, rate := range f.rates {
			order := append(slices.Clone(f.systems[round%len(f.systems):]), f.systems[:round%len(f.systems)]...)
			for _, sys := range order {
				g := systemFlags(f, sys, boltApp)
				rep, err := runOne(ctx, g, fake, rate, stderr)
				if err != nil {
					fmt.Fprintf(stderr, "tourniquet-load: round %d, %s at %.0f/s: %v\n", round+1, sys, rate, err)
					failed = true
					if ctx.Err() != nil {
						return 1
					}
					continue
				}
				fmt.Fprintf(stderr, "round %d: %s\n", round+1, rep.MarkdownRow(storeName(g)))
				results[key(sys, rate)] = append(results[key(sys, rate)], rep)
			}
		}
	}
	fmt.Fprintln(stdout, compareTable(f, results, key))
	if failed {
		return 1
	}
	return 0
}

// compareTable is the BENCHMARKS.md table: per rate and system, the
// median over the rounds of each figure (CPU per command with its range),
// errors and missing messages summed, the highest peak RSS, the load
// average range, and the CPU ratios to Bolt's and to the Go app's (the
// floor: the same exchanges in Go, nothing else).
func compareTable(f *flags, results map[string][]loadgen.Report, key func(string, float64) string) string {
	var b strings.Builder
	b.WriteString("| system | rate | runs | errors | ack p50 / p99 / max (ms) | delivery p50 / p99 (ms) | missing / dup | CPU per command (ms) | × Bolt's CPU | × Go app's CPU | peak RSS | load avg |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	names := map[string]string{"sqlite": "Tourniquet, SQLite", "postgres": "Tourniquet, Postgres", "bolt": "Bolt " + loadgen.BoltVersion,
		"go": "Go app (net/http, slack-go), nothing durable"}
	cpuOf := loadgen.Report.CPUPerCommand
	for _, rate := range f.rates {
		boltCPU, goCPU := medianDur(results[key("bolt", rate)], cpuOf), medianDur(results[key("go", rate)], cpuOf)
		for _, sys := range f.systems {
			rs := results[key(sys, rate)]
			if len(rs) == 0 {
				fmt.Fprintf(&b, "| %s | %g | 0 | – | – | – | – | – | – | – | – | – |\n", names[sys], rate)
				continue
			}
			errs, missing, dups := 0, 0, 0
			var rss int64
			loadLo, loadHi := rs[0].LoadAvg, rs[0].LoadAvg
			cpuLo, cpuHi := rs[0].CPUPerCommand(), rs[0].CPUPerCommand()
			for _, r := range rs {
				errs += r.Sent - r.OK
				missing += r.Missing
				dups += r.Duplicates
				rss = max(rss, r.PeakRSS)
				loadLo, loadHi = min(loadLo, r.LoadAvg), max(loadHi, r.LoadAvg)
				cpuLo, cpuHi = min(cpuLo, r.CPUPerCommand()), max(cpuHi, r.CPUPerCommand())
			}
			med := func(get func(loadgen.Report) time.Duration) string { return msStr(medianDur(rs, get)) }
			cpu := medianDur(rs, cpuOf)
			ratio := func(base time.Duration) string {
				if base <= 0 {
					return "–"
				}
				return fmt.Sprintf("%.2f", float64(cpu)/float64(base))
			}
			fmt.Fprintf(&b, "| %s | %g | %d | %d | %s / %s / %s | %s / %s | %d / %d | %.2f (%.2f–%.2f) | %s | %s | %.0f MiB | %.1f–%.1f |\n",
				names[sys], rate, len(rs), errs,
				med(func(r loadgen.Report) time.Duration { return r.Ack.P50 }),
				med(func(r loadgen.Report) time.Duration { return r.Ack.P99 }),
				med(func(r loadgen.Report) time.Duration { return r.Ack.Max }),
				med(func(r loadgen.Report) time.Duration { return r.Delivery.P50 }),
				med(func(r loadgen.Report) time.Duration { return r.Delivery.P99 }),
				missing, dups, ms64(cpu), ms64(cpuLo), ms64(cpuHi), ratio(boltCPU), ratio(goCPU), float64(rss)/(1<<20), loadLo, loadHi)
		}
	}
	return b.String()
}

func medianDur(rs []loadgen.Report, get func(loadgen.Report) time.Duration) time.Duration {
	if len(rs) == 0 {
		return 0
	}
	ds := make([]time.Duration, len(rs))
	for i, r := range rs {
		ds[i] = get(r)
	}
	slices.Sort(ds)
	if len(ds)%2 == 0 {
		return (ds[len(ds)/2-1] + ds[len(ds)/2]) / 2
	}
	return ds[len(ds)/2]
}

func ms64(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func msStr(d time.Duration) string { return fmt.Sprintf("%.1f", ms64(d)) }

// installBolt installs the pinned @slack/bolt into a temporary directory
// when systems names "bolt", and returns the app to run ("" otherwise)
// and the function that removes the directory.
func installBolt(ctx context.Context, systems []string, stderr io.Writer) (app string, cleanup func(), err error) {
	if !slices.Contains(systems, "bolt") {
		return "", func() {}, nil
	}
	dir, err := os.MkdirTemp("", "tourniquet-bolt-")
	if err != nil {
		return "", nil, err
	}
	cleanup = func() { _ = os.RemoveAll(dir) }
	fmt.Fprintf(stderr, "installing @slack/bolt@%s into %s…\n", loadgen.BoltVersion, dir)
	if app, err = loadgen.InstallBolt(ctx, dir); err != nil {
		cleanup()
		return "", nil, err
	}
	return app, cleanup, nil
}

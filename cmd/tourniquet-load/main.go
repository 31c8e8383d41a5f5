// Command tourniquet-load drives a `tourniquet serve` with signed Slack
// slash commands and button clicks at given rates, plays the Slack Web
// API that the server delivers to, and reports acknowledgement latency,
// errors, the delay until each resulting message reached the fake Slack,
// and the server's peak memory.
//
// Either it starts the server itself (-binary, one fresh server and
// database per rate):
//
//	go build -o bin/tourniquet ./cmd/tourniquet
//	go run ./cmd/tourniquet-load -binary bin/tourniquet -database sqlite -rates 50,200,500
//
// or it drives one that is already running (-target), which must be
// started with TOURNIQUET_SLACK_API_URL=http://<-fake>/api/ and the same
// bot token and signing secret:
//
//	go run ./cmd/tourniquet-load -fake 127.0.0.1:9901 -target http://127.0.0.1:8080 -pid 1234
//
// With -startup N it sends nothing: it starts each of -systems N times on
// a fresh database and reports start-to-ready and idle RSS:
//
//	go run ./cmd/tourniquet-load -binary bin/tourniquet -startup 10 -systems sqlite,bolt -log-level info
//
// "tourniquet-load go-app" runs the comparison's Go app (see
// loadgen.GoApp) on TOURNIQUET_LISTEN: -systems go starts this tool again
// that way.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/tourniquet/tourniquet/bot/slack/slacktest"
	"github.com/tourniquet/tourniquet/cmd/tourniquet-load/loadgen"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(os.Args) > 1 && os.Args[1] == goAppCommand {
		os.Exit(serveGoApp(ctx, os.Stderr))
	}
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// goAppCommand is the argument that makes this tool the comparison's Go
// app instead of a load generator.
const goAppCommand = "go-app"

// serveGoApp runs loadgen.GoApp on $TOURNIQUET_LISTEN until ctx ends.
func serveGoApp(ctx context.Context, stderr io.Writer) int {
	ln, err := net.Listen("tcp", os.Getenv("TOURNIQUET_LISTEN"))
	if err != nil {
		fmt.Fprintf(stderr, "go app: %v\n", err)
		return 1
	}
	app := loadgen.GoAppFromEnv(os.Getenv)
	app.Log = slog.New(slog.NewTextHandler(stderr, nil))
	if err := app.Serve(ctx, ln); err != nil {
		fmt.Fprintf(stderr, "go app: %v\n", err)
		return 1
	}
	return 0
}

type flags struct {
	binary, database, target, fake, logDir string
	profileDir, logLevel, boltApp          string
	compare                                bool
	goApp                                  bool // start the Go app (this tool, go-app) instead of -binary
	startup                                int
	idle, readyPoll                        time.Duration
	systems                                []string
	rounds                                 int
	secret, token                          string
	pid                                    int
	rates                                  []float64
	duration, settle, limit, slackLatency  time.Duration
	concurrency, incidents, clickEvery     int
	jsonOut, markdown                      bool
}

func parseFlags(args []string, stderr io.Writer) (*flags, error) {
	f := &flags{}
	fs := flag.NewFlagSet("tourniquet-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.binary, "binary", "", "start this tourniquet `executable` for each rate (else drive -target)")
	fs.StringVar(&f.database, "database", "sqlite", "with -binary: \"sqlite\" (a fresh file per rate), or a postgres:// `URL` (use an empty database or schema)")
	fs.StringVar(&f.target, "target", "", "base `URL`s of running servers, comma-separated (without -binary)")
	fs.IntVar(&f.pid, "pid", 0, "without -binary: the server's process `id`, for its peak RSS")
	fs.StringVar(&f.fake, "fake", "127.0.0.1:0", "listen `address` of the fake Slack Web API")
	fs.DurationVar(&f.slackLatency, "slack-latency", 0, "how long the fake Slack Web API takes to answer each call (Slack's round trip; default none)")
	fs.StringVar(&f.logDir, "log-dir", "", "with -binary: keep each server's log (and SQLite file) in this `directory` (default: a temporary one, removed unless the run failed)")
	fs.StringVar(&f.secret, "secret", os.Getenv("TOURNIQUET_SLACK_SIGNING_SECRET"), "Slack signing secret (default $TOURNIQUET_SLACK_SIGNING_SECRET, or random with -binary)")
	fs.StringVar(&f.token, "token", os.Getenv("TOURNIQUET_SLACK_BOT_TOKEN"), "bot token the fake accepts (default $TOURNIQUET_SLACK_BOT_TOKEN, or random with -binary)")
	rates := fs.String("rates", "50,200,500", "requests per second, comma-separated; each is one run")
	fs.DurationVar(&f.duration, "duration", 20*time.Second, "how long each run sends")
	fs.DurationVar(&f.settle, "settle", 60*time.Second, "how long to wait after a run for its messages to reach the fake")
	fs.DurationVar(&f.limit, "p99", 100*time.Millisecond, "the acknowledgement p99 a rate must stay under to count as held")
	fs.IntVar(&f.concurrency, "concurrency", 64, "requests in flight at most")
	fs.IntVar(&f.incidents, "incidents", 0, "incident channels to spread the commands over (default: the rate, so that each channel gets about one message a second, Slack's pace)")
	fs.IntVar(&f.clickEvery, "click-every", 5, "every n-th request is a button click (negative: none)")
	fs.StringVar(&f.profileDir, "cpuprofile", "", "with -binary: write a CPU and an allocations profile of each run's sending phase into this `directory` (the server runs with TOURNIQUET_PPROF_LISTEN)")
	fs.StringVar(&f.logLevel, "log-level", "debug", "with -binary: the server's log `level` (debug logs most, so the secrets check sees most)")
	fs.StringVar(&f.boltApp, "bolt", "", "with -binary: run this Bolt for JavaScript `app.js` with node instead of tourniquet (see -compare)")
	fs.BoolVar(&f.compare, "compare", false, "with -binary: run every rate against each of -systems, -rounds times, interleaved, and print the comparison table (installs @slack/bolt "+loadgen.BoltVersion+" with npm into a temporary directory)")
	systems := fs.String("systems", "sqlite,postgres,bolt,go", "with -compare or -startup: the systems, comma-separated: sqlite, postgres (the -database URL, default $TOURNIQUET_TEST_DATABASE_URL), bolt, go (the same app as Bolt's, in Go: this tool's go-app); and, with -startup, sqlite-restart (an existing, migrated file)")
	fs.IntVar(&f.rounds, "rounds", 3, "with -compare: rounds of every rate and system (the table shows medians)")
	fs.IntVar(&f.startup, "startup", 0, "with -binary: instead of sending load, start each of -systems this many `times` (interleaved, each on a fresh database), and print start-to-ready (exec to /readyz's first 200) and idle RSS, median and max")
	fs.DurationVar(&f.idle, "idle", 5*time.Second, "with -startup: how long each server idles before its RSS is read")
	fs.BoolVar(&f.jsonOut, "json", false, "print the reports as JSON lines")
	fs.BoolVar(&f.markdown, "markdown", false, "print BENCHMARKS.md table rows")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	for _, s := range strings.Split(*systems, ",") {
		switch s = strings.TrimSpace(s); s {
		case "sqlite", "postgres", "bolt", "go", "sqlite-restart":
			f.systems = append(f.systems, s)
		default:
			return nil, fmt.Errorf("-systems: %q is not sqlite, postgres, bolt, go or sqlite-restart", s)
		}
	}
	for _, s := range strings.Split(*rates, ",") {
		r, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || r <= 0 {
			return nil, fmt.Errorf("-rates: %q is not a positive number", s)
		}
		f.rates = append(f.rates, r)
	}
	switch {
	case f.binary == "" && f.target == "":
		return nil, errors.New("give -binary (start servers) or -target (drive a running one)")
	case f.binary != "" && f.target != "":
		return nil, errors.New("give -binary or -target, not both")
	case f.startup > 0 && f.binary == "":
		return nil, errors.New("-startup needs -binary")
	case f.binary == "" && (f.secret == "" || f.token == ""):
		return nil, errors.New("with -target, the signing secret and bot token the server uses are needed (-secret, -token)")
	}
	if f.binary != "" {
		if f.secret == "" {
			f.secret = randomHex(16)
		}
		if f.token == "" {
			f.token = "xoxb-load-" + randomHex(12)
		}
	}
	return f, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) (code int) {
	f, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "tourniquet-load: %v\n", err)
		return 2
	}
	if f.binary != "" && f.logDir == "" {
		// Logs and SQLite files of this run; kept only when it failed.
		dir, err := os.MkdirTemp("", "tourniquet-load-")
		if err != nil {
			fmt.Fprintf(stderr, "tourniquet-load: %v\n", err)
			return 1
		}
		f.logDir = dir
		defer func() {
			if code == 0 {
				_ = os.RemoveAll(dir)
			} else {
				fmt.Fprintf(stderr, "server logs kept in %s\n", dir)
			}
		}()
	}
	fake, err := loadgen.NewFakeSlack(f.fake, f.token, f.slackLatency)
	if err != nil {
		fmt.Fprintf(stderr, "tourniquet-load: %v\n", err)
		return 1
	}
	defer fake.Close()
	fmt.Fprintf(stderr, "fake Slack Web API at %s\n", fake.APIURL())
	if f.startup > 0 {
		return runStartup(ctx, f, fake, stdout, stderr)
	}
	if f.compare {
		return runCompare(ctx, f, fake, stdout, stderr)
	}
	failed := false
	for _, rate := range f.rates {
		rep, err := runOne(ctx, f, fake, rate, stderr)
		if err != nil {
			fmt.Fprintf(stderr, "tourniquet-load: rate %.0f/s: %v\n", rate, err)
			failed = true
			if ctx.Err() != nil {
				break
			}
			continue
		}
		switch {
		case f.jsonOut:
			buf, _ := json.Marshal(rep)
			fmt.Fprintln(stdout, string(buf))
		case f.markdown:
			fmt.Fprintln(stdout, rep.MarkdownRow(storeName(f)))
		default:
			fmt.Fprintln(stdout, rep.String())
		}
		held := "held"
		if !rep.Held(f.limit) {
			held = "NOT held"
		}
		fmt.Fprintf(stderr, "rate %.0f/s: %s (p99 < %s, no errors, nothing missing)\n", rate, held, f.limit)
	}
	if failed {
		return 1
	}
	return 0
}

func storeName(f *flags) string {
	switch {
	case f.binary == "":
		return "external"
	case f.boltApp != "":
		return "Bolt"
	case f.goApp:
		return "Go app"
	case strings.HasPrefix(f.database, "postgres"):
		return "Postgres"
	}
	return "SQLite"
}

// fileTag names the system in the files of a run (logs, profiles):
// storeName in lower case, without spaces ("go-app").
func fileTag(f *flags) string {
	return strings.ReplaceAll(strings.ToLower(storeName(f)), " ", "-")
}

// runOne runs one rate against a fresh server (-binary) or the target.
func runOne(ctx context.Context, f *flags, fake *slacktest.Server, rate float64, stderr io.Writer) (loadgen.Report, error) {
	targets := strings.Split(f.target, ",")
	pid := f.pid
	var srv *loadgen.Server
	var logPath, pprofAddr, dbURL string
	if f.binary != "" {
		var (
			err     error
			cleanup func()
		)
		srv, logPath, pprofAddr, dbURL, cleanup, err = startServer(ctx, f, fake, rate, stderr)
		if err != nil {
			return loadgen.Report{}, err
		}
		defer cleanup()
		defer srv.Kill()
		targets, pid = []string{srv.URL}, srv.Pid()
	}
	incidents := f.incidents
	if incidents <= 0 {
		incidents = max(10, int(rate))
	}
	d, err := loadgen.New(loadgen.Options{Targets: targets, SigningSecret: f.secret, Fake: fake, Rate: rate,
		Duration: f.duration, Concurrency: f.concurrency, Incidents: incidents, ClickEvery: f.clickEvery})
	if err != nil {
		return loadgen.Report{}, err
	}
	fmt.Fprintf(stderr, "rate %.0f/s: declaring %d incidents…\n", rate, incidents)
	setupCtx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	err = d.Setup(setupCtx)
	cancel()
	if err != nil {
		return loadgen.Report{}, fmt.Errorf("setup: %w", err)
	}
	serverCPU := &loadgen.CPUMeter{Pids: func(context.Context) []int {
		if pid > 0 {
			return []int{pid}
		}
		return nil
	}}
	dbCPU := &loadgen.CPUMeter{Pids: func(ctx context.Context) []int { return backendPids(ctx, dbURL) }}
	serverCPU.Start(ctx)
	dbCPU.Start(ctx)
	profiled := make(chan error, 1)
	if pprofAddr != "" {
		name := fmt.Sprintf("%s-%.0f.pprof", fileTag(f), rate)
		go func() {
			// Both windows run at once: the allocations profile costs
			// little beyond the sampling the runtime always does.
			allocs := make(chan error, 1)
			go func() {
				allocs <- loadgen.CaptureProfile(ctx, "http://"+pprofAddr, loadgen.ProfileAllocs, f.duration,
					filepath.Join(f.profileDir, "allocs-"+name))
			}()
			err := loadgen.CaptureProfile(ctx, "http://"+pprofAddr, loadgen.ProfileCPU, f.duration,
				filepath.Join(f.profileDir, "cpu-"+name))
			profiled <- errors.Join(err, <-allocs)
		}()
	} else {
		profiled <- nil
	}
	fmt.Fprintf(stderr, "rate %.0f/s: sending for %s…\n", rate, f.duration)
	if err := d.Run(ctx); err != nil {
		return loadgen.Report{}, err
	}
	if missing := d.Wait(ctx, f.settle); missing > 0 {
		fmt.Fprintf(stderr, "rate %.0f/s: %d messages did not reach the fake within %s\n", rate, missing, f.settle)
	}
	serverCPU.Sample(ctx)
	dbCPU.Sample(ctx)
	if err := <-profiled; err != nil {
		fmt.Fprintf(stderr, "rate %.0f/s: %v\n", rate, err)
	}
	rep := d.Summarize()
	rep.CPUServer, rep.CPUDatabase, rep.LoadAvg = serverCPU.Used(), dbCPU.Used(), loadgen.LoadAvg()
	if pid > 0 {
		if rss, err := loadgen.PeakRSS(pid); err == nil {
			rep.PeakRSS = rss
		} else {
			fmt.Fprintf(stderr, "rate %.0f/s: %v\n", rate, err)
		}
	}
	if srv != nil {
		if err := srv.Stop(15 * time.Second); err != nil {
			fmt.Fprintf(stderr, "rate %.0f/s: stopping the server: %v\n", rate, err)
		}
		if err := checkLogs(logPath, f, fake); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// startServer starts a fresh server on a fresh database for one rate,
// logging at debug level into a file. cleanup stops nothing: it drops the
// Postgres schema once the server is gone.
func startServer(ctx context.Context, f *flags, fake *slacktest.Server, rate float64, stderr io.Writer) (srv *loadgen.Server, logPath, pprofAddr, pgURL string, stop func(), err error) {
	dir := f.logDir
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, "", "", "", nil, err
	}
	db, cleanup := f.database, func() {}
	if f.boltApp != "" || f.goApp {
		db = ""
	} else if db == "sqlite" {
		db = "sqlite:" + filepath.Join(dir, fmt.Sprintf("load-%.0f-%s.db", rate, randomHex(3)))
	} else if strings.HasPrefix(db, "sqlite:") {
		// A given file, as it is (the -startup restarts).
	} else {
		if db, cleanup, err = freshSchema(ctx, db); err != nil {
			return nil, "", "", "", nil, err
		}
		pgURL = db
	}
	var extra []string
	if f.profileDir != "" {
		if err := os.MkdirAll(f.profileDir, 0o755); err != nil {
			cleanup()
			return nil, "", "", "", nil, err
		}
		if pprofAddr, err = loadgen.FreeAddr(); err != nil {
			cleanup()
			return nil, "", "", "", nil, err
		}
		extra = append(extra, "TOURNIQUET_PPROF_LISTEN="+pprofAddr)
	}
	logPath = filepath.Join(dir, fmt.Sprintf("server-%s-%.0f.log", fileTag(f), rate))
	logFile, err := os.Create(logPath)
	if err != nil {
		cleanup()
		return nil, "", "", "", nil, err
	}
	binary, args := f.binary, []string(nil)
	switch {
	case f.boltApp != "":
		binary, args = "node", []string{f.boltApp}
	case f.goApp:
		if binary, err = os.Executable(); err != nil {
			_ = logFile.Close()
			cleanup()
			return nil, logPath, "", "", nil, err
		}
		args = []string{goAppCommand}
	}
	fmt.Fprintf(stderr, "rate %.0f/s: starting %s (log: %s)\n", rate, strings.Join(append([]string{binary}, args...), " "), logPath)
	srv, err = loadgen.StartServer(ctx, loadgen.ServerOptions{
		Binary: binary, Args: args, Log: logFile, ReadyPoll: f.readyPoll,
		Env: append([]string{
			"TOURNIQUET_CONFIG=",
			"TOURNIQUET_DATABASE_URL=" + db,
			"TOURNIQUET_SLACK_BOT_TOKEN=" + f.token,
			"TOURNIQUET_SLACK_SIGNING_SECRET=" + f.secret,
			"TOURNIQUET_SLACK_API_URL=" + fake.APIURL(),
			"TOURNIQUET_API_TOKEN=" + apiToken,
			"TOURNIQUET_LOG_LEVEL=" + f.logLevel,
			"TOURNIQUET_LOG_FORMAT=json",
		}, extra...),
	})
	if err != nil {
		_ = logFile.Close()
		cleanup()
		return nil, logPath, "", "", nil, err
	}
	return srv, logPath, pprofAddr, pgURL, func() { _ = logFile.Close(); cleanup() }, nil
}

// apiToken is set on servers the tool starts, so that the secrets check
// covers it too.
var apiToken = "tq-api-" + randomHex(12)

// checkLogs fails when a server's log holds a secret: the bot token, the
// signing secret, the API token, or any response URL.
func checkLogs(path string, f *flags, fake *slacktest.Server) error {
	logs, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	leaks := loadgen.Leaks(logs, map[string]string{
		"bot token": f.token, "signing secret": f.secret, "api token": apiToken,
		"response URL": fake.HookURL(""),
	})
	if len(leaks) > 0 {
		return fmt.Errorf("the server log %s contains: %s", path, strings.Join(leaks, ", "))
	}
	return nil
}

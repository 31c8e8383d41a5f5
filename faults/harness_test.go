package faults

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tourniquet/tourniquet/bot/slack/slacktest"
	"github.com/tourniquet/tourniquet/cmd/tourniquet-load/loadgen"
	"github.com/tourniquet/tourniquet/storage/storagetest"
)

// EnvFaults enables the suite.
const EnvFaults = "TOURNIQUET_FAULTS"

// binary is the tourniquet executable TestMain built.
var binary string

func TestMain(m *testing.M) {
	if os.Getenv(EnvFaults) != "1" {
		fmt.Printf("faults: skipped (run `make faults`, or set %s=1)\n", EnvFaults)
		os.Exit(0)
	}
	dir, err := os.MkdirTemp("", "tourniquet-faults-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "tourniquet")
	// With the runner's pause hook (actions/testhook.go), which a normal
	// build leaves out.
	build := exec.Command("go", "build", "-tags", "tourniquet_testhooks", "-o", binary, "../cmd/tourniquet")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "faults: building tourniquet: %v\n", err)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// rig is one test's world: a fresh Postgres schema, a fake Slack, the
// secrets the servers get, a config file, and the logs of every server
// process it starts.
type rig struct {
	t    *testing.T
	fake *slacktest.Server
	// dbURL is what servers connect to (through a proxy when the test
	// puts one in between); directURL reaches the same schema directly.
	dbURL, directURL string
	cfgPath          string
	dir              string
	token, signing   string
	apiToken         string
	// secrets are checked against every log when the test ends.
	secrets map[string]string

	mu      sync.Mutex
	servers []*loadgen.Server
	logs    map[string]*os.File
}

// rigOptions shape a rig.
type rigOptions struct {
	// config is YAML appended to the config file (check-ins, actions).
	config string
	// secrets are more values that must never reach a log.
	secrets map[string]string
}

func newRig(t *testing.T, o rigOptions) *rig {
	t.Helper()
	dbURL := storagetest.PostgresURL(t) // dropped last: register before anything using it
	r := &rig{
		t: t, dbURL: dbURL, directURL: dbURL, dir: t.TempDir(),
		token:    "xoxb-fault-" + randomHex(10),
		signing:  randomHex(16),
		apiToken: "tq-api-" + randomHex(10),
		logs:     map[string]*os.File{},
	}
	fake, err := loadgen.NewFakeSlack("127.0.0.1:0", r.token, 0)
	if err != nil {
		t.Fatal(err)
	}
	r.fake = fake
	r.secrets = map[string]string{
		"slack bot token": r.token, "slack signing secret": r.signing, "api token": r.apiToken,
		"response URL": fake.HookURL(""),
	}
	if u, err := url.Parse(dbURL); err == nil {
		if pw, ok := u.User.Password(); ok {
			// As it would appear in a leaked URL or connection string (the
			// bare word may well be "postgres", like the user's name).
			r.secrets["database password (URL)"] = ":" + pw + "@"
			r.secrets["database password (DSN)"] = "password=" + pw
		}
	}
	for k, v := range o.secrets {
		r.secrets[k] = v
	}
	r.cfgPath = filepath.Join(r.dir, "tourniquet.yaml")
	if err := os.WriteFile(r.cfgPath, []byte(o.config), 0o600); err != nil {
		t.Fatal(err)
	}
	// Cleanups run last-registered first: the servers stop, then the logs
	// are checked, then the fake closes, then the schema is dropped.
	t.Cleanup(func() { _ = fake.Close() })
	t.Cleanup(r.checkLogs)
	t.Cleanup(r.stopAll)
	return r
}

// env is the environment of a server process.
func (r *rig) env(extra ...string) []string {
	return append([]string{
		"TOURNIQUET_CONFIG=" + r.cfgPath,
		"TOURNIQUET_DATABASE_URL=" + r.dbURL,
		"TOURNIQUET_SLACK_BOT_TOKEN=" + r.token,
		"TOURNIQUET_SLACK_SIGNING_SECRET=" + r.signing,
		"TOURNIQUET_SLACK_APP_TOKEN=",
		"TOURNIQUET_SLACK_API_URL=" + r.fake.APIURL(),
		"TOURNIQUET_API_TOKEN=" + r.apiToken,
		"TOURNIQUET_LOG_LEVEL=debug",
		"TOURNIQUET_LOG_FORMAT=json",
		"TOURNIQUET_DISCORD_BOT_TOKEN=",
		"TOURNIQUET_OPENAI_API_KEY=",
	}, extra...)
}

// start runs a `tourniquet serve` named name (its log is name.log; a
// restart under the same name appends) and waits until it is ready.
func (r *rig) start(name string, extra ...string) *loadgen.Server {
	r.t.Helper()
	r.mu.Lock()
	f := r.logs[name]
	if f == nil {
		var err error
		f, err = os.OpenFile(filepath.Join(r.dir, name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			r.mu.Unlock()
			r.t.Fatal(err)
		}
		r.logs[name] = f
	}
	r.mu.Unlock()
	fmt.Fprintf(f, "{\"msg\":\"--- faults: starting %s\"}\n", name)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv, err := loadgen.StartServer(ctx, loadgen.ServerOptions{Binary: binary, Env: r.env(extra...), Log: f})
	if err != nil {
		r.dumpLogs()
		r.t.Fatalf("start %s: %v", name, err)
	}
	r.mu.Lock()
	r.servers = append(r.servers, srv)
	r.mu.Unlock()
	return srv
}

func (r *rig) stopAll() {
	r.mu.Lock()
	servers := r.servers
	r.mu.Unlock()
	var wg sync.WaitGroup
	for _, s := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = s.Stop(15 * time.Second)
		}()
	}
	wg.Wait()
	r.mu.Lock()
	for _, f := range r.logs {
		_ = f.Close()
	}
	r.mu.Unlock()
}

// checkLogs fails the test when any server log holds a secret.
func (r *rig) checkLogs() {
	r.t.Helper()
	paths, _ := filepath.Glob(filepath.Join(r.dir, "*.log"))
	if len(paths) == 0 {
		r.t.Error("no server logs were captured")
	}
	for _, p := range paths {
		logs, err := os.ReadFile(p)
		if err != nil {
			r.t.Error(err)
			continue
		}
		if !bytes.Contains(logs, []byte(`"level":"DEBUG"`)) {
			r.t.Errorf("%s: no debug lines: the servers must run at debug level for the secrets check to mean anything", filepath.Base(p))
		}
		if leaks := loadgen.Leaks(logs, r.secrets); len(leaks) > 0 {
			sort.Strings(leaks)
			r.t.Errorf("%s contains: %s", filepath.Base(p), strings.Join(leaks, ", "))
		}
	}
	if r.t.Failed() {
		r.dumpLogs()
		if keep := os.Getenv("TOURNIQUET_FAULTS_KEEP"); keep != "" {
			dst := filepath.Join(keep, strings.ReplaceAll(r.t.Name(), "/", "_"))
			_ = os.MkdirAll(dst, 0o755)
			for _, p := range paths {
				if b, err := os.ReadFile(p); err == nil {
					_ = os.WriteFile(filepath.Join(dst, filepath.Base(p)), b, 0o600)
				}
			}
			r.t.Logf("logs kept in %s", dst)
		}
	}
}

// dumpLogs prints the end of every log, for a failing test.
func (r *rig) dumpLogs() {
	paths, _ := filepath.Glob(filepath.Join(r.dir, "*.log"))
	for _, p := range paths {
		logs, _ := os.ReadFile(p)
		lines := strings.Split(strings.TrimSpace(string(logs)), "\n")
		var keep []string
		for _, l := range lines {
			if !strings.Contains(l, `"level":"DEBUG"`) {
				keep = append(keep, l)
			}
		}
		if len(keep) > 60 {
			keep = keep[len(keep)-60:]
		}
		// Redacted: a test failure must not print a secret either.
		out := strings.Join(keep, "\n")
		for _, v := range r.secrets {
			if len(v) >= 6 {
				out = strings.ReplaceAll(out, v, "<secret>")
			}
		}
		r.t.Logf("--- %s (last non-debug lines)\n%s", filepath.Base(p), out)
	}
}

// signer posts signed Slack requests.
func (r *rig) signer() loadgen.Signer {
	return loadgen.Signer{Secret: r.signing, Client: &http.Client{Timeout: 10 * time.Second}}
}

// command sends /incident text in channel as user and returns the status
// (0 with err when there was no answer).
func (r *rig) command(srv *loadgen.Server, channel, user, text, trigger string) (int, string, error) {
	status, body, err := r.signer().Command(context.Background(), srv.URL, loadgen.SlashCommand{
		Channel: channel, User: user, Text: text, TriggerID: trigger, ResponseURL: r.fake.HookURL("cmd-" + trigger)})
	return status, string(body), err
}

// mustCommand sends a command that must be acknowledged.
func (r *rig) mustCommand(srv *loadgen.Server, channel, user, text string) string {
	r.t.Helper()
	status, body, err := r.command(srv, channel, user, text, "t."+randomHex(6))
	if err != nil || status != http.StatusOK {
		r.t.Fatalf("%q: status %d, %v", text, status, err)
	}
	return body
}

// declare opens n incidents through srv and returns their channels.
func (r *rig) declare(srv *loadgen.Server, n int) []slacktest.Channel {
	r.t.Helper()
	d, err := loadgen.New(loadgen.Options{Targets: []string{srv.URL}, SigningSecret: r.signing, Fake: r.fake, Incidents: n})
	if err != nil {
		r.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := d.Setup(ctx); err != nil {
		r.dumpLogs()
		r.t.Fatal(err)
	}
	return d.Incidents()
}

// query runs a read-only SQL query on the test's schema and returns the
// rows as strings.
func (r *rig) query(sql string, args ...any) [][]string {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, r.directURL)
	if err != nil {
		r.t.Fatal(err)
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(ctx, sql, args...)
	if err != nil {
		r.t.Fatalf("%s: %v", sql, err)
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			r.t.Fatal(err)
		}
		var row []string
		for _, v := range vals {
			row = append(row, fmt.Sprint(v))
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		r.t.Fatal(err)
	}
	return out
}

// waitFor polls cond until it holds or timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// posts returns the chat.postMessage texts at the fake, per channel, in
// arrival order, that match re (its first group is returned).
func posts(fake *slacktest.Server, re *regexp.Regexp) map[string][]string {
	out := map[string][]string{}
	for _, m := range fake.Messages() {
		if m.Method != "chat.postMessage" {
			continue
		}
		if sm := re.FindStringSubmatch(m.Text); sm != nil {
			out[m.Channel] = append(out[m.Channel], sm[1])
		}
	}
	return out
}

// pendingOutbox counts outbox messages not yet delivered (nor given up on).
func (r *rig) pendingOutbox() int {
	rows := r.query(`SELECT count(*) FROM outbox WHERE status = 'pending'`)
	var n int
	fmt.Sscan(rows[0][0], &n)
	return n
}

// grep returns the log lines of name that contain every one of words.
func (r *rig) grep(name string, words ...string) []string {
	f, err := os.Open(filepath.Join(r.dir, name+".log"))
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		ok := true
		for _, w := range words {
			if !strings.Contains(sc.Text(), w) {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, sc.Text())
		}
	}
	return out
}
